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


#: The test course's secret: fixed, so that the hidden cases (and the scores the tests assert) do
#: not change from run to run. A real course gets a random one from `nncourse init`.
TEST_SECRET = "5eed" * 16


def make_course(root, secret: str = TEST_SECRET):
    """A course folder made by `nncourse init` (with a known secret), its notebooks built, activated."""
    from nncourse.autograder import course as courses
    from nncourse.autograder.commands.course import build

    (root / ".nncourse").mkdir(parents=True)
    (root / ".nncourse" / "secret").write_text(secret + "\n")
    course, _ = courses.init(root)
    build(course)
    return course.activate()


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """One course folder per test process, shared by the tests that only read it."""
    return make_course(tmp_path_factory.mktemp("course") / "course")


@pytest.fixture
def fresh_course(tmp_path):
    """A course of the test's own (to change), active during the test; afterwards the package's
    checks and the public seed are back, so that no other test sees its changes."""
    from nncourse.autograder import registry
    yield make_course(tmp_path / "course")
    registry.use_course_checks(None)
    registry.use_seed(None)
