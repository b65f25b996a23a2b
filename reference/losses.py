"""Losses. Each has ``forward_pass(predictions, targets) -> value`` and ``backward_pass() -> d-values``;
calling the loss returns both."""
from __future__ import annotations

import numpy as np

from ._validate import as_batch, check_finite, check_same_shape
from .activations import softmax

#: Probabilities are clipped to [CLIP, 1 - CLIP] so that log(0) never happens.
CLIP = 1e-7


class _Loss:
    def __call__(self, predictions: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        value = self.forward_pass(predictions, targets)
        return value, self.backward_pass()

    def _saved(self):
        if getattr(self, "predictions", None) is None:
            raise RuntimeError(f"{type(self).__name__}: call forward_pass before backward_pass")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(_Loss):
    """L = mean((ŷ - y)²) over all elements (outputs × samples); d-values = 2(ŷ - y) / size.

    This one definition gives all three lecture losses: (ŷ-y)² for one output and one sample,
    1/3 Σ for a batch of three, 1/2 Σ for two outputs.
    """

    def forward_pass(self, predictions: np.ndarray, targets: np.ndarray) -> float:
        who = "MeanSquaredError"
        predictions = as_batch(predictions, "predictions", who)
        targets = as_batch(targets, "targets", who)
        check_same_shape(predictions, targets, "predictions", "targets", who)
        check_finite(targets, "targets", who)
        self.predictions, self.targets = predictions, targets
        self.residuals = predictions - targets
        # mean((ŷ - y)²) = (sum of the squared residuals) / (their count); np.vdot sums the squares
        # in one call, several times faster than np.mean on a batch.
        return float(np.vdot(self.residuals, self.residuals)) / self.residuals.size

    def backward_pass(self) -> np.ndarray:
        self._saved()
        self.dinputs = self.residuals * (2.0 / self.residuals.size)
        return self.dinputs


def _one_hot(targets, n_classes: int, batch: int, who: str, dtype=np.float64) -> np.ndarray:
    """Targets as one-hot ``(n_classes, batch)``; accepts class indices ``(batch,)`` or one-hot."""
    targets = np.asarray(targets)
    if targets.dtype.kind not in "fiub":
        raise TypeError(f"{who}: targets must be class indices or one-hot numbers, got dtype {targets.dtype}")
    if targets.ndim == 1:
        if targets.shape[0] != batch:
            raise ValueError(f"{who}: {batch} samples but {targets.shape[0]} class indices")
        if targets.dtype.kind not in "iu" and not np.all(targets == np.round(targets)):
            raise ValueError(f"{who}: class indices must be whole numbers, got {targets[:5]}")
        idx = targets.astype(int)
        bad = np.flatnonzero((idx < 0) | (idx >= n_classes))
        if bad.size:
            raise ValueError(f"{who}: class indices must lie in 0..{n_classes - 1} ({n_classes} classes, the rows "
                             f"of the predictions), got {idx[bad[0]]} for sample {bad[0]}")
        one_hot = np.zeros((n_classes, batch), dtype=dtype)
        one_hot[idx, np.arange(batch)] = 1.0
        return one_hot
    if targets.shape != (n_classes, batch):
        hint = " (transposed?)" if targets.shape == (batch, n_classes) else ""
        if targets.ndim == 2 and targets.shape == (1, batch) and n_classes != 1:
            hint = " (for class indices pass a 1-D array: targets.ravel())"
        raise ValueError(f"{who}: one-hot targets have shape {targets.shape}, expected "
                         f"{(n_classes, batch)} (classes, batch){hint}")
    return targets.astype(dtype, copy=False)


def _float(values: np.ndarray):
    """The float type to compute in: the predictions' own, or float64 for integer predictions."""
    return values.dtype if values.dtype.kind == "f" else np.float64


class CategoricalCrossEntropy(_Loss):
    """L = -mean over samples of Σ_k y_k log p_k, with p clipped to [1e-7, 1 - 1e-7] (the lecture's
    convention: probabilities of exactly 0 or 1 would give log(0) or a division by 0).

    Predictions are probabilities ``(n_classes, batch)``; targets are class indices ``(batch,)``
    or one-hot ``(n_classes, batch)``. d-values = -y / p / batch.
    """

    def forward_pass(self, predictions: np.ndarray, targets) -> float:
        who = "CategoricalCrossEntropy"
        predictions = as_batch(predictions, "predictions", who)
        check_finite(predictions, "predictions", who)
        self.targets = _one_hot(targets, *predictions.shape, who, _float(predictions))
        self.predictions = np.clip(predictions, CLIP, 1 - CLIP)
        return float(-np.sum(self.targets * np.log(self.predictions)) / predictions.shape[1])

    def backward_pass(self) -> np.ndarray:
        self._saved()
        self.dinputs = -self.targets / self.predictions / self.predictions.shape[1]
        return self.dinputs


class SoftmaxCrossEntropy(_Loss):
    """Softmax and categorical cross-entropy as one function of the logits.

    ``forward_pass(logits, targets)`` returns the loss and keeps the probabilities in ``outputs``;
    the joint d-values are simply (softmax - y_one_hot) / batch. The loss is computed with the
    log-sum-exp of each column, -log softmax(z)_k = log Σ_j e^(z_j - max z) + max z - z_k, so it is exact
    (and consistent with its gradient) at any logits: no clipping. (For logits (0, 30) and target 0
    it is 30.0; CategoricalCrossEntropy, which gets probabilities, must clip and would say 16.1.)
    """

    def forward_pass(self, predictions: np.ndarray, targets) -> float:
        who = "SoftmaxCrossEntropy"
        logits = as_batch(predictions, "logits", who)
        check_finite(logits, "logits", who)
        self.outputs = softmax(logits)
        self.targets = _one_hot(targets, *logits.shape, who, _float(logits))
        self.predictions = logits
        top = np.max(logits, axis=0, keepdims=True)
        log_sum = np.log(np.sum(np.exp(logits - top), axis=0, keepdims=True)) + top
        return float(np.sum(self.targets * (log_sum - logits)) / logits.shape[1])

    def backward_pass(self) -> np.ndarray:
        self._saved()
        self.dinputs = (self.outputs - self.targets) / self.outputs.shape[1]
        return self.dinputs
