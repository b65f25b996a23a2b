"""Shared test fixtures (kept small: each test area builds what else it needs itself)."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, seeded generator per test, so tests do not depend on their order."""
    return np.random.default_rng(20240607)
