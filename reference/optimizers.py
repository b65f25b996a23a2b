"""Optimizers with one API: ``optimizer.step(network_or_layers)`` moves every weight and bias once.

All share learning-rate decay: η_t = η / (1 + decay · t), t = steps taken so far.
Updates happen in place, so the network's arrays keep their identity and dtype.

How a step runs: the gradients of all layers are copied into one flat vector, the optimizer's rule
computes the change of every parameter on flat vectors (one numpy call per operation instead of one
per operation *and* array: this matters for small networks), and each weight and bias is then moved
by its part of that change. The rule itself is written once per optimizer, in ``_change``, as the
formula of its docstring.
"""
from __future__ import annotations

import math

import numpy as np


class Optimizer:
    """Base class: the step counter, learning-rate decay, and the flat state; subclasses define ``_change``."""

    #: names of the state vectors a rule keeps per parameter (moving averages, caches); all start at 0
    _state_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float, decay: float = 0.0) -> None:
        if not learning_rate > 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be positive, got {learning_rate}")
        if decay < 0:
            raise ValueError(f"{type(self).__name__}: decay must be >= 0, got {decay}")
        self.learning_rate = float(learning_rate)
        self.decay = float(decay)
        self.iterations = 0
        self._flat: _FlatState | None = None

    @property
    def current_learning_rate(self) -> float:
        return self.learning_rate / (1.0 + self.decay * self.iterations)

    def step(self, layers) -> None:
        """Update every trainable layer from its ``dweights`` and ``dbiases``."""
        layers = getattr(layers, "trainable_layers", layers)
        params, grads = [], []
        for layer in layers:
            if getattr(layer, "dweights", None) is None:
                raise RuntimeError(f"{type(self).__name__}: {layer!r} has no dweights; "
                                   f"run backward_pass before step")
            for param, grad, name in ((layer.weights, layer.dweights, "weights"),
                                      (layer.biases, layer.dbiases, "biases")):
                if np.shape(grad) != param.shape:
                    raise ValueError(f"{type(self).__name__}: {layer!r} has {name} of shape {param.shape} "
                                     f"but d-{name} of shape {np.shape(grad)}")
                params.append(param)
                grads.append(grad)
        if not params:
            raise ValueError(f"{type(self).__name__}: nothing to update (no trainable layers)")
        flat = self._flat_state(params)
        np.concatenate([np.ravel(grad) for grad in grads], out=flat.grad)
        change = self._change(flat.grad, flat.state, flat.scratch, self.current_learning_rate)
        for param, (start, stop) in zip(params, flat.slices):
            param += change[start:stop].reshape(param.shape)
        self.iterations += 1

    def state(self, param: np.ndarray) -> dict[str, np.ndarray]:
        """This optimizer's state for one weight or bias array (copies, shaped like it); {} if none yet."""
        flat = self._flat
        if flat is not None:
            for p, (start, stop) in zip(flat.params, flat.slices):
                if p is param:
                    return {name: vector[start:stop].reshape(p.shape).copy() for name, vector in flat.state.items()}
        return {}

    def state_dict(self) -> dict:
        """Everything needed to resume: the settings, the step count, and the rule's state of each weight
        and bias (in the order the layers were stepped), as copies."""
        settings = {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "iterations"}
        flat = self._flat
        state = {} if flat is None else {name: [vector[a:b].reshape(p.shape).copy() for p, (a, b) in
                                                zip(flat.params, flat.slices)] for name, vector in flat.state.items()}
        return {"optimizer": type(self).__name__, "settings": settings, "iterations": self.iterations,
                "state": state}

    def load_state_dict(self, state: dict) -> None:
        """Continue from ``state`` (from :meth:`state_dict`): the next step uses its per-parameter state,
        matched to the layers it is given by order and shape."""
        if state.get("optimizer") != type(self).__name__:
            raise ValueError(f"{type(self).__name__}: the saved state is of {state.get('optimizer')!r}")
        for name, value in state["settings"].items():
            setattr(self, name, value)
        self._state_names = type(self)(**state["settings"])._state_names
        self.iterations = int(state["iterations"])
        self._flat, self._loaded = None, {name: [np.asarray(a) for a in arrays]
                                          for name, arrays in state["state"].items()}

    def _flat_state(self, params: list) -> "_FlatState":
        flat = self._flat
        if flat is None or len(flat.params) != len(params) or any(a is not b for a, b in zip(flat.params, params)):
            flat = self._flat = _FlatState(params, self._state_names, previous=flat)
            loaded, self._loaded = getattr(self, "_loaded", None), None
            if loaded:
                flat.restore(loaded, type(self).__name__)
        return flat

    def _change(self, grad: np.ndarray, state: dict, scratch: np.ndarray, learning_rate: float) -> np.ndarray:
        """The change to add to the flat parameters, from the flat gradient (may be written into ``scratch``)."""
        raise NotImplementedError  # pragma: no cover

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in vars(self).items() if not k.startswith("_") and k != "iterations")
        return f"{type(self).__name__}({params})"


class _FlatState:
    """Flat vectors for the gradient, a scratch area and the rule's state, with each parameter's slice."""

    def restore(self, loaded: dict, who: str) -> None:
        """Fill the state from :meth:`Optimizer.state_dict`'s arrays (same parameters, same order)."""
        for name, arrays in loaded.items():
            shapes = [np.shape(a) for a in arrays]
            if shapes != [p.shape for p in self.params]:
                raise ValueError(f"{who}: the saved state is for weights and biases of shapes {shapes}, "
                                 f"not {[p.shape for p in self.params]}")
            for array, (start, stop) in zip(arrays, self.slices):
                self.state[name][start:stop] = np.ravel(array)

    def __init__(self, params: list, state_names: tuple[str, ...], previous: "_FlatState | None") -> None:
        self.params = list(params)  # keeps them alive, so identity checks stay valid
        stops = np.cumsum([p.size for p in params]).tolist()
        self.slices = list(zip([0] + stops[:-1], stops))
        dtype = np.result_type(*params)
        dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
        self.grad = np.empty(stops[-1], dtype)
        self.scratch = np.empty(stops[-1], dtype)
        self.state = {name: np.zeros(stops[-1], dtype) for name in state_names}
        if previous is not None:  # the set of layers changed: carry over what is known of each parameter
            for p, (start, stop) in zip(self.params, self.slices):
                for q, (a, b) in zip(previous.params, previous.slices):
                    if q is p:
                        for name, vector in self.state.items():
                            vector[start:stop] = previous.state[name][a:b]


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
        self._state_names = ("velocity",) if self.momentum else ()

    def _change(self, grad, state, scratch, learning_rate):
        if not self.momentum:
            return np.multiply(grad, -learning_rate, out=scratch)  # -η g
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity -= np.multiply(grad, learning_rate, out=scratch)  # v ← μv - η g
        return velocity


class Adagrad(Optimizer):
    """Adagrad: per-parameter steps shrink with the sum of past squared gradients::

        c ← c + g²                 (c starts at 0)
        w ← w - η_t · g / (√c + ε)

    Defaults: learning_rate=0.01, epsilon=1e-10, decay=0 (as PyTorch's).
    """

    _state_names = ("cache",)

    def __init__(self, learning_rate: float = 0.01, epsilon: float = 1e-10, decay: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        self.epsilon = float(epsilon)

    def _change(self, grad, state, scratch, learning_rate):
        cache = state["cache"]
        cache += np.multiply(grad, grad, out=scratch)
        return _scaled_step(grad, cache, scratch, learning_rate, self.epsilon)


class RMSprop(Optimizer):
    """RMSprop: like Adagrad with a moving average of squared gradients::

        c ← ρ · c + (1 - ρ) · g²   (c starts at 0)
        w ← w - η_t · g / (√c + ε)

    Defaults: learning_rate=0.01, rho=0.99, epsilon=1e-8, decay=0 (PyTorch's alpha is ρ).
    """

    _state_names = ("cache",)

    def __init__(self, learning_rate: float = 0.01, rho: float = 0.99, epsilon: float = 1e-8,
                 decay: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        if not 0 <= rho < 1:
            raise ValueError(f"RMSprop: rho must be in [0, 1), got {rho}")
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _change(self, grad, state, scratch, learning_rate):
        cache = state["cache"]
        cache *= self.rho
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.rho
        cache += scratch
        return _scaled_step(grad, cache, scratch, learning_rate, self.epsilon)


def _scaled_step(grad, cache, scratch, learning_rate: float, epsilon: float) -> np.ndarray:
    """-η g / (√c + ε), written into ``scratch``."""
    np.sqrt(cache, out=scratch)
    scratch += epsilon
    np.divide(grad, scratch, out=scratch)
    scratch *= -learning_rate
    return scratch


class Adam(Optimizer):
    """Adam with bias correction; t counts steps from 1::

        m ← β₁ · m + (1 - β₁) · g          v ← β₂ · v + (1 - β₂) · g²
        m̂ = m / (1 - β₁ᵗ)                  v̂ = v / (1 - β₂ᵗ)
        w ← w - η_t · m̂ / (√v̂ + ε)

    Defaults: learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, decay=0 (as PyTorch's).
    """

    _state_names = ("m", "v")

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, decay: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {beta}")
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)

    def _change(self, grad, state, scratch, learning_rate):
        m, v = state["m"], state["v"]
        m *= self.beta1
        m += np.multiply(grad, 1 - self.beta1, out=scratch)
        v *= self.beta2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.beta2
        v += scratch
        # Both bias corrections folded into one step size (Python floats keep float32 in float32):
        # η·m̂/(√v̂ + ε) = η·√(1-β₂ᵗ)/(1-β₁ᵗ) · m / (√v + ε·√(1-β₂ᵗ)).
        t = self.iterations + 1
        c1, c2 = 1 - self.beta1 ** t, 1 - self.beta2 ** t
        np.sqrt(v, out=scratch)
        scratch += self.epsilon * math.sqrt(c2)
        np.divide(m, scratch, out=scratch)
        scratch *= -learning_rate * math.sqrt(c2) / c1
        return scratch
