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

    def forward_pass(self, batch_inputs: np.ndarray) -> np.ndarray:
        """Outputs ``(n_outputs, batch)`` for inputs ``(n_inputs, batch)``."""
        values = batch_inputs
        for layer in self.layers:
            values = layer.forward_pass(values)
        return values

    def backward_pass(self, dvalues: np.ndarray) -> np.ndarray:
        """Push the loss's d-values back through every layer; returns the d-values of the inputs."""
        grad = dvalues
        for layer in reversed(self.layers):
            grad = layer.backward_pass(grad)
        return grad

    def __repr__(self) -> str:
        return "Network([" + ", ".join(map(repr, self.layers)) + "])"
