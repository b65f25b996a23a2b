"""Shared test fixtures (kept small: each test area builds what else it needs itself)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

# pytest -n 2 already keeps both cores busy: one BLAS thread per worker (and per kernel or child
# process it starts) avoids oversubscription, which makes small matrix products many times slower.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
threadpool_limits(1)


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator per test, so tests do not depend on their order."""
    return np.random.default_rng(20240607)
