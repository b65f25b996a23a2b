"""The lecture's three worked examples, reproduced by the reference from data/worked_examples.json."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from nncourse.reference import SGD, MeanSquaredError
from nncourse.reference.examples import example, example_network, load_examples, numbered

NAMES = ["example1", "example2", "example3"]


def run(name: str):
    """Forward and backward through the example's network; returns (network, outputs, loss value, d-values)."""
    network, inputs, targets, loss = example_network(name)
    outputs = network.forward_pass(inputs)
    value = loss.forward_pass(outputs, targets)
    doutputs = loss.backward_pass()
    network.backward_pass(doutputs)
    return network, outputs, value, doutputs


def test_the_data_file_has_the_three_examples_and_the_errata():
    data = load_examples()
    assert sorted(data["examples"]) == NAMES
    assert {entry["example"] for entry in data["errata"]} >= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_forward_values_and_loss(name):
    ex = example(name)
    network, outputs, value, _ = run(name)
    np.testing.assert_allclose(outputs, ex["forward"]["outputs"], rtol=0, atol=1e-12)
    assert value == pytest.approx(ex["forward"]["loss"], abs=1e-12)
    if "hidden" in ex["forward"]:
        np.testing.assert_allclose(network.layers[0].forward_pass(np.array(ex["inputs"])),
                                   ex["forward"]["hidden"], atol=1e-12)
    if "residuals" in ex["forward"]:
        np.testing.assert_allclose(outputs - np.array(ex["targets"]), ex["forward"]["residuals"], atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_gradients_in_matrix_form(name):
    ex = example(name)
    network, _, _, doutputs = run(name)
    np.testing.assert_allclose(doutputs, ex["backward"]["doutputs"], atol=1e-12)
    dense = network.trainable_layers
    assert len(dense) == len(ex["backward"]["layers"])
    for layer, expected in zip(dense, ex["backward"]["layers"]):
        np.testing.assert_allclose(layer.dweights, expected["dweights"], atol=1e-12)
        np.testing.assert_allclose(layer.dbiases, expected["dbiases"], atol=1e-12)
        if "dinputs" in expected:
            np.testing.assert_allclose(layer.dinputs, expected["dinputs"], atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_parameters_and_gradients_in_the_lecture_numbering(name):
    ex = example(name)
    network, _, _, _ = run(name)
    for attribute, key in (("weights", "parameters"), ("gradients", "gradients")):
        got = numbered(network, attribute)
        expected = ex["numbered"][key]
        assert list(got) == list(expected)  # same names (w1.., b1..), same order
        for k in expected:
            assert got[k] == pytest.approx(expected[k], abs=1e-12), f"{name} {key} {k}"


def test_numbering_is_column_major_layer_after_layer():
    # COURSE.md: w1 = x1->u1, w2 = x1->u2, w3 = x1->u3, w4 = x2->u1; output layer goes on from w7.
    network, *_ = example_network("example3")
    hidden, output = network.trainable_layers
    got = numbered(network)
    assert got["w2"] == hidden.weights[1, 0] and got["w4"] == hidden.weights[0, 1]
    assert got["w8"] == output.weights[1, 0] and got["w9"] == output.weights[0, 1]
    assert got["b4"] == output.biases[0, 0] and got["b3"] == hidden.biases[2, 0]


def test_example2_exact_fractions_and_per_sample_gradients():
    ex = example("example2")
    network, _, value, doutputs = run("example2")
    exact = ex["exact"]
    assert value == pytest.approx(float(Fraction(exact["forward.loss"])), abs=1e-15)
    np.testing.assert_allclose(doutputs[0], [float(Fraction(f)) for f in exact["backward.doutputs"]], atol=1e-15)
    # Per-sample gradients: d-values of one column times that sample's inputs (the batch sums them).
    inputs = np.array(ex["inputs"])
    per_sample = {f"w{i + 1}": doutputs[0] * inputs[i] for i in range(inputs.shape[0])}
    per_sample["b1"] = doutputs[0]
    for k, fractions in exact["backward.per_sample"].items():
        np.testing.assert_allclose(per_sample[k], [float(Fraction(f)) for f in fractions], atol=1e-15)
        np.testing.assert_allclose(per_sample[k], ex["backward"]["per_sample"][k], atol=1e-15)
    got = numbered(network, "gradients")
    for k, fraction in exact["numbered.gradients"].items():
        assert got[k] == pytest.approx(float(Fraction(fraction)), abs=1e-15)


def test_example1_update_step_and_new_loss():
    ex = example("example1")
    update = ex["update"]
    assert update["optimizer"] == "sgd"
    network, inputs, targets, loss = example_network("example1")
    loss.forward_pass(network.forward_pass(inputs), targets)
    network.backward_pass(loss.backward_pass())
    SGD(learning_rate=update["learning_rate"]).step(network)
    for layer, expected in zip(network.trainable_layers, update["layers"]):
        np.testing.assert_allclose(layer.weights, expected["weights"], atol=1e-12)
        np.testing.assert_allclose(layer.biases, expected["biases"], atol=1e-12)
    outputs = network.forward_pass(inputs)
    np.testing.assert_allclose(outputs, update["outputs"], atol=1e-12)
    new_loss = MeanSquaredError().forward_pass(outputs, targets)
    assert new_loss == pytest.approx(update["loss"], abs=1e-12)
    assert new_loss < ex["forward"]["loss"]  # the step went downhill


def test_lecture_learning_rate_is_one_hundredth():
    assert load_examples()["conventions"]["learning_rate"] == 0.01
    assert example("example1")["update"]["learning_rate"] == 0.01
