"""Bad input gets a clear message naming the problem (checked by the message, not just the type)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from nncourse.reference import (SGD, CategoricalCrossEntropy, Dense, MeanSquaredError, MiniBatches, Network, ReLU,
                       Sigmoid, SoftmaxCrossEntropy, fit)


def raises(exc, *fragments):
    """pytest.raises that requires every fragment (plain text, not a regex) in the message."""
    return pytest.raises(exc, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


def test_shape_mismatch_names_both_shapes_and_the_layer():
    layer = Dense(3, 2, seed=0)
    with raises(ValueError, "Dense(3 -> 2)", "inputs have shape (4, 5)", "weights have shape (2, 3)",
                "need 3 rows"):
        layer.forward_pass(np.ones((4, 5)))


def test_row_per_sample_input_gets_a_transpose_hint():
    with raises(ValueError, "inputs have shape (5, 3)", "one sample per row", "one sample per column",
                "pass inputs.T (shape (3, 5))"):
        Dense(3, 2, seed=0).forward_pass(np.ones((5, 3)))


def test_network_says_which_layer():
    with raises(ValueError, "Network: Dense(3 -> 4) gives 4 values but the next layer Dense(5 -> 1) expects 5"):
        Network([Dense(3, 4, seed=0), ReLU(), Dense(5, 1, seed=0)])
    network = Network.mlp([3, 4, 1])
    with raises(ValueError, "Network layer 0, Dense(3 -> 4)", "inputs have shape (2, 6)"):
        network.forward_pass(np.ones((2, 6)))


@pytest.mark.parametrize("bad,shown", [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_nan_and_inf_inputs_are_reported_with_their_place(bad, shown):
    inputs = np.ones((3, 4))
    inputs[1, 2] = bad
    with raises(ValueError, f"Dense(3 -> 2): inputs contain {shown} at index (1, 2)", "NaN or inf"):
        Dense(3, 2, seed=0).forward_pass(inputs)


def test_nan_targets_are_reported():
    targets = np.zeros((1, 3))
    targets[0, 1] = np.nan
    with raises(ValueError, "MeanSquaredError: targets contain nan at index (0, 1)"):
        MeanSquaredError().forward_pass(np.zeros((1, 3)), targets)
    with raises(ValueError, "SoftmaxCrossEntropy: logits contain inf at index (1, 0)"):
        SoftmaxCrossEntropy().forward_pass(np.array([[0.0], [np.inf]]), np.array([0]))


def test_list_inputs_work_and_non_numbers_are_refused():
    layer = Dense.from_arrays([[1.0, 2.0]], [0.5])
    np.testing.assert_allclose(layer.forward_pass([[1.0], [1.0]]), [[3.5]])
    with raises(TypeError, "Dense(2 -> 1): inputs must be a numeric array, got list"):
        layer.forward_pass([["a"], ["b"]])
    with raises(TypeError, "inputs must be numeric, got dtype complex128"):
        layer.forward_pass(np.ones((2, 1), complex))


def test_one_dimensional_inputs_get_a_reshape_hint():
    with raises(ValueError, "Dense(3 -> 2): inputs have shape (3,)", "one sample per column",
                "inputs.reshape(-1, 1)"):
        Dense(3, 2, seed=0).forward_pass(np.ones(3))
    with raises(ValueError, "MeanSquaredError: targets have shape (4,)", "targets.reshape(1, -1)"):
        MeanSquaredError().forward_pass(np.ones((1, 4)), np.ones(4))
    with raises(ValueError, "must be 2-D (features, batch), got shape (2, 2, 2)"):
        ReLU().forward_pass(np.ones((2, 2, 2)))


def test_prediction_and_target_shapes_must_match():
    with raises(ValueError, "predictions have shape (1, 3) but targets have shape (3, 1) (transposed?)"):
        MeanSquaredError().forward_pass(np.ones((1, 3)), np.ones((3, 1)))


@pytest.mark.parametrize("loss", [CategoricalCrossEntropy(), SoftmaxCrossEntropy()], ids=repr)
def test_wrong_class_indices(loss):
    predictions = np.full((3, 4), 1 / 3)
    with raises(ValueError, "class indices must lie in 0..2", "got 3 for sample 2"):
        loss.forward_pass(predictions, np.array([0, 1, 3, 2]))
    with raises(ValueError, "got -1 for sample 0"):
        loss.forward_pass(predictions, np.array([-1, 1, 2, 2]))
    with raises(ValueError, "class indices must be whole numbers"):
        loss.forward_pass(predictions, np.array([0.5, 1, 2, 2]))
    with raises(ValueError, "4 samples but 3 class indices"):
        loss.forward_pass(predictions, np.array([0, 1, 2]))
    with raises(ValueError, "one-hot targets have shape (4, 3), expected (3, 4) (classes, batch) (transposed?)"):
        loss.forward_pass(predictions, np.zeros((4, 3)))
    with raises(ValueError, "for class indices pass a 1-D array"):
        loss.forward_pass(predictions, np.zeros((1, 4)))


def test_backward_before_forward_and_wrong_dvalues():
    with raises(RuntimeError, "Dense(2 -> 3): call forward_pass before backward_pass"):
        Dense(2, 3, seed=0).backward_pass(np.ones((3, 1)))
    with raises(RuntimeError, "Sigmoid: call forward_pass before backward_pass"):
        Sigmoid().backward_pass(np.ones((3, 1)))
    with raises(RuntimeError, "MeanSquaredError: call forward_pass before backward_pass"):
        MeanSquaredError().backward_pass()
    layer = Dense(2, 3, seed=0)
    layer.forward_pass(np.ones((2, 4)))
    with raises(ValueError, "Dense(2 -> 3): dvalues have shape (4, 3), expected (3, 4) (n_neurons, batch) "
                            "(transposed?)"):
        layer.backward_pass(np.ones((4, 3)))
    relu = ReLU()
    relu.forward_pass(np.ones((2, 4)))
    with raises(ValueError, "ReLU: dvalues have shape (2, 5), but the forward pass saw shape (2, 4)"):
        relu.backward_pass(np.ones((2, 5)))


def test_minibatches_and_fit_arguments():
    inputs = np.ones((3, 10))
    with raises(ValueError, "MiniBatches: inputs have 10 samples", "targets have shape (1, 9)"):
        MiniBatches(inputs, np.ones((1, 9)))
    with raises(ValueError, "targets have shape (10, 1)", "pass targets.T (shape (1, 10))"):
        MiniBatches(inputs, np.ones((10, 1)))
    with raises(ValueError, "batch_size must be a positive whole number, got 0"):
        MiniBatches(inputs, np.ones((1, 10)), batch_size=0)
    with raises(ValueError, "fit: epochs must be a positive whole number, got 2.5"):
        fit(Network.mlp([3, 1]), MeanSquaredError(), SGD(), inputs, np.ones((1, 10)), epochs=2.5)
    with raises(ValueError, "fit: validation inputs have shape (3, 4) but validation targets have shape (1, 5)"):
        fit(Network.mlp([3, 1]), MeanSquaredError(), SGD(), inputs, np.ones((1, 10)), epochs=1,
            validation=(np.ones((3, 4)), np.ones((1, 5))), progress=False)


def test_constructor_errors():
    with raises(ValueError, "Dense: n_inputs and n_neurons must be positive, got 0, 3"):
        Dense(0, 3)
    with raises(ValueError, "Dense: init must be one of ['glorot', 'he'], got 'xavier'"):
        Dense(2, 3, init="xavier")
    with raises(ValueError, "weights have shape (2, 3), so biases need 2 entries, got 3"):
        Dense.from_arrays(np.ones((2, 3)), np.ones(3))
    with raises(ValueError, "Network.mlp: unknown activation 'relu6'"):
        Network.mlp([2, 2], "relu6")
    with raises(TypeError, "Network: layer 1 ('not a layer') has no forward_pass/backward_pass"):
        Network([Dense(2, 2, seed=0), "not a layer"])
