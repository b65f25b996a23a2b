# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade_id": "intro"}
# # Assignment: layers — the `Dense` class and the network
#
# In Example 3 we worked backward from the right and found that each layer's gradient comes
# from three matrix operations. With $\ell$ the loss, a layer's **values** its inputs and
# **d-values** the derivatives of $\ell$ with respect to its outputs:
#
# * **d-values** (for the layer before) = weightsᵀ · d-values
# * **d-weights** = d-values · valuesᵀ
# * **d-biases** = d-values (summed over the batch)
#
# **Batching.** The values of the layers are matrices instead of vectors: one sample per
# **column**, so inputs have shape `(n_inputs, batch)` and d-values are matrices too. d-biases are
# then the row sums of the d-values, and d-weights is a matrix times a matrix — both add up the
# samples' contributions.
#
# You will write the `Dense` layer class and the `Network` class with `forward_pass` and
# `backward_pass`, the names used in the lecture's code. Run the cells from top to bottom.

# %% nbgrader={"grade_id": "setup"}
import json

import numpy as np

from checking import attempt, defined, entry, expect, visible_tests

# %% nbgrader={"grade_id": "lecture"}
# The lecture's worked examples (Examples 1-3) as numbers, from the file next to this notebook.
with open("worked_examples.json", encoding="utf-8") as file:
    lecture = json.load(file)["examples"]


# %% [markdown] nbgrader={"grade_id": "dense_text"}
# ## The `Dense` layer
#
# `weights` has shape `(n_neurons, n_inputs)` (row $j$ holds the weights into neuron $j$), `biases`
# has shape `(n_neurons, 1)`, and `forward_pass` computes `weights · inputs + biases`. In Example 3
# the hidden layer's weights are $\begin{bmatrix} w_1 & w_4 \\ w_2 & w_5 \\ w_3 & w_6 \end{bmatrix}$.
#
# `forward_pass` must remember its inputs: `backward_pass` needs them for the d-weights.

# %% nbgrader={"grade_id": "answer_dense", "solution": true}
class Dense:
    """A dense layer: every input connects to every neuron. One sample per column."""

    def __init__(self, n_inputs, n_neurons):
        """weights (n_neurons, n_inputs): small random numbers; biases (n_neurons, 1): zeros."""
        ### BEGIN SOLUTION
        self.weights = 0.1 * np.random.randn(n_neurons, n_inputs)
        self.biases = np.zeros((n_neurons, 1))
        ### END SOLUTION

    def forward_pass(self, batch_inputs):
        """Compute the values of this layer's neurons from the previous layer's values.

        batch_inputs (n_inputs, batch) -> outputs (n_neurons, batch). Keep the inputs for backward.
        """
        ### BEGIN SOLUTION
        self.inputs = batch_inputs
        return np.dot(self.weights, batch_inputs) + self.biases
        ### END SOLUTION

    def backward_pass(self, dvalues):
        """Push the gradient back through this layer: the lecture's three rules.

        dvalues (n_neurons, batch): the loss's derivatives with respect to this layer's outputs.
        Sets self.dweights (n_neurons, n_inputs), self.dbiases (n_neurons, 1) and
        self.dinputs (n_inputs, batch), and returns self.dinputs.
        """
        ### BEGIN SOLUTION
        self.dweights = np.dot(dvalues, self.inputs.T)
        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)
        self.dinputs = np.dot(self.weights.T, dvalues)
        return self.dinputs
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_dense_init", "grade": true}
layer = attempt("Dense(3, 4)", defined("Dense"), 3, 4)
expect("Dense(3, 4).weights shape", np.shape(layer.weights), [4, 3])
expect("Dense(3, 4).biases shape", np.shape(layer.biases), [4, 1])
assert np.std(layer.weights) > 0, "The weights should start as small random numbers, not all equal."
print("\u2713 the weights are random")

# %% nbgrader={"grade_id": "test_dense_forward", "grade": true}
Dense = defined("Dense")
attempt("Dense(2, 3)", Dense, 2, 3)
ex = lecture["example3"]
hidden, output = Dense(2, 3), Dense(3, 2)
for layer, spec in ((hidden, ex["layers"][0]), (output, ex["layers"][1])):
    layer.weights, layer.biases = np.array(spec["weights"]), np.array(spec["biases"])
u = attempt("Dense.forward_pass", hidden.forward_pass, np.array(ex["inputs"]))
expect("hidden values u on Example 3", u, ex["forward"]["hidden"], shape=True)
expect("outputs on Example 3", output.forward_pass(u), ex["forward"]["outputs"], shape=True)
ex = lecture["example2"]
neuron = Dense(3, 1)
neuron.weights, neuron.biases = np.array(ex["layers"][0]["weights"]), np.array(ex["layers"][0]["biases"])
expect("outputs on Example 2 (a batch of three columns)", neuron.forward_pass(np.array(ex["inputs"])),
       ex["forward"]["outputs"], shape=True)

# %% nbgrader={"grade_id": "test_dense_backward", "grade": true}
Dense = defined("Dense")
attempt("Dense(2, 3)", Dense, 2, 3)
ex = lecture["example3"]
hidden, output = Dense(2, 3), Dense(3, 2)
for layer, spec in ((hidden, ex["layers"][0]), (output, ex["layers"][1])):
    layer.weights, layer.biases = np.array(spec["weights"]), np.array(spec["biases"])
output.forward_pass(hidden.forward_pass(np.array(ex["inputs"])))
dvalues = attempt("Dense.backward_pass", output.backward_pass, np.array(ex["backward"]["doutputs"]))
want = ex["backward"]["layers"]
expect("output layer d-weights on Example 3", output.dweights, want[1]["dweights"], shape=True)
expect("output layer d-biases on Example 3", output.dbiases, want[1]["dbiases"], shape=True)
expect("d-values for the hidden layer (returned)", dvalues, want[1]["dinputs"], shape=True)
hidden.backward_pass(dvalues)
expect("hidden layer d-weights on Example 3", hidden.dweights, want[0]["dweights"], shape=True)
expect("hidden layer d-biases on Example 3", hidden.dbiases, want[0]["dbiases"], shape=True)
ex = lecture["example2"]
neuron = Dense(3, 1)
neuron.weights, neuron.biases = np.array(ex["layers"][0]["weights"]), np.array(ex["layers"][0]["biases"])
neuron.forward_pass(np.array(ex["inputs"]))
neuron.backward_pass(np.array(ex["backward"]["doutputs"]))
expect("d-weights on Example 2 (summed over the batch)", neuron.dweights,
       ex["backward"]["layers"][0]["dweights"], shape=True)
expect("d-biases on Example 2 (summed over the batch)", neuron.dbiases,
       ex["backward"]["layers"][0]["dbiases"], shape=True)


# %% [markdown] nbgrader={"grade_id": "network_text"}
# ## The network
#
# Pass it all through in a forward pass, then compute the gradients going backward: the network
# keeps a list `layers`; `forward_pass` feeds each layer's outputs to the next, and `backward_pass`
# feeds each layer's returned d-values to the layer before it, in reverse order.

# %% nbgrader={"grade_id": "answer_network", "solution": true}
class Network:
    """A network is a list of layers, run in order forward and in reverse backward."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward_pass(self, batch_data):
        """Pass the data through each layer in turn; return the last layer's outputs."""
        ### BEGIN SOLUTION
        input_data = batch_data
        for layer in self.layers:
            input_data = layer.forward_pass(input_data)
        return input_data
        ### END SOLUTION

    def backward_pass(self, dvalues):
        """Pass the gradient at the output back through the layers, last layer first.

        Returns the d-values for the network's inputs.
        """
        ### BEGIN SOLUTION
        grad = dvalues
        for layer in reversed(self.layers):
            grad = layer.backward_pass(grad)
        return grad
        ### END SOLUTION


# %% nbgrader={"grade_id": "example3_network"}
def example3_network():
    """Example 3's network, made of your Dense and Network, with the lecture's weights and biases."""
    layers = [attempt("Dense(2, 3)", defined("Dense"), 2, 3), attempt("Dense(3, 2)", defined("Dense"), 3, 2)]
    for layer, spec in zip(layers, lecture["example3"]["layers"]):
        layer.weights, layer.biases = np.array(spec["weights"]), np.array(spec["biases"])
    return attempt("Network(layers)", defined("Network"), layers), layers


# %% nbgrader={"grade_id": "test_network_forward", "grade": true}
ex = lecture["example3"]
network, layers = example3_network()
expect("Network.layers: the two layers", len(network.layers), 2)
outputs = attempt("Network.forward_pass", network.forward_pass, np.array(ex["inputs"]))
expect("network outputs on Example 3", outputs, ex["forward"]["outputs"], shape=True)

# %% nbgrader={"grade_id": "test_network_backward", "grade": true}
ex = lecture["example3"]
network, layers = example3_network()
network.forward_pass(np.array(ex["inputs"]))
returned = attempt("Network.backward_pass", network.backward_pass, np.array(ex["backward"]["doutputs"]))
for name, layer, want in zip(("hidden", "output"), layers, ex["backward"]["layers"]):
    expect(f"{name} layer d-weights after Network.backward_pass", layer.dweights, want["dweights"], shape=True)
    expect(f"{name} layer d-biases after Network.backward_pass", layer.dbiases, want["dbiases"], shape=True)
expect("what Network.backward_pass returned: the d-values for the network's inputs", returned,
       ex["backward"]["layers"][0]["dinputs"], shape=True)

# %%
# Space for your own experiments (not graded).
