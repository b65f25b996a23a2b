"""Mini-batches, fit (history, validation, early stop), seeds and save/load."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from nncourse.reference import (SGD, Adam, Dense, MeanSquaredError, MiniBatches, Network, ReLU, SoftmaxCrossEntropy, fit,
                       load, save)


def regression_data(rng, n=100):
    inputs = rng.standard_normal((3, n))
    targets = np.sin(inputs[:1]) + 0.5 * inputs[1:2] * inputs[2:3]
    return inputs, targets


def test_minibatches_cover_every_sample_once_in_batches_of_the_given_size(rng):
    inputs = np.arange(2 * 10, dtype=float).reshape(2, 10)
    targets = inputs[:1] * 10
    batches = MiniBatches(inputs, targets, batch_size=4, seed=3)
    assert len(batches) == 3
    epoch = list(batches)
    assert [b.shape for b, _ in epoch] == [(2, 4), (2, 4), (2, 2)]  # the last one is smaller
    seen = np.concatenate([b for b, _ in epoch], axis=1)
    assert sorted(seen[0]) == list(inputs[0])  # every sample exactly once
    for batch_inputs, batch_targets in epoch:  # columns stay paired with their targets
        np.testing.assert_array_equal(batch_targets, batch_inputs[:1] * 10)
        np.testing.assert_array_equal(batch_inputs[1], batch_inputs[0] + 10)


def test_minibatches_reshuffle_every_epoch_and_repeat_with_the_seed():
    inputs = np.arange(50, dtype=float).reshape(1, 50)
    first = [b.copy() for b, _ in MiniBatches(inputs, inputs, 7, seed=1)]
    batches = MiniBatches(inputs, inputs, 7, seed=1)
    epoch1 = np.concatenate([b for b, _ in batches], axis=1)
    epoch2 = np.concatenate([b for b, _ in batches], axis=1)
    assert not np.array_equal(epoch1, epoch2)  # a fresh shuffle
    assert not np.array_equal(epoch1, inputs)
    np.testing.assert_array_equal(epoch1, np.concatenate(first, axis=1))  # same seed, same epochs
    other = np.concatenate([b for b, _ in MiniBatches(inputs, inputs, 7, seed=2)], axis=1)
    assert not np.array_equal(epoch1, other)


def test_minibatches_without_shuffle_and_with_class_indices():
    inputs = np.arange(12, dtype=float).reshape(2, 6)
    classes = np.array([0, 1, 2, 0, 1, 2])
    batches = list(MiniBatches(inputs, classes, 4, shuffle=False))
    np.testing.assert_array_equal(batches[0][0], inputs[:, :4])
    np.testing.assert_array_equal(batches[1][1], classes[4:])


def test_dense_initialisation_is_seeded():
    a, b, c = Dense(5, 4, seed=7), Dense(5, 4, seed=7), Dense(5, 4, seed=8)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)
    assert np.all(a.biases == 0)
    # He: variance 2 / n_inputs; Glorot: 2 / (n_inputs + n_neurons).
    he, glorot = Dense(400, 300, seed=0), Dense(400, 300, seed=0, init="glorot")
    assert np.var(he.weights) == pytest.approx(2 / 400, rel=0.02)
    assert np.var(glorot.weights) == pytest.approx(2 / 700, rel=0.02)
    assert Dense(3, 2, seed=0, dtype=np.float32).weights.dtype == np.float32


def train(seed, rng_data, **kwargs):
    inputs, targets = regression_data(rng_data)
    network = Network.mlp([3, 8, 1], seed=seed)
    history = fit(network, MeanSquaredError(), Adam(0.01), inputs, targets, epochs=5, batch_size=16,
                  seed=seed, progress=False, **kwargs)
    return network, history


def test_fit_is_bit_identical_for_the_same_seed():
    net1, hist1 = train(4, np.random.default_rng(0))
    net2, hist2 = train(4, np.random.default_rng(0))
    assert hist1.loss == hist2.loss
    for a, b in zip(net1.trainable_layers, net2.trainable_layers):
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)
    net3, hist3 = train(5, np.random.default_rng(0))
    assert hist3.loss != hist1.loss


def test_fit_history_and_validation(rng):
    inputs, targets = regression_data(rng)
    val = regression_data(rng, 40)
    network = Network.mlp([3, 16, 1], seed=0)
    loss = MeanSquaredError()
    history = fit(network, loss, Adam(0.01), inputs, targets, epochs=30, batch_size=10, validation=val,
                  progress=False)
    assert len(history.loss) == len(history.val_loss) == 30 and history.stopped is None
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.val_loss[-1] < history.val_loss[0]
    # The recorded validation loss is the loss of the final network on the validation data.
    assert history.val_loss[-1] == pytest.approx(loss.forward_pass(network.forward_pass(val[0]), val[1]))


def test_fit_epoch_loss_is_the_sample_weighted_mean_of_batch_losses(rng):
    # With a negligible learning rate every batch sees the initial network, so the epoch's loss
    # (batches of 4, 4 and 2, weighted by size) equals the loss over all 10 samples at once.
    inputs, targets = regression_data(rng, 10)
    network = Network.mlp([3, 4, 1], seed=0)
    whole = MeanSquaredError().forward_pass(network.forward_pass(inputs), targets)
    history = fit(network, MeanSquaredError(), SGD(1e-15), inputs, targets, epochs=1, batch_size=4,
                  progress=False)
    assert history.loss[0] == pytest.approx(whole, rel=1e-9)


def test_fit_with_class_indices_and_softmax_cross_entropy(rng):
    inputs = rng.standard_normal((2, 120))
    classes = (inputs[0] > 0).astype(int) + (inputs[1] > 0).astype(int)  # 0, 1 or 2
    network = Network.mlp([2, 16, 3], seed=0)
    history = fit(network, SoftmaxCrossEntropy(), Adam(0.02), inputs, classes, epochs=40, batch_size=20,
                  progress=False)
    assert history.loss[-1] < 0.5 * history.loss[0]


class NaNAfter(MeanSquaredError):
    """A loss that turns NaN after a number of calls (to test the early stop deterministically)."""

    def __init__(self, calls):
        self.calls = calls

    def forward_pass(self, predictions, targets):
        self.calls -= 1
        value = super().forward_pass(predictions, targets)
        return float("nan") if self.calls < 0 else value


def test_fit_stops_on_a_non_finite_loss_and_keeps_the_history(rng):
    inputs, targets = regression_data(rng, 40)
    network = Network.mlp([3, 4, 1], seed=0)
    # 4 batches per epoch: epochs 1 and 2 complete, NaN in epoch 3, batch 2.
    with pytest.warns(RuntimeWarning, match=r"training stopped in epoch 3, batch 2: the training loss became nan. "
                                            r"Try a smaller learning rate \(now 0.01\)"):
        history = fit(network, NaNAfter(9), SGD(0.01), inputs, targets, epochs=10, batch_size=10, progress=False)
    assert len(history.loss) == 2 and all(np.isfinite(history.loss))
    assert "epoch 3, batch 2" in history.stopped


def test_fit_stops_when_hidden_values_blow_up(rng):
    """Diverged weights make a hidden layer's inputs inf: that is an early stop too, not a crash."""

    class Exploding(SGD):
        def step(self, layers):
            super().step(layers)
            if self.iterations == 5:
                network.layers[0].weights[0, 0] = np.nan

    inputs, targets = regression_data(rng, 40)
    network = Network.mlp([3, 4, 4, 1], seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(network, MeanSquaredError(), Exploding(0.01), inputs, targets, epochs=5, batch_size=10,
                      progress=False)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert history.stopped.startswith("training stopped in epoch 2, batch 2: Network layer 2, Dense(4 -> 4): "
                                      "inputs contain nan at index (0, ")
    assert history.stopped in messages
    assert len(history.loss) == 1


def test_fit_names_the_layer_where_a_classifier_diverged(rng):
    """fit skips the per-batch NaN scan; when a NaN reaches the loss it still names the first Dense layer
    whose inputs hold one (here the loss's own logits check fires first, and fit looks further back)."""

    class Exploding(SGD):
        def step(self, layers):
            super().step(layers)
            if self.iterations == 3:
                network.layers[2].weights[1, 2] = np.inf

    inputs = rng.standard_normal((2, 30))
    classes = (inputs[0] > 0).astype(int)
    network = Network.mlp([2, 5, 4, 3], "relu", "identity", seed=1)
    with pytest.warns(RuntimeWarning) as caught:
        history = fit(network, SoftmaxCrossEntropy(), Exploding(0.1), inputs, classes, epochs=3, batch_size=10,
                      progress=False)
    assert history.stopped.startswith("training stopped in epoch 2, batch 1: Network layer 4, Dense(4 -> 3): "
                                      "inputs contain ")
    assert str(caught[0].message) == history.stopped


def test_network_forward_without_the_value_check_still_checks_shapes():
    network = Network.mlp([3, 4, 1], seed=0)
    inputs = np.ones((3, 2))
    inputs[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"Network layer 0, Dense\(3 -> 4\): inputs contain nan at index \(1, 1\)"):
        network.forward_pass(inputs)
    outputs = network.forward_pass(inputs, check_values=False)  # what fit uses after checking the data once
    assert np.isfinite(outputs[0, 0]) and np.isnan(outputs[0, 1])
    with pytest.raises(ValueError, match=r"Dense\(3 -> 4\): inputs have shape \(2, 3\).*pass inputs.T"):
        network.forward_pass(np.ones((2, 3)), check_values=False)


def test_fit_rejects_nan_data_up_front(rng):
    inputs, targets = regression_data(rng, 20)
    inputs[2, 7] = np.nan
    with pytest.raises(ValueError, match=r"MiniBatches: inputs contain nan at index \(2, 7\)"):
        fit(Network.mlp([3, 4, 1]), MeanSquaredError(), SGD(), inputs, targets, epochs=1, progress=False)
    good, targets = regression_data(rng, 20)
    val_targets = targets.copy()
    val_targets[0, 3] = np.inf
    with pytest.raises(ValueError, match=r"fit: validation targets contain inf at index \(0, 3\)"):
        fit(Network.mlp([3, 4, 1]), MeanSquaredError(), SGD(), good, targets, epochs=1, progress=False,
            validation=(good, val_targets))


def test_fit_progress_bar_can_be_turned_off(rng, capsys):
    inputs, targets = regression_data(rng, 20)
    fit(Network.mlp([3, 4, 1]), MeanSquaredError(), SGD(), inputs, targets, epochs=2, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_training_skips_only_the_unused_first_dinputs(rng):
    network = Network.mlp([3, 4, 2], seed=0)
    inputs = rng.standard_normal((3, 5))
    network.forward_pass(inputs)
    assert network.backward_pass(np.ones((2, 5)), compute_dinputs=False) is None
    assert network.layers[0].dinputs is None and network.layers[0].dweights.shape == (4, 3)
    full = network.backward_pass(np.ones((2, 5)))
    np.testing.assert_allclose(full, network.layers[0].weights.T @ network.layers[1].dinputs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_and_load_round_trip(tmp_path, rng, dtype):
    network = Network.mlp([3, 5, 4, 2], "tanh", "softmax", seed=3, dtype=dtype)
    for layer in network.trainable_layers:
        layer.biases[...] = rng.standard_normal(layer.biases.shape)
    path = save(network, tmp_path / "sub" / "model")  # the suffix is added, folders are made
    assert path.name == "model.npz" and path.is_file()
    loaded = load(path)
    assert [type(l) for l in loaded.layers] == [type(l) for l in network.layers]
    for a, b in zip(network.trainable_layers, loaded.trainable_layers):
        assert a.weights.dtype == b.weights.dtype == dtype
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)
    inputs = rng.standard_normal((3, 6)).astype(dtype)
    assert np.array_equal(network.forward_pass(inputs), loaded.forward_pass(inputs))


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="load: no saved network at"):
        load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="is not a network saved by nncourse.reference.save"):
        load(tmp_path / "other.npz")


@pytest.mark.parametrize("make", [lambda: SGD(learning_rate=0.05, momentum=0.9), lambda: Adam(learning_rate=0.01)],
                         ids=["momentum", "adam"])
def test_a_resumed_run_equals_the_uninterrupted_one_bit_for_bit(make, tmp_path):
    """Train 6 epochs; or train 3, save the network and the optimizer, load both, train the last 3."""
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-1, 1, (2, 90)), rng.uniform(-1, 1, (1, 90))

    def network():
        return Network([Dense(2, 8, seed=1), ReLU(), Dense(8, 1, seed=2)])

    whole, optimizer = network(), make()
    full = fit(whole, MeanSquaredError(), optimizer, x, y, epochs=6, batch_size=32, progress=False)
    first, optimizer = network(), make()
    fit(first, MeanSquaredError(), optimizer, x, y, epochs=3, batch_size=32, progress=False)
    path = save(first, tmp_path / "half", optimizer=optimizer)
    resumed, optimizer = load(path, with_optimizer=True)
    assert optimizer.iterations == 9 and type(optimizer) is type(make())
    rest = fit(resumed, MeanSquaredError(), optimizer, x, y, epochs=6, batch_size=32, progress=False, initial_epoch=3)
    assert rest.loss == full.loss[3:]
    for a, b in zip(resumed.trainable_layers, whole.trainable_layers):
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.biases, b.biases)


def test_the_optimizer_state_must_fit_the_network(tmp_path):
    optimizer = Adam()
    small = Network([Dense(2, 3, seed=0)])
    fit(small, MeanSquaredError(), optimizer, np.ones((2, 4)), np.ones((3, 4)), epochs=1, progress=False)
    state = optimizer.state_dict()
    other = Adam()
    other.load_state_dict(state)
    big = Network([Dense(2, 5, seed=0)])
    with pytest.raises(ValueError, match=r"the saved state is for weights and biases of shapes \[\(3, 2\), \(3, 1\)\]"):
        fit(big, MeanSquaredError(), other, np.ones((2, 4)), np.ones((5, 4)), epochs=1, progress=False)
