"""Each optimizer's first steps against its documented formula, computed here with plain Python floats."""
from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest

from nncourse.reference import SGD, Adagrad, Adam, Dense, MeanSquaredError, Network, RMSprop, fit

GRADIENTS = [(0.5, -0.2), (-1.5, 0.3), (0.25, 0.8)]  # (∂L/∂w, ∂L/∂b) for three steps
W0, B0 = 0.7, -0.4


def run_steps(optimizer, gradients=GRADIENTS):
    """A 1-weight, 1-bias layer; set its d-weights/d-biases by hand and step. Returns (w, b) after each step."""
    layer = Dense.from_arrays([[W0]], [B0])
    path = []
    for gw, gb in gradients:
        layer.dweights, layer.dbiases = np.array([[gw]]), np.array([[gb]])
        optimizer.step([layer])
        path.append((float(layer.weights[0, 0]), float(layer.biases[0, 0])))
    return path


def by_hand(update, state0, gradients=GRADIENTS):
    """Apply ``update(p, g, state, t) -> (p, state)`` to w and b separately (t counts from 1)."""
    w, b, sw, sb, path = W0, B0, state0, state0, []
    for t, (gw, gb) in enumerate(gradients, start=1):
        w, sw = update(w, gw, sw, t)
        b, sb = update(b, gb, sb, t)
        path.append((w, b))
    return path


def assert_path(got, expected, rel=1e-12):
    for step, ((gw, gb), (ew, eb)) in enumerate(zip(got, expected), start=1):
        assert gw == pytest.approx(ew, rel=rel, abs=1e-15), f"step {step} weight"
        assert gb == pytest.approx(eb, rel=rel, abs=1e-15), f"step {step} bias"


def decayed(lr, decay, t):
    """η_t = η / (1 + decay · (t - 1)): the t-th step has seen t - 1 steps before it."""
    return lr / (1 + decay * (t - 1))


@pytest.mark.parametrize("decay", [0.0, 0.5])
def test_sgd(decay):
    lr = 0.1
    expected = by_hand(lambda p, g, s, t: (p - decayed(lr, decay, t) * g, s), None)
    assert_path(run_steps(SGD(learning_rate=lr, decay=decay)), expected, rel=1e-15)


def test_sgd_is_the_lecture_step():
    # The lecture's "-1/100 ∇": the default SGD.
    assert SGD().learning_rate == 0.01 and SGD().momentum == 0.0
    assert_path(run_steps(SGD()), by_hand(lambda p, g, s, t: (p - 0.01 * g, s), None), rel=1e-15)


@pytest.mark.parametrize("decay", [0.0, 0.2])
def test_sgd_momentum(decay):
    lr, mu = 0.1, 0.9

    def update(p, g, v, t):
        v = mu * v - decayed(lr, decay, t) * g
        return p + v, v

    assert_path(run_steps(SGD(learning_rate=lr, momentum=mu, decay=decay)), by_hand(update, 0.0), rel=1e-14)


def test_momentum_equals_pytorch_convention_at_constant_rate():
    # The docstring's claim: v ← μv - ηg; w ← w + v equals v ← μv + g; w ← w - ηv.
    lr, mu = 0.05, 0.8

    def torch_style(p, g, v, t):
        v = mu * v + g
        return p - lr * v, v

    assert_path(run_steps(SGD(learning_rate=lr, momentum=mu)), by_hand(torch_style, 0.0), rel=1e-13)


@pytest.mark.parametrize("decay", [0.0, 0.3])
def test_adagrad(decay):
    lr, eps = 0.1, 1e-10

    def update(p, g, c, t):
        c = c + g * g
        return p - decayed(lr, decay, t) * g / (math.sqrt(c) + eps), c

    assert_path(run_steps(Adagrad(learning_rate=lr, decay=decay)), by_hand(update, 0.0))


@pytest.mark.parametrize("decay", [0.0, 0.3])
def test_rmsprop(decay):
    lr, rho, eps = 0.01, 0.99, 1e-8

    def update(p, g, c, t):
        c = rho * c + (1 - rho) * g * g
        return p - decayed(lr, decay, t) * g / (math.sqrt(c) + eps), c

    assert_path(run_steps(RMSprop(learning_rate=lr, decay=decay)), by_hand(update, 0.0))


@pytest.mark.parametrize("decay", [0.0, 0.3])
def test_adam(decay):
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-8

    def update(p, g, state, t):
        m, v = state
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        return p - decayed(lr, decay, t) * m_hat / (math.sqrt(v_hat) + eps), (m, v)

    assert_path(run_steps(Adam(decay=decay)), by_hand(update, (0.0, 0.0)), rel=1e-12)


def test_adam_first_step_moves_by_the_learning_rate():
    # With bias correction the first step is η·g/(|g| + ε): almost exactly η in the direction of -g.
    (w, b), *_ = run_steps(Adam(learning_rate=0.01))
    assert w == pytest.approx(W0 - 0.01, abs=1e-9) and b == pytest.approx(B0 + 0.01, abs=1e-9)


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam])
def test_docstring_states_the_defaults(cls):
    """The "Defaults:" line of each docstring matches the signature."""
    line = re.search(r"Defaults: ([^\n(]*)", cls.__doc__).group(1)
    documented = dict(re.findall(r"(\w+)=([\w.+-]+)", line))
    actual = {name: p.default for name, p in inspect.signature(cls).parameters.items()}
    assert set(documented) == set(actual), (documented, actual)
    for name, text in documented.items():
        assert float(text) == actual[name], name


def test_decay_follows_the_documented_schedule():
    optimizer = SGD(learning_rate=0.1, decay=0.5)
    rates = []
    for _ in range(3):
        rates.append(optimizer.current_learning_rate)
        run_steps(optimizer, GRADIENTS[:1])
    assert rates == pytest.approx([0.1, 0.1 / 1.5, 0.1 / 2.0], rel=1e-15)
    assert optimizer.iterations == 3


def test_updates_are_in_place_and_state_follows_each_parameter():
    a, b = Dense(2, 3, seed=0), Dense(3, 1, seed=1)
    weights_before = a.weights
    for layer in (a, b):
        layer.dweights, layer.dbiases = np.ones_like(layer.weights), np.ones_like(layer.biases)
    optimizer = SGD(0.1, momentum=0.5)
    optimizer.step([a])
    assert a.weights is weights_before  # same array, moved in place
    np.testing.assert_allclose(optimizer.state(a.weights)["velocity"], -0.1)
    assert optimizer.state(b.weights) == {}
    optimizer.step([a, b])  # a new set of layers: a keeps its velocity, b starts from 0
    np.testing.assert_allclose(optimizer.state(a.weights)["velocity"], 0.5 * -0.1 - 0.1)
    np.testing.assert_allclose(optimizer.state(b.biases)["velocity"], -0.1)
    assert a.weights is weights_before


def test_gradient_shape_must_match_the_parameter():
    layer = Dense(2, 3, seed=0)
    layer.dweights, layer.dbiases = np.ones((2, 3)), np.ones((3, 1))
    with pytest.raises(ValueError, match=r"Adam: Dense\(2 -> 3\) has weights of shape \(3, 2\) "
                                         r"but d-weights of shape \(2, 3\)"):
        Adam().step([layer])


def test_float32_parameters_stay_float32():
    for optimizer in (SGD(momentum=0.9), Adagrad(), RMSprop(), Adam()):
        layer = Dense(3, 2, seed=0, dtype=np.float32)
        layer.dweights = np.ones((2, 3), np.float32)
        layer.dbiases = np.ones((2, 1), np.float32)
        optimizer.step([layer])
        assert layer.weights.dtype == np.float32 and layer.biases.dtype == np.float32


def xor_data(rng, n=200):
    """XOR of the signs of two inputs: a problem no linear model solves."""
    inputs = rng.uniform(-1, 1, (2, n))
    targets = (inputs[0] * inputs[1] > 0).astype(float).reshape(1, -1)
    return inputs, targets


@pytest.mark.parametrize("optimizer", [SGD(0.5), SGD(0.2, momentum=0.9), SGD(1.0, decay=1e-3),
                                       Adagrad(0.1), RMSprop(0.01), Adam(0.01)], ids=repr)
def test_training_solves_xor_with_every_optimizer(rng, optimizer):
    inputs, targets = xor_data(rng)
    network = Network.mlp([2, 16, 1], "tanh", "sigmoid", seed=1)
    loss = MeanSquaredError()
    start = loss.forward_pass(network.forward_pass(inputs), targets)
    history = fit(network, loss, optimizer, inputs, targets, epochs=80, batch_size=16, progress=False)
    assert history.stopped is None and len(history.loss) == 80
    end = loss.forward_pass(network.forward_pass(inputs), targets)
    assert end < 0.5 * start, (start, end)
    accuracy = np.mean((network.forward_pass(inputs) > 0.5) == (targets > 0.5))
    assert accuracy > 0.85


@pytest.mark.parametrize("kwargs,message", [
    ({"learning_rate": 0}, "learning_rate must be positive"),
    ({"learning_rate": 0.1, "decay": -1}, "decay must be >= 0"),
    ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
])
def test_bad_optimizer_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD(**kwargs)


def test_step_before_backward_says_so():
    with pytest.raises(RuntimeError, match="has no dweights; run backward_pass before step"):
        Adam().step([Dense(2, 2, seed=0)])
