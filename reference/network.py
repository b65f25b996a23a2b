"""The network: a list of layers, forward in order and backward in reverse (the lecture's loop)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import Identity, ReLU, Sigmoid, Softmax, Tanh
from .layers import Dense

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "softmax": Softmax, "identity": Identity}


class Network:
    """``Network([Dense(2, 3), ReLU(), Dense(3, 1)])``."""

    def __init__(self, layers: Sequence) -> None:
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not (hasattr(layer, "forward_pass") and hasattr(layer, "backward_pass")):
                raise TypeError(f"Network: layer {i} ({layer!r}) has no forward_pass/backward_pass")
        dense = [layer for layer in layers if isinstance(layer, Dense)]
        for before, after in zip(dense, dense[1:]):
            if after.n_inputs != before.n_neurons:
                raise ValueError(f"Network: {before!r} gives {before.n_neurons} values but the next "
                                 f"layer {after!r} expects {after.n_inputs}")
        if not layers:
            raise ValueError("Network: needs at least one layer")
        self.layers = layers

    @classmethod
    def mlp(cls, sizes: Sequence[int], activation: str = "relu", output: str = "identity", *,
            seed: int | None = 0, dtype=np.float64) -> "Network":
        """Dense layers of the given sizes (inputs first) with ``activation`` between them."""
        if len(sizes) < 2:
            raise ValueError(f"Network.mlp: need at least input and output sizes, got {list(sizes)}")
        for name in (activation, output):
            if name not in ACTIVATIONS:
                raise ValueError(f"Network.mlp: unknown activation {name!r}; use one of {sorted(ACTIVATIONS)}")
        rng = np.random.default_rng(seed)
        init = "he" if activation == "relu" else "glorot"
        layers: list = []
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            layers.append(Dense(n_in, n_out, seed=rng, dtype=dtype, init=init))
            last = i == len(sizes) - 2
            layers.append(ACTIVATIONS[output if last else activation]())
        return cls(layers)

    @property
    def trainable_layers(self) -> list:
        """The layers with weights and biases (what an optimizer updates)."""
        return [layer for layer in self.layers if getattr(layer, "trainable", False)]

    def forward_pass(self, batch_inputs: np.ndarray, *, check_values: bool = True) -> np.ndarray:
        """Outputs ``(n_outputs, batch)`` for inputs ``(n_inputs, batch)``.

        ``check_values=False`` lets the ``Dense`` layers skip their NaN/inf scan of the inputs (see
        ``Dense.forward_pass``); shapes are checked either way.
        """
        values = batch_inputs
        for i, layer in enumerate(self.layers):
            try:
                if check_values or not isinstance(layer, Dense):
                    values = layer.forward_pass(values)
                else:
                    values = layer.forward_pass(values, check_values=False)
            except (ValueError, TypeError) as err:
                _name_layer(err, i)
                raise
        return values

    def backward_pass(self, dvalues: np.ndarray, *, compute_dinputs: bool = True) -> np.ndarray | None:
        """Push the loss's d-values back through every layer; returns the d-values of the inputs.

        ``compute_dinputs=False`` (what ``fit`` uses) lets a first ``Dense`` layer skip its
        d-inputs, the gradient of the data, which training never needs; it then returns None.
        """
        grad = dvalues
        for layer in reversed(self.layers[1:]):
            grad = layer.backward_pass(grad)
        first = self.layers[0]
        if compute_dinputs or not isinstance(first, Dense):
            return first.backward_pass(grad)
        return first.backward_pass(grad, compute_dinputs=False)

    def __repr__(self) -> str:
        return "Network([" + ", ".join(map(repr, self.layers)) + "])"


def _name_layer(err: Exception, index: int) -> None:
    """Prefix a layer's error message with its position in the network (same exception, same type)."""
    if err.args and isinstance(err.args[0], str) and not err.args[0].startswith("Network layer"):
        err.args = (f"Network layer {index}, {err.args[0]}",) + err.args[1:]
        if hasattr(err, "what"):
            err.what = f"Network layer {index}, {err.what}"
