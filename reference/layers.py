"""The dense (fully connected) layer, in the lecture's layout: one sample per column."""
from __future__ import annotations

import numpy as np

from ._constants import constant
from ._validate import as_batch, check_finite, check_rows


class Dense:
    """A dense layer: ``outputs = weights @ inputs + biases``.

    Shapes: ``weights (n_neurons, n_inputs)``, ``biases (n_neurons, 1)``,
    inputs ``(n_inputs, batch)``, outputs ``(n_neurons, batch)``.

    Initialisation (seeded): ``init="he"`` draws N(0, 2/n_inputs) (for ReLU),
    ``init="glorot"`` draws N(0, 2/(n_inputs + n_neurons)) (for sigmoid/tanh); biases start at 0.
    """

    trainable = True

    def __init__(self, n_inputs: int, n_neurons: int, *, seed: int | np.random.Generator | None = None,
                 dtype=np.float64, init: str = "he") -> None:
        if int(n_inputs) < 1 or int(n_neurons) < 1:
            raise ValueError(f"Dense: n_inputs and n_neurons must be positive, got {n_inputs}, {n_neurons}")
        scales = {"he": 2.0 / n_inputs, "glorot": 2.0 / (n_inputs + n_neurons)}
        if init not in scales:
            raise ValueError(f"Dense: init must be one of {sorted(scales)}, got {init!r}")
        rng = np.random.default_rng(seed)
        self.weights = (rng.standard_normal((n_neurons, n_inputs)) * np.sqrt(scales[init])).astype(dtype)
        self.biases = np.zeros((n_neurons, 1), dtype=dtype)
        self.name = f"Dense({n_inputs} -> {n_neurons})"

    @classmethod
    def from_arrays(cls, weights, biases) -> "Dense":
        """A layer with given parameters; ``biases`` may be 1-D (it becomes a column)."""
        weights = np.array(weights, ndmin=2)
        if weights.ndim != 2:
            raise ValueError(f"Dense.from_arrays: weights must be 2-D (n_neurons, n_inputs), got shape {weights.shape}")
        biases = np.array(biases).reshape(-1, 1)
        # Keep float32/float64 as given; anything else (ints, lists) becomes float64.
        dtype = weights.dtype if weights.dtype.kind == "f" else np.float64
        weights, biases = weights.astype(dtype), biases.astype(dtype)
        if biases.shape[0] != weights.shape[0]:
            raise ValueError(f"Dense.from_arrays: weights have shape {weights.shape}, so biases need "
                             f"{weights.shape[0]} entries, got {biases.shape[0]}")
        layer = cls(weights.shape[1], weights.shape[0], seed=0)
        layer.weights, layer.biases = weights, biases
        return layer

    @property
    def n_inputs(self) -> int:
        return self.weights.shape[1]

    @property
    def n_neurons(self) -> int:
        return self.weights.shape[0]

    def forward_pass(self, batch_inputs: np.ndarray, *, check_values: bool = True) -> np.ndarray:
        """Outputs ``(n_neurons, batch)`` from inputs ``(n_inputs, batch)``; keeps the inputs for backward.

        ``check_values=False`` skips the NaN/inf scan, the one check that reads every input value.
        ``fit`` does that: it checked the data up front, and a NaN/inf that appears in hidden values
        shows up in the loss, after which ``fit`` looks for the layer it came from.
        """
        batch_inputs = as_batch(batch_inputs, "inputs", self.name)
        check_rows(batch_inputs, self.weights.shape[1], "inputs", self.name,
                   f" the weights have shape {self.weights.shape}, so the")
        if check_values:
            check_finite(batch_inputs, "inputs", self.name)
        self.inputs = batch_inputs
        outputs = np.dot(self.weights, batch_inputs)
        outputs += self.biases  # in place: one allocation per pass
        return outputs

    def backward_pass(self, dvalues: np.ndarray, *, compute_dinputs: bool = True) -> np.ndarray | None:
        """The lecture's three rules; returns the d-values for the layer before.

        d-weights = d-values · inputsᵀ, d-biases = d-values summed over the batch,
        d-inputs = weightsᵀ · d-values.

        ``compute_dinputs=False`` skips the d-inputs (``dinputs`` becomes None): training does that
        for the first layer, whose d-inputs would be the gradient of the data, which nothing uses.
        """
        inputs = getattr(self, "inputs", None)
        if inputs is None:
            raise RuntimeError(f"{self.name}: call forward_pass before backward_pass")
        dvalues = as_batch(dvalues, "dvalues", self.name)
        if dvalues.shape != (self.weights.shape[0], inputs.shape[1]):
            hint = " (transposed?)" if dvalues.shape[::-1] == (self.weights.shape[0], inputs.shape[1]) else ""
            raise ValueError(f"{self.name}: dvalues have shape {dvalues.shape}, expected "
                             f"{(self.weights.shape[0], inputs.shape[1])} (n_neurons, batch){hint}")
        self.dweights = np.dot(dvalues, inputs.T)
        # = np.sum(dvalues, axis=1, keepdims=True), written as d-values · (a column of ones):
        # the same sum over the batch, done by BLAS, 3-4x faster than np.sum on a batch.
        self.dbiases = np.dot(dvalues, constant(1.0, (dvalues.shape[1], 1), dvalues.dtype))
        self.dinputs = np.dot(self.weights.T, dvalues) if compute_dinputs else None
        return self.dinputs

    def __repr__(self) -> str:
        return self.name
