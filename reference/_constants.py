"""Read-only constant arrays (zeros, ones) made once per shape and dtype.

Batches repeat the same shapes, so the hot path reuses them instead of allocating. They are
read-only, so no caller can change them by accident.
"""
from __future__ import annotations

import numpy as np

_CACHE: dict = {}


def constant(value: float, shape: tuple, dtype) -> np.ndarray:
    key = (value, shape, np.dtype(dtype))
    array = _CACHE.get(key)
    if array is None:
        if len(_CACHE) > 64:  # many different shapes: forget the old ones
            _CACHE.clear()
        array = _CACHE[key] = np.full(shape, value, dtype)
        array.flags.writeable = False
    return array
