"""Optimizers with one API: ``optimizer.step(network_or_layers)`` moves every weight and bias once.

All share learning-rate decay: η_t = η / (1 + decay · t), t = steps taken so far.
Updates happen in place, so the network's arrays keep their identity and dtype.
"""
from __future__ import annotations

import math

import numpy as np


class Optimizer:
    """Base class: keeps per-layer state and the step counter; subclasses define ``_update``."""

    def __init__(self, learning_rate: float, decay: float = 0.0) -> None:
        if not learning_rate > 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be positive, got {learning_rate}")
        if decay < 0:
            raise ValueError(f"{type(self).__name__}: decay must be >= 0, got {decay}")
        self.learning_rate = float(learning_rate)
        self.decay = float(decay)
        self.iterations = 0
        self._states: dict[int, tuple[object, dict]] = {}

    @property
    def current_learning_rate(self) -> float:
        return self.learning_rate / (1.0 + self.decay * self.iterations)

    def step(self, layers) -> None:
        """Update every trainable layer from its ``dweights`` and ``dbiases``."""
        layers = getattr(layers, "trainable_layers", layers)
        learning_rate = self.current_learning_rate
        for layer in layers:
            if getattr(layer, "dweights", None) is None:
                raise RuntimeError(f"{type(self).__name__}: {layer!r} has no dweights; "
                                   f"run backward_pass before step")
            self._update(layer, self._state(layer), learning_rate)
        self.iterations += 1

    def _state(self, layer) -> dict:
        entry = self._states.get(id(layer))
        if entry is None or entry[0] is not layer:
            entry = self._states[id(layer)] = (layer, {})
        return entry[1]

    @staticmethod
    def _pairs(layer):
        return ((layer.weights, layer.dweights, "weights"), (layer.biases, layer.dbiases, "biases"))

    def _update(self, layer, state: dict, learning_rate: float) -> None:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in vars(self).items() if not k.startswith("_") and k != "iterations")
        return f"{type(self).__name__}({params})"


def _descend(param, grad, cache, scratch, learning_rate: float, epsilon: float) -> None:
    """param -= learning_rate * grad / (√cache + ε), in place, using ``scratch`` for the step."""
    np.sqrt(cache, out=scratch)
    scratch += epsilon
    np.divide(grad, scratch, out=scratch)
    scratch *= learning_rate
    param -= scratch


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum.

    Without momentum (the lecture's "-1/100 ∇" is ``SGD(learning_rate=0.01)``)::

        w ← w - η_t · g

    With momentum μ, the velocity convention (as in *Neural Networks from Scratch*)::

        v ← μ · v - η_t · g        (v starts at 0)
        w ← w + v

    With a constant learning rate this equals PyTorch's ``v ← μv + g; w ← w - ηv``.
    Defaults: learning_rate=0.01, momentum=0, decay=0.
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, decay: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)

    def _update(self, layer, state, learning_rate):
        for param, grad, key in self._pairs(layer):
            if self.momentum:
                velocity = state.get(key)
                if velocity is None:
                    velocity = state[key] = np.zeros_like(param)
                velocity *= self.momentum
                velocity -= learning_rate * grad
                param += velocity
            else:
                param -= learning_rate * grad  # one small temporary; the parameter is updated in place


class Adagrad(Optimizer):
    """Adagrad: per-parameter steps shrink with the sum of past squared gradients::

        c ← c + g²                 (c starts at 0)
        w ← w - η_t · g / (√c + ε)

    Defaults: learning_rate=0.01, epsilon=1e-10, decay=0 (as PyTorch's).
    """

    def __init__(self, learning_rate: float = 0.01, epsilon: float = 1e-10, decay: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        self.epsilon = float(epsilon)

    def _update(self, layer, state, learning_rate):
        for param, grad, key in self._pairs(layer):
            if key not in state:
                state[key] = (np.zeros_like(param), np.empty_like(param))
            cache, scratch = state[key]
            np.multiply(grad, grad, out=scratch)
            cache += scratch
            _descend(param, grad, cache, scratch, learning_rate, self.epsilon)


class RMSprop(Optimizer):
    """RMSprop: like Adagrad with a moving average of squared gradients::

        c ← ρ · c + (1 - ρ) · g²   (c starts at 0)
        w ← w - η_t · g / (√c + ε)

    Defaults: learning_rate=0.01, rho=0.99, epsilon=1e-8, decay=0 (PyTorch's alpha is ρ).
    """

    def __init__(self, learning_rate: float = 0.01, rho: float = 0.99, epsilon: float = 1e-8,
                 decay: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        if not 0 <= rho < 1:
            raise ValueError(f"RMSprop: rho must be in [0, 1), got {rho}")
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _update(self, layer, state, learning_rate):
        for param, grad, key in self._pairs(layer):
            if key not in state:
                state[key] = (np.zeros_like(param), np.empty_like(param))
            cache, scratch = state[key]
            np.multiply(grad, grad, out=scratch)
            scratch *= 1 - self.rho
            cache *= self.rho
            cache += scratch
            _descend(param, grad, cache, scratch, learning_rate, self.epsilon)


class Adam(Optimizer):
    """Adam with bias correction; t counts steps from 1::

        m ← β₁ · m + (1 - β₁) · g          v ← β₂ · v + (1 - β₂) · g²
        m̂ = m / (1 - β₁ᵗ)                  v̂ = v / (1 - β₂ᵗ)
        w ← w - η_t · m̂ / (√v̂ + ε)

    Defaults: learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, decay=0 (as PyTorch's).
    """

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, decay: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {beta}")
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)

    def _update(self, layer, state, learning_rate):
        t = self.iterations + 1
        # Fold both bias corrections into one step size: η·√(1-β₂ᵗ)/(1-β₁ᵗ) · m / (√v + ε√(1-β₂ᵗ)).
        c1, c2 = 1 - self.beta1 ** t, 1 - self.beta2 ** t
        # Python floats (not numpy float64 scalars) keep float32 parameters' arithmetic in float32.
        step = learning_rate * math.sqrt(c2) / c1
        eps = self.epsilon * math.sqrt(c2)
        for param, grad, key in self._pairs(layer):
            if key not in state:
                state[key] = (np.zeros_like(param), np.zeros_like(param), np.empty_like(param))
            m, v, scratch = state[key]
            m *= self.beta1
            m += (1 - self.beta1) * grad
            v *= self.beta2
            np.multiply(grad, grad, out=scratch)
            scratch *= 1 - self.beta2
            v += scratch
            np.sqrt(v, out=scratch)
            scratch += eps
            np.divide(m, scratch, out=scratch)
            scratch *= step
            param -= scratch
