"""Activation functions: element-wise (ReLU, Sigmoid, Tanh, Identity) and Softmax over each column."""
from __future__ import annotations

import numpy as np

from ._constants import constant
from ._validate import as_batch


class _Activation:
    trainable = False

    def _check_dvalues(self, dvalues: np.ndarray, saved: np.ndarray) -> np.ndarray:
        dvalues = as_batch(dvalues, "dvalues", type(self).__name__)
        if dvalues.shape != saved.shape:
            raise ValueError(f"{type(self).__name__}: dvalues have shape {dvalues.shape}, "
                             f"but the forward pass saw shape {saved.shape}")
        return dvalues

    def _saved(self, attribute: str) -> np.ndarray:
        saved = getattr(self, attribute, None)
        if saved is None:
            raise RuntimeError(f"{type(self).__name__}: call forward_pass before backward_pass")
        return saved

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Identity(_Activation):
    """No activation (a linear output): outputs = inputs, d-inputs = d-values."""

    def forward_pass(self, batch_values: np.ndarray) -> np.ndarray:
        self.inputs = as_batch(batch_values, "inputs", "Identity")
        return self.inputs

    def backward_pass(self, dvalues: np.ndarray) -> np.ndarray:
        self.dinputs = self._check_dvalues(dvalues, self._saved("inputs"))
        return self.dinputs


class ReLU(_Activation):
    """max(0, x); its derivative is taken as 0 at x = 0 (the lecture's ``inputs > 0``)."""

    def forward_pass(self, batch_values: np.ndarray) -> np.ndarray:
        self.inputs = as_batch(batch_values, "inputs", "ReLU")
        # This is np.maximum(inputs, 0). An array of zeros in place of the scalar 0 gives the same
        # values, but numpy then uses its vectorised two-array loop: 2-3x faster on a batch.
        return np.maximum(self.inputs, constant(0.0, self.inputs.shape, self.inputs.dtype))

    def backward_pass(self, dvalues: np.ndarray) -> np.ndarray:
        inputs = self._saved("inputs")
        dvalues = self._check_dvalues(dvalues, inputs)
        # The mask comes from the inputs, not from the outputs or the d-values.
        self.dinputs = dvalues * (inputs > 0)
        return self.dinputs


class Sigmoid(_Activation):
    """σ(x) = 1 / (1 + e^-x); backward uses the saved outputs: σ(1 - σ)."""

    def forward_pass(self, batch_values: np.ndarray) -> np.ndarray:
        self.inputs = as_batch(batch_values, "inputs", "Sigmoid")
        # exp of a large negative input overflows harmlessly to inf -> 0; silence that warning only.
        with np.errstate(over="ignore"):
            self.outputs = 1 / (1 + np.exp(-self.inputs))
        return self.outputs

    def backward_pass(self, dvalues: np.ndarray) -> np.ndarray:
        outputs = self._saved("outputs")
        dvalues = self._check_dvalues(dvalues, outputs)
        self.dinputs = dvalues * outputs * (1 - outputs)
        return self.dinputs


class Tanh(_Activation):
    """g(z) = tanh(z); backward uses the saved outputs: 1 - g²."""

    def forward_pass(self, batch_values: np.ndarray) -> np.ndarray:
        self.inputs = as_batch(batch_values, "inputs", "Tanh")
        self.outputs = np.tanh(self.inputs)
        return self.outputs

    def backward_pass(self, dvalues: np.ndarray) -> np.ndarray:
        outputs = self._saved("outputs")
        dvalues = self._check_dvalues(dvalues, outputs)
        self.dinputs = dvalues * (1 - outputs * outputs)
        return self.dinputs


def softmax(logits: np.ndarray) -> np.ndarray:
    """Column-wise softmax; subtracting each column's max keeps exp from overflowing."""
    shifted = np.exp(logits - logits.max(axis=0, keepdims=True))
    return shifted / shifted.sum(axis=0, keepdims=True)


class Softmax(_Activation):
    """Softmax over each column (each sample's classes sum to 1).

    Backward applies each sample's Jacobian diag(s) - s sᵀ without building it:
    d-inputs = s * (d-values - Σ_k s_k d-values_k).
    """

    def forward_pass(self, batch_values: np.ndarray) -> np.ndarray:
        self.inputs = as_batch(batch_values, "inputs", "Softmax")
        self.outputs = softmax(self.inputs)
        return self.outputs

    def backward_pass(self, dvalues: np.ndarray) -> np.ndarray:
        s = self._saved("outputs")
        dvalues = self._check_dvalues(dvalues, s)
        self.dinputs = s * (dvalues - np.sum(s * dvalues, axis=0, keepdims=True))
        return self.dinputs
