"""Hand-computable numbers: the bound every key value keeps, exactness tests and seeded draws.

The bound (checked over 1,000 seeds by the tests): every value in a key has magnitude at most
``BOUND`` and, unless it is marked *rounded* (a logarithm), is an exact multiple of ``1/DENOM``:
a decimal with at most 6 places, or thirds/twelfths of one (the batch-of-three problems).
Parameters and inputs have at most 2 decimal places.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

BOUND = 1000.0
DENOM = 3 * 10**6
SLACK = 1e-3  # in units of 1/DENOM: absorbs float round-off (and Adam's ε), nothing else


class Degenerate(Exception):
    """A drawn variant breaks a redraw rule; the message says which."""


def is_exact(value: float) -> bool:
    scaled = float(value) * DENOM
    return abs(scaled - round(scaled)) <= SLACK


def as_fraction(value: float) -> Fraction:
    return Fraction(round(float(value) * DENOM), DENOM)


def check_bound(name: str, values, exact: bool = True) -> None:
    """Raise ``Degenerate`` if any value of ``values`` is past the bound."""
    arr = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > BOUND):
        raise Degenerate(f"{name} past the bound {BOUND:g}: {arr.tolist()}")
    if exact and not all(is_exact(v) for v in arr):
        raise Degenerate(f"{name} is not a short decimal: {arr.tolist()}")


def nonzero_ints(rng: np.random.Generator, low: int, high: int, size) -> np.ndarray:
    """Whole numbers in [low, high] without 0."""
    choices = np.array([k for k in range(low, high + 1) if k != 0])
    return rng.choice(choices, size=size).astype(float)


def distinct_magnitudes(values) -> bool:
    mags = np.abs(np.asarray(values, dtype=float)).ravel()
    return len(set(np.round(mags, 9))) == mags.size


def require(condition: bool, why: str) -> None:
    if not condition:
        raise Degenerate(why)


def distinct_nonzero(rng: np.random.Generator, high: int, size, scale: float = 1.0) -> np.ndarray:
    """Whole numbers in [-high, high] without 0 and with distinct magnitudes (times ``scale``)."""
    shape = (size,) if isinstance(size, int) else tuple(size)
    mags = rng.choice(np.arange(1, high + 1), size=int(np.prod(shape)), replace=False)
    signs = rng.choice([-1.0, 1.0], size=mags.size)
    return (mags * signs).reshape(shape) * scale
