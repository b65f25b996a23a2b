"""Input checks shared by layers, losses and training: clear messages instead of numpy tracebacks.

They run on every batch, so the common case (a 2-D float array of the right shape) costs a few
attribute look-ups; only the finiteness check reads the data, once per layer input (``fit`` skips
even that: it checks the data once, and traces a NaN/inf in the loss back to its layer).
"""
from __future__ import annotations

import numpy as np


class NonFiniteError(ValueError):
    """A NaN or inf where a number was expected (``fit`` turns one in hidden values into an early stop).

    ``what`` is the short description (where the bad value is), without advice.
    """

    def __init__(self, message: str, what: str | None = None) -> None:
        super().__init__(message)
        self.what = what or message


def as_batch(values, name: str, who: str) -> np.ndarray:
    """Return ``values`` as a 2-D numeric array ``(features, batch)`` or raise a clear error."""
    if not isinstance(values, np.ndarray):
        try:
            values = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{who}: {name} must be a numeric array, got {type(values).__name__} ({err})") from None
    if values.ndim != 2:
        if values.ndim == 1:
            raise ValueError(
                f"{who}: {name} have shape {values.shape}, but a batch must be 2-D with one sample per column, "
                f"shape (features, batch). For a single sample use {name}.reshape(-1, 1); for one value "
                f"per sample use {name}.reshape(1, -1)."
            )
        raise ValueError(f"{who}: {name} must be 2-D (features, batch), got shape {values.shape}")
    if values.dtype.kind not in "fiub":
        raise TypeError(f"{who}: {name} must be numeric, got dtype {values.dtype}")
    return values


def check_rows(values: np.ndarray, expected_rows: int, name: str, who: str, why: str = "") -> None:
    """Raise if the number of rows (features) is wrong, with a transpose hint when it would fit.

    ``why`` says where the expected number comes from (e.g. the layer's weights shape).
    """
    if values.shape[0] == expected_rows:
        return
    hint = ""
    if values.shape[1] == expected_rows:
        hint = (f" It looks like one sample per row; the lecture puts one sample per column, "
                f"so pass {name}.T (shape {values.shape[::-1]}).")
    raise ValueError(f"{who}: {name} have shape {values.shape}, but{why} {name} need {expected_rows} rows "
                     f"(features), shape ({expected_rows}, batch).{hint}")


def check_finite(values: np.ndarray, name: str, who: str) -> None:
    """Raise :class:`NonFiniteError` on NaN or inf, naming where the first bad value is."""
    if values.dtype.kind != "f" or np.isfinite(values).all():
        return
    bad = np.argwhere(~np.isfinite(values))[0]
    what = f"{who}: {name} contain {values[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
    raise NonFiniteError(f"{what} (NaN or inf); check the data or lower the learning rate.", what)


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, who: str) -> None:
    if a.shape != b.shape:
        hint = " (transposed?)" if a.shape == b.shape[::-1] else ""
        raise ValueError(f"{who}: {name_a} have shape {a.shape} but {name_b} have shape {b.shape}{hint}")
