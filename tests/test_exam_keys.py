"""Exam keys: the lecture's Examples 1–3 reproduced exactly, every kind checked by finite differences,
and error-carried-forward consistent with the key."""
from __future__ import annotations

import numpy as np
import pytest
from nncourse.reference import SoftmaxCrossEntropy
from nncourse.reference.examples import example
from nncourse.reference.gradcheck import numerical_gradient

from nncourse.autograder.exam.kinds import KINDS, kind
from nncourse.autograder.exam.kinds.neuron import from_example as neuron_params
from nncourse.autograder.exam.kinds.twolayer import from_example as two_layer_params


def test_example1_reproduced_exactly():
    ex = example("example1")
    k = kind("gd_step")
    v = k.solve(neuron_params(k, ex))
    np.testing.assert_allclose(v["outputs"], ex["forward"]["outputs"], rtol=0, atol=1e-12)
    assert float(v["loss"]) == pytest.approx(ex["forward"]["loss"], abs=1e-12)
    np.testing.assert_allclose(v["dweights"], ex["backward"]["layers"][0]["dweights"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(v["dbiases"], ex["backward"]["layers"][0]["dbiases"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(v["new_weights"], ex["update"]["layers"][0]["weights"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(v["new_biases"], ex["update"]["layers"][0]["biases"], rtol=0, atol=1e-12)
    assert float(v["new_loss"]) == pytest.approx(ex["update"]["loss"], abs=1e-12)
    items = {i.name: i.value for i in k.build(1, neuron_params(k, ex), strict=False).items}
    assert items["P1.w1_new"] == pytest.approx(ex["update"]["layers"][0]["weights"][0][0], abs=1e-12)
    assert items["P1.L"] == pytest.approx(ex["forward"]["loss"], abs=1e-12)


def test_example2_reproduced_exactly():
    ex = example("example2")
    k = kind("batch_gradient")
    v = k.solve(neuron_params(k, ex))
    assert float(v["loss"]) == pytest.approx(ex["forward"]["loss"], abs=1e-12)
    np.testing.assert_allclose(v["doutputs"], ex["backward"]["doutputs"], rtol=0, atol=1e-12)
    for i, name in enumerate(["w1", "w2", "w3", "b1"]):
        np.testing.assert_allclose(v["per_sample"][i], ex["backward"]["per_sample"][name], rtol=0, atol=1e-12)
    np.testing.assert_allclose(v["dweights"], ex["backward"]["layers"][0]["dweights"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(v["dbiases"], ex["backward"]["layers"][0]["dbiases"], rtol=0, atol=1e-12)


def test_example3_reproduced_in_lecture_numbering():
    ex = example("example3")
    k = kind("two_layer")
    problem = k.build(3, two_layer_params(ex), strict=False)
    got = {i.name.split(".")[1]: i.value for i in problem.items}
    for name, value in ex["numbered"]["gradients"].items():
        key = f"d{name}" if name.startswith("w") or name in ("b4", "b5") else None
        if key:
            assert got[key] == pytest.approx(value, abs=1e-12), name
    hidden_db = [got["du1"], got["du2"], got["du3"]]
    assert hidden_db == pytest.approx([ex["numbered"]["gradients"][b] for b in ("b1", "b2", "b3")])
    assert got["L"] == ex["forward"]["loss"]
    assert [got["yhat"], got["zhat"]] == pytest.approx(np.ravel(ex["forward"]["outputs"]).tolist())
    assert [got["u1"], got["u2"], got["u3"]] == pytest.approx(np.ravel(ex["forward"]["hidden"]).tolist())


@pytest.mark.parametrize("name", list(KINDS))
def test_each_kind_key_matches_finite_differences(name):
    k = kind(name)
    rng = np.random.default_rng(123)
    for _ in range(3):
        params, v = k.variant(rng)
        problem = k.build(1, params, v)
        assert problem.items and all(np.isfinite(i.value) for i in problem.items)
        _fd_check(name, params, v)


def _fd_check(name, params, v):
    a = lambda key: np.array(params[key], dtype=float)
    if name in ("gd_step", "batch_gradient"):
        W, b, x, y = a("weights"), a("biases"), a("inputs"), a("targets")
        f = lambda: float(np.mean((W @ x + b - y) ** 2))
        assert numerical_gradient(f, W) == pytest.approx(v["dweights"], abs=1e-5)
        assert numerical_gradient(f, b) == pytest.approx(v["dbiases"], abs=1e-5)
    elif name.startswith("two_layer"):
        W1, b1, W2, b2, x, y = (a(k) for k in ("hidden_weights", "hidden_biases", "output_weights", "output_biases", "inputs", "targets"))
        act = {"identity": lambda z: z, "relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[params["activation"]]
        f = lambda: float(np.mean((W2 @ act(W1 @ x + b1) + b2 - y) ** 2))
        for p, g in ((W1, "hidden_dweights"), (b1, "hidden_dbiases"), (W2, "output_dweights"), (b2, "output_dbiases")):
            assert numerical_gradient(f, p) == pytest.approx(v[g], abs=1e-5)
    elif name == "softmax_ce":
        z = np.log(np.array(params["weights"], dtype=float)).reshape(-1, 1)
        f = lambda: SoftmaxCrossEntropy().forward_pass(z, np.array([params["target"]]))
        assert numerical_gradient(f, z) == pytest.approx(v["dlogits"], abs=1e-6)
        p = np.array(params["weights"]) / sum(params["weights"])
        assert v["probs"].ravel() == pytest.approx(p)
    elif name == "activation_derivatives":
        from nncourse.autograder.exam.kinds.activations import x_value
        fs = {"relu": lambda t: max(t, 0.0), "sigmoid": lambda t: 1 / (1 + np.exp(-t)), "tanh": np.tanh}
        for fn, f in fs.items():
            t = x_value(fn, params["points"][fn])
            assert (f(t + 1e-6) - f(t - 1e-6)) / 2e-6 == pytest.approx(v[f"{fn}_d"].item(), abs=1e-6)
    elif name == "optimizer_steps":  # the lecture's formulas written out
        g1, g2 = (np.array(g, dtype=float) for g in params["gradients"])
        w0, lr = np.array(params["start"], dtype=float), params["learning_rate"]
        if params["method"] == "momentum":
            v1 = -lr * g1
            v2 = params["momentum"] * v1 - lr * g2
            np.testing.assert_allclose(v["after2"], w0 + v1 + v2, rtol=0, atol=1e-12)
        else:
            b1, b2 = params["beta1"], params["beta2"]
            m, s, w = np.zeros(3), np.zeros(3), w0.copy()
            for t, g in enumerate((g1, g2), 1):
                m, s = b1 * m + (1 - b1) * g, b2 * s + (1 - b2) * g * g
                w = w - lr * (m / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + 1e-8)
            assert v["after2"] == pytest.approx(w, abs=1e-9)


@pytest.mark.parametrize("name", list(KINDS))
def test_carry_forward_with_true_values_gives_the_key(name):
    k = kind(name)
    params, v = k.variant(np.random.default_rng(7))
    truth = {s.name: float(v[s.array][s.index]) for s in k.specs(params)}
    assert k.carried(params, truth) == pytest.approx(truth, abs=1e-9)


def test_carry_forward_uses_the_students_earlier_value():
    ex = example("example1")
    k = kind("gd_step")
    params = neuron_params(k, ex)
    carried = k.carried(params, {"yhat": 1.7})  # a slip: ŷ = 1.7 instead of 1.6
    assert carried["dyhat"] == pytest.approx(2 * (1.7 - 1.5))
    assert carried["dw3"] == pytest.approx(2 * (1.7 - 1.5) * 2)
