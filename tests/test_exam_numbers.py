"""Over 1,000 seeds: the bound holds, the redraw rules hold, generation is deterministic, and the
versions of a batch of 50 all differ. Keys only (no PDFs), so this stays fast."""
from __future__ import annotations

import numpy as np
import pytest

from nncourse.autograder.exam.bounds import BOUND, is_exact
from nncourse.autograder.exam.kinds import KINDS, kind
from nncourse.autograder.exam.versions import default_students, make_version, make_versions


@pytest.mark.parametrize("name", list(KINDS))
def test_bound_over_1000_seeds(name):
    k = kind(name)
    for seed in range(1000):
        params, v = k.variant(np.random.default_rng(seed))
        for spec in k.specs(params):
            value = float(v[spec.array][spec.index])
            assert abs(value) <= BOUND, (seed, spec.name, value)
            assert spec.rounded or is_exact(value), (seed, spec.name, value)
        if name == "two_layer_activation" and params["activation"] == "relu":
            z = v["hidden_pre"].ravel()
            assert np.all(z != 0) and (z > 0).sum() == 2
        if name in ("gd_step", "two_layer"):
            x = np.abs(np.ravel(params["inputs"]))
            assert len(set(x)) == x.size and np.all(v["doutputs"] != 0)


def test_generation_is_deterministic():
    a = make_version(42, "alice")
    b = make_version(42, "alice")
    assert a.version_id == b.version_id
    assert [p.to_json() for p in a.problems] == [p.to_json() for p in b.problems]
    assert make_version(43, "alice").version_id != a.version_id


def test_batch_of_50_versions_all_differ():
    vs = make_versions(3, default_students(50))
    assert len({v.version_id for v in vs}) == 50
    for index in range(len(vs[0].problems)):
        params = {repr(v.problems[index].params) for v in vs}
        assert len(params) >= 40  # the softmax kind has the smallest space
    assert len({repr([p.params for p in v.problems]) for v in vs}) == 50


def test_roster_with_duplicate_names_is_refused():
    with pytest.raises(ValueError, match="twice"):
        make_versions(0, ["ann", "bob", "ann"])


def test_redraw_rule_catches_values_past_the_bound_or_not_short():
    from nncourse.autograder.exam.bounds import Degenerate

    k = kind("gd_step")
    params, v = k.variant(np.random.default_rng(0))
    k.check_bound(params, v)  # the drawn variant passes
    for array, index, bad in (("loss", (), BOUND * 2), ("dweights", (0, 1), 1 / 7), ("outputs", (0, 0), np.nan)):
        broken = {name: np.array(a, dtype=float, copy=True) for name, a in v.items()}
        broken[array][index] = bad
        with pytest.raises(Degenerate):
            k.check_bound(params, broken)
