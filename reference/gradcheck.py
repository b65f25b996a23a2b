"""Finite-difference gradient checks: compare the backward pass with central differences."""
from __future__ import annotations

from typing import Callable

import numpy as np


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖a - n‖ / (‖a‖ + ‖n‖); 0 when both are 0. Below ~1e-7 in float64 means the gradient is right."""
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    if analytic.shape != numeric.shape:
        raise ValueError(f"relative_error: shapes differ, {analytic.shape} vs {numeric.shape}")
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, epsilon: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences, nudging ``x`` in place (it is restored afterwards)."""
    grad = np.zeros(x.shape, dtype=float)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + epsilon
        plus = f()
        x[index] = old - epsilon
        minus = f()
        x[index] = old
        grad[index] = (plus - minus) / (2 * epsilon)
    return grad


def gradient_check(network, loss, inputs: np.ndarray, targets, epsilon: float = 1e-6) -> dict[str, float]:
    """Relative error of every d-weights, d-biases and the d-inputs of ``network`` under ``loss``.

    Returns ``{"layer 0 weights": err, "layer 0 biases": err, ..., "inputs": err}``; use float64.
    """
    inputs = np.array(inputs, dtype=float)

    def value() -> float:
        return loss.forward_pass(network.forward_pass(inputs), targets)

    value()
    dinputs = network.backward_pass(loss.backward_pass())
    analytic = {}
    for i, layer in enumerate(network.layers):
        if getattr(layer, "trainable", False):
            analytic[(i, "weights")] = layer.dweights.copy()
            analytic[(i, "biases")] = layer.dbiases.copy()
    errors = {}
    for (i, name), grad in analytic.items():
        param = getattr(network.layers[i], name)
        errors[f"layer {i} {name}"] = relative_error(grad, numerical_gradient(value, param, epsilon))
    errors["inputs"] = relative_error(dinputs, numerical_gradient(value, inputs, epsilon))
    return errors
