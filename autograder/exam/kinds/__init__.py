"""The seven problem kinds, in the order an exam lists them."""
from __future__ import annotations

from ..problem import Kind
from .activations import ActivationDerivatives
from .neuron import BatchGradient, GradientStep
from .optimizers import OptimizerSteps
from .softmax import SoftmaxCE
from .twolayer import TwoLayer

KINDS: dict[str, Kind] = {k.name: k for k in [
    GradientStep(),
    BatchGradient(),
    TwoLayer("two_layer", "Backpropagation through two layers", ("identity",)),
    TwoLayer("two_layer_activation", "Backpropagation through a ReLU or sigmoid hidden layer", ("relu", "sigmoid")),
    ActivationDerivatives(),
    SoftmaxCE(),
    OptimizerSteps(),
]}


def kind(name: str) -> Kind:
    if name not in KINDS:
        raise KeyError(f"unknown problem kind {name!r}; choose from {', '.join(KINDS)}")
    return KINDS[name]
