"""Finite-difference gradient checks (float64, relative error < 1e-7) for every part of the reference."""
from __future__ import annotations

import numpy as np
import pytest

from nncourse.reference import (CategoricalCrossEntropy, Dense, Identity, MeanSquaredError, Network, ReLU, Sigmoid,
                       Softmax, SoftmaxCrossEntropy, Tanh, gradient_check, numerical_gradient, relative_error)

TOL = 1e-7
SHAPES = [(1, 1, 1), (3, 2, 1), (4, 5, 7), (7, 3, 16)]  # (n_inputs, n_neurons, batch)


def away_from_kinks(rng, shape, margin=0.05):
    """Values at least ``margin`` away from 0, so ReLU is differentiable at every nudge."""
    values = rng.standard_normal(shape)
    return np.where(values >= 0, values + margin, values - margin)


def check_layer(layer, inputs, rng):
    """Loss = Σ (outputs · random weights): checks d-inputs (and d-weights/d-biases of a Dense)."""
    probe = rng.standard_normal(np.shape(layer.forward_pass(inputs)))

    def value():
        return float(np.sum(layer.forward_pass(inputs) * probe))

    value()
    dinputs = layer.backward_pass(probe)
    errors = {"inputs": relative_error(dinputs, numerical_gradient(value, inputs))}
    if isinstance(layer, Dense):
        dweights, dbiases = layer.dweights.copy(), layer.dbiases.copy()
        errors["weights"] = relative_error(dweights, numerical_gradient(value, layer.weights))
        errors["biases"] = relative_error(dbiases, numerical_gradient(value, layer.biases))
    return errors


@pytest.mark.parametrize("n_inputs,n_neurons,batch", SHAPES)
def test_dense(rng, n_inputs, n_neurons, batch):
    layer = Dense(n_inputs, n_neurons, seed=int(rng.integers(1000)))
    layer.biases[:] = rng.standard_normal(layer.biases.shape)
    errors = check_layer(layer, rng.standard_normal((n_inputs, batch)), rng)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("activation", [ReLU, Sigmoid, Tanh, Softmax, Identity])
@pytest.mark.parametrize("shape", [(1, 1), (3, 1), (4, 9)])
def test_activations(rng, activation, shape):
    inputs = away_from_kinks(rng, shape) * 2
    errors = check_layer(activation(), inputs, rng)
    assert errors["inputs"] < TOL, errors


def test_relu_derivative_is_zero_at_zero_and_mask_comes_from_inputs():
    relu = ReLU()
    inputs = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu.forward_pass(inputs), [[0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu.backward_pass(np.array([[5.0, 5.0, 5.0]])), [[0.0, 0.0, 5.0]])


def loss_gradient_error(loss, predictions, targets):
    loss.forward_pass(predictions, targets)
    analytic = loss.backward_pass().copy()
    numeric = numerical_gradient(lambda: loss.forward_pass(predictions, targets), predictions)
    return relative_error(analytic, numeric)


@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (2, 1), (3, 8)])
def test_mean_squared_error(rng, shape):
    assert loss_gradient_error(MeanSquaredError(), rng.standard_normal(shape), rng.standard_normal(shape)) < TOL


@pytest.mark.parametrize("n_classes,batch", [(2, 1), (3, 5), (6, 10)])
@pytest.mark.parametrize("one_hot", [False, True])
def test_categorical_cross_entropy(rng, n_classes, batch, one_hot):
    probabilities = rng.uniform(0.1, 1.0, (n_classes, batch))
    probabilities /= probabilities.sum(axis=0)  # away from the clipping at 1e-7 and 1 - 1e-7
    classes = rng.integers(0, n_classes, batch)
    targets = np.eye(n_classes)[:, classes] if one_hot else classes
    assert loss_gradient_error(CategoricalCrossEntropy(), probabilities, targets) < TOL


@pytest.mark.parametrize("n_classes,batch", [(2, 1), (3, 5), (6, 10)])
@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_cross_entropy(rng, n_classes, batch, one_hot):
    logits = rng.standard_normal((n_classes, batch)) * 2
    classes = rng.integers(0, n_classes, batch)
    targets = np.eye(n_classes)[:, classes] if one_hot else classes
    loss = SoftmaxCrossEntropy()
    assert loss_gradient_error(loss, logits, targets) < TOL
    # The joint gradient is (softmax - y) / batch, and it equals Softmax followed by the plain loss.
    loss.forward_pass(logits, targets)
    one_hot_targets = np.eye(n_classes)[:, classes]
    np.testing.assert_allclose(loss.backward_pass(), (loss.outputs - one_hot_targets) / batch, atol=1e-15)
    softmax, plain = Softmax(), CategoricalCrossEntropy()
    assert plain.forward_pass(softmax.forward_pass(logits), targets) == pytest.approx(loss.forward_pass(logits, targets))
    np.testing.assert_allclose(softmax.backward_pass(plain.backward_pass()), loss.backward_pass(), atol=1e-12)


def kink_free_network(network, inputs) -> bool:
    """True if no ReLU input is within 1e-3 of 0 (central differences would straddle the kink)."""
    values = inputs
    for layer in network.layers:
        if isinstance(layer, ReLU) and np.min(np.abs(values)) < 1e-3:
            return False
        values = layer.forward_pass(values)
    return True


NETWORKS = [
    ([3, 5, 2], "relu", "identity", MeanSquaredError, 4),
    ([2, 4, 1], "tanh", "sigmoid", MeanSquaredError, 1),
    ([4, 6, 5, 3], "relu", "identity", SoftmaxCrossEntropy, 8),
    ([5, 3, 4, 2], "sigmoid", "identity", MeanSquaredError, 6),
    ([3, 4, 4, 3], "tanh", "softmax", CategoricalCrossEntropy, 5),
]


@pytest.mark.parametrize("sizes,activation,output,loss_class,batch", NETWORKS)
def test_whole_networks(rng, sizes, activation, output, loss_class, batch):
    for seed in range(20):  # draw until no ReLU input sits near its kink
        network = Network.mlp(sizes, activation, output, seed=seed)
        for layer in network.trainable_layers:
            layer.biases[:] = 0.1 * rng.standard_normal(layer.biases.shape)
        inputs = rng.standard_normal((sizes[0], batch))
        if kink_free_network(network, inputs):
            break
    if loss_class is MeanSquaredError:
        targets = rng.standard_normal((sizes[-1], batch))
    else:
        targets = rng.integers(0, sizes[-1], batch)
    errors = gradient_check(network, loss_class(), inputs, targets)
    n_dense = len(sizes) - 1
    assert len(errors) == 2 * n_dense + 1  # weights and biases of every Dense, and the inputs
    assert max(errors.values()) < TOL, errors


def test_gradient_check_catches_a_wrong_gradient(rng):
    """The checker must fail loudly on a broken backward pass (here: d-biases off by a factor 2)."""

    class BrokenDense(Dense):
        def backward_pass(self, dvalues, **kwargs):
            result = super().backward_pass(dvalues, **kwargs)
            self.dbiases = 2 * self.dbiases
            return result

    broken = BrokenDense(3, 2, seed=0)
    errors = gradient_check(Network([broken]), MeanSquaredError(), rng.standard_normal((3, 4)),
                            rng.standard_normal((2, 4)))
    assert errors["layer 0 weights"] < TOL and errors["layer 0 biases"] > 0.1


def test_relative_error_definition():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)  # |1-3| / (1+3)
    with pytest.raises(ValueError, match=r"shapes differ, \(2,\) vs \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))
