"""Shuffled mini-batches over the columns (samples), reshuffled every epoch."""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from ._validate import as_batch, check_finite


class MiniBatches:
    """Iterate once for one epoch: a fresh shuffle, then batches of ``batch_size`` columns.

    The last batch may be smaller. ``targets`` may be ``(n_outputs, n)`` or class indices ``(n,)``.
    The same ``seed`` gives the same sequence of epochs.
    """

    def __init__(self, inputs: np.ndarray, targets: np.ndarray, batch_size: int = 64, *,
                 seed: int | np.random.Generator | None = 0, shuffle: bool = True) -> None:
        self.inputs = as_batch(inputs, "inputs", "MiniBatches")
        self.targets = np.asarray(targets)
        n = self.inputs.shape[1]
        if self.targets.ndim not in (1, 2) or self.targets.shape[-1] != n:
            hint = ""
            if self.targets.ndim == 2 and self.targets.shape[0] == n:
                hint = f" It looks like one sample per row: pass targets.T (shape {self.targets.shape[::-1]})."
            raise ValueError(f"MiniBatches: inputs have {n} samples (columns, shape {self.inputs.shape}) "
                             f"but targets have shape {self.targets.shape}; targets need {n} columns.{hint}")
        if self.targets.dtype.kind not in "fiub":
            raise TypeError(f"MiniBatches: targets must be numeric, got dtype {self.targets.dtype}")
        check_finite(self.inputs, "inputs", "MiniBatches")
        check_finite(self.targets, "targets", "MiniBatches")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"MiniBatches: batch_size must be a positive whole number, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        # One sample per row, made once, so that every epoch's shuffle gathers contiguous rows.
        self._input_rows = np.ascontiguousarray(self.inputs.T)
        self._target_rows = np.ascontiguousarray(self.targets.T)

    def skip_epochs(self, epochs: int) -> None:
        """Move on as if ``epochs`` epochs had been iterated (to resume training where it stopped)."""
        for _ in range(epochs):
            if self.shuffle:
                self.rng.permutation(self.n_samples)

    @property
    def n_samples(self) -> int:
        return self.inputs.shape[1]

    def __len__(self) -> int:
        return math.ceil(self.n_samples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = self.n_samples
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        # Gather the whole epoch once (one copy per epoch, not one per batch). Gathering whole rows
        # of the sample-per-row copy is a fast contiguous copy; its transpose is back in the lecture's
        # layout, and each batch is a contiguous block of it (a view, no copy).
        inputs = np.take(self._input_rows, order, axis=0).T
        targets = np.take(self._target_rows, order, axis=0).T
        for start in range(0, n, self.batch_size):
            stop = start + self.batch_size
            yield inputs[:, start:stop], targets[..., start:stop]
