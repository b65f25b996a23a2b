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
# # Assignment: mini-batches, the training loop and the optimizers
#
# We know how to make a network match the training data a little bit better: pass it all through
# in a forward pass, then compute the gradients going backward, update the weights and biases based
# on those gradients, then repeat. Two more things:
#
# **Mini-batching.** Usually you don't send all the training data through in one big batch.
# Shuffle the order of the data, then do forward and backward passes of 64 (or whatever)
# input/output pairs at a time until all have been used. Shuffle again and repeat. Faster, less
# memory usage, and often trains better!
#
# **Optimizers.** Moving $-{{ example1.update.learning_rate | frac }}\nabla$ is very simplistic. *Momentum* keeps a velocity that
# remembers the previous steps; *Adam* also scales each parameter's step by the size of its recent
# gradients.
#
# First paste your `Dense`, `ReLU`, `Network` and `MeanSquaredError` classes from the earlier
# assignments into the first answer cell (with `forward_pass` / `backward_pass` as before).

# %% nbgrader={"grade_id": "setup"}
import json
from types import SimpleNamespace

import numpy as np
import matplotlib.pyplot as plt

from checking import attempt, defined, entry, expect, visible_tests

# %% nbgrader={"grade_id": "lecture"}
# The lecture's worked examples (Examples 1-3) as numbers, from the file next to this notebook.
with open("worked_examples.json", encoding="utf-8") as file:
    lecture = json.load(file)["examples"]


# %% nbgrader={"grade_id": "answer_classes", "solution": true}
# Paste your Dense, ReLU, Network and MeanSquaredError classes here.
### BEGIN SOLUTION
#| include: layers/answer_dense, activations/answer_relu, layers/answer_network, activations/answer_mse
### END SOLUTION


# %% [markdown] nbgrader={"grade_id": "mini_batches_text"}
# ## Shuffled mini-batches
#
# Write a generator: `yield` one `(x_batch, y_batch)` pair at a time. Shuffle the **columns**
# (samples) with `np.random.default_rng(seed).permutation(n)` and keep inputs and targets aligned.

# %% nbgrader={"grade_id": "answer_mini_batches", "solution": true}
def mini_batches(inputs, targets, batch_size=64, seed=0):
    """Yield (x_batch, y_batch) pairs covering every sample exactly once, in a shuffled order.

    inputs (n_inputs, n) and targets (n_outputs, n): one sample per column. Batches have
    batch_size columns; the last one may be smaller. The same seed gives the same order.
    """
    ### BEGIN SOLUTION
    order = np.random.default_rng(seed).permutation(inputs.shape[1])
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        yield inputs[:, chosen], targets[:, chosen]
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_mini_batches", "grade": true}
mini_batches = defined("mini_batches")
inputs = np.arange(2 * 150, dtype=float).reshape(2, 150)
targets = inputs[:1] * 10
batches = attempt("mini_batches", lambda: list(mini_batches(inputs, targets, 64, seed=1)))
expect("batch sizes for 150 samples in batches of 64", [x.shape[1] for x, y in batches], [64, 64, 22])
columns = np.concatenate([x[0] for x, y in batches])
expect("every sample exactly once", np.sort(columns), inputs[0])
assert not np.array_equal(columns, inputs[0]), "The samples should come in a shuffled order."
print("\u2713 the order is shuffled")
aligned = all(np.shape(y) == (1, x.shape[1]) and np.array_equal(y, x[:1] * 10) for x, y in batches)
assert aligned, "Each y_batch must hold the targets (1, batch) of the same samples (columns) as its x_batch."
print("\u2713 inputs and targets stay in pairs")


# %% [markdown] nbgrader={"grade_id": "sgd_text"}
# ## Plain SGD and momentum
#
# `step(layers)` receives a list of layers that have `weights`, `biases`, `dweights` and `dbiases`.
# Plain SGD is the lecture's rule: `w = w - learning_rate * dw` (the lecture's ${{ example1.update.learning_rate | frac }}$ is the
# default learning rate). With momentum $\mu$: `v = mu * v - learning_rate * dw; w = w + v`.

# %% nbgrader={"grade_id": "answer_sgd", "solution": true}
class SGD:
    """Stochastic gradient descent, with optional momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.learning_rate = learning_rate
        self.momentum = momentum

    def step(self, layers):
        """Move each layer's weights and biases once, using its dweights and dbiases.

        Without momentum: w = w - learning_rate * dw.
        With momentum mu: v = mu * v - learning_rate * dw (v starts at 0, one v per parameter), w = w + v.
        """
        ### BEGIN SOLUTION
        for layer in layers:
            if not self.momentum:
                layer.weights = layer.weights - self.learning_rate * layer.dweights
                layer.biases = layer.biases - self.learning_rate * layer.dbiases
                continue
            if not hasattr(layer, "weight_velocity"):
                layer.weight_velocity = np.zeros_like(layer.weights)
                layer.bias_velocity = np.zeros_like(layer.biases)
            layer.weight_velocity = self.momentum * layer.weight_velocity - self.learning_rate * layer.dweights
            layer.bias_velocity = self.momentum * layer.bias_velocity - self.learning_rate * layer.dbiases
            layer.weights = layer.weights + layer.weight_velocity
            layer.biases = layer.biases + layer.bias_velocity
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_sgd", "grade": true}
SGD = defined("SGD")
ex = lecture["example1"]
spec, grads = ex["layers"][0], ex["backward"]["layers"][0]
layer = SimpleNamespace(weights=np.array(spec["weights"]), biases=np.array(spec["biases"]),
                        dweights=np.array(grads["dweights"]), dbiases=np.array(grads["dbiases"]))
attempt("SGD.step", SGD(learning_rate=ex["update"]["learning_rate"]).step, [layer])
expect("weights after one SGD step on Example 1", layer.weights, ex["update"]["layers"][0]["weights"], shape=True)
expect("bias after one SGD step on Example 1", layer.biases, ex["update"]["layers"][0]["biases"], shape=True)

# %% nbgrader={"grade_id": "test_momentum", "grade": true}
SGD = defined("SGD")
ex = lecture["example1"]
spec, grads = ex["layers"][0], ex["backward"]["layers"][0]
w0, g = np.array(spec["weights"]), np.array(grads["dweights"])
layer = SimpleNamespace(weights=w0.copy(), biases=np.array(spec["biases"]), dweights=g, dbiases=np.array(grads["dbiases"]))
optimizer = SGD(learning_rate=0.01, momentum=0.9)
attempt("SGD.step with momentum", optimizer.step, [layer])
# By hand, from Example 1's weights and d-weights: v = -0.01 g, then v = 0.9 v - 0.01 g.
expect("weights after the first momentum step", layer.weights, [[0.098, -0.198, 0.396]], shape=True)
optimizer.step([layer])
expect("weights after the second momentum step", layer.weights, [[0.0942, -0.1942, 0.3884]], shape=True)


# %% [markdown] nbgrader={"grade_id": "adam_text"}
# ## Adam
#
# On the first step the bias correction makes $\hat m = g$ and $\hat v = g^2$, so every parameter
# moves by almost exactly the learning rate, against the sign of its gradient — a handy check.

# %% nbgrader={"grade_id": "answer_adam", "solution": true}
class Adam:
    """Adam: momentum on the gradient (m) and on its square (v), both bias-corrected."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.iterations = 0

    def step(self, layers):
        """One Adam step for every layer; t counts the steps from 1.

        m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g**2   (m, v start at 0)
        m_hat = m / (1 - beta1**t),   v_hat = v / (1 - beta2**t)
        w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)
        """
        ### BEGIN SOLUTION
        self.iterations += 1
        t = self.iterations
        for layer in layers:
            if not hasattr(layer, "adam_state"):
                layer.adam_state = {name: (np.zeros_like(getattr(layer, name)), np.zeros_like(getattr(layer, name)))
                                    for name in ("weights", "biases")}
            for name in ("weights", "biases"):
                grad = getattr(layer, "d" + name)
                m, v = layer.adam_state[name]
                m = self.beta1 * m + (1 - self.beta1) * grad
                v = self.beta2 * v + (1 - self.beta2) * grad ** 2
                layer.adam_state[name] = (m, v)
                m_hat = m / (1 - self.beta1 ** t)
                v_hat = v / (1 - self.beta2 ** t)
                setattr(layer, name, getattr(layer, name) - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon))
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_adam", "grade": true}
Adam = defined("Adam")
ex = lecture["example3"]
layers = [SimpleNamespace(weights=np.array(spec["weights"]), biases=np.array(spec["biases"]),
                          dweights=np.array(grads["dweights"]), dbiases=np.array(grads["dbiases"]))
          for spec, grads in zip(ex["layers"], ex["backward"]["layers"])]
optimizer = Adam(learning_rate=0.001)
attempt("Adam.step", optimizer.step, layers)
for step in (1, 2):
    for name, layer, spec, grads in zip(("hidden", "output"), layers, ex["layers"], ex["backward"]["layers"]):
        expect(f"{name} weights after Adam step {step} on Example 3's gradients", layer.weights,
               np.array(spec["weights"]) - 0.001 * step * np.sign(grads["dweights"]), tol=1e-7, shape=True)
    if step == 1:
        optimizer.step(layers)

# %% [markdown] nbgrader={"grade_id": "fit_text"}
# ## The training loop
#
# Feed forward a mini-batch, compute the loss and its d-values, pass them backward, let the optimizer
# adjust the weights and biases, and repeat over all mini-batches (from your `mini_batches`, with the
# seed `seed + epoch`); that is one epoch. Return the mean loss of every epoch, over its samples. On
# Example 2 with one batch of all three samples, the first epoch's loss is the lecture's loss before
# the update.

# %% nbgrader={"grade_id": "problem"}
# One small problem for every optimizer: 2 inputs -> 1 output, 256 samples (one per column).
rng = np.random.default_rng(4)
problem_inputs = rng.uniform(-2, 2, size=(2, 256))
problem_targets = np.sin(problem_inputs[:1]) + 0.5 * problem_inputs[1:] ** 2


# %% nbgrader={"grade_id": "answer_fit", "solution": true}
def fit(network, loss, optimizer, inputs, targets, epochs=10, batch_size=64, seed=0):
    """Train the network: for each epoch, for each mini-batch: forward pass, loss, backward pass,
    optimizer step.

    Each epoch takes its batches from your mini_batches(inputs, targets, batch_size, seed + epoch),
    so that every epoch is shuffled anew and the same seed trains the same way. optimizer.step gets
    the network's layers that have weights. inputs (n_inputs, n), targets (n_outputs, n).
    Returns a list with one number per epoch: the mean loss over that epoch's samples (each batch's
    loss weighted by its number of samples: the last batch may be smaller).
    """
    ### BEGIN SOLUTION
    trainable = [layer for layer in network.layers if hasattr(layer, "weights")]
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for x_batch, y_batch in mini_batches(inputs, targets, batch_size, seed + epoch):
            total += loss.forward_pass(network.forward_pass(x_batch), y_batch) * x_batch.shape[1]
            network.backward_pass(loss.backward_pass())
            optimizer.step(trainable)
        losses.append(total / inputs.shape[1])
    return losses
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_fit", "grade": true}
fit, Network, Dense = defined("fit"), defined("Network"), defined("Dense")
ReLU, MeanSquaredError, SGD = defined("ReLU"), defined("MeanSquaredError"), defined("SGD")
ex = lecture["example2"]
layer = Dense(3, 1)
layer.weights, layer.biases = np.array(ex["layers"][0]["weights"]), np.array(ex["layers"][0]["biases"])
losses = attempt("fit", fit, Network([layer]), MeanSquaredError(), SGD(learning_rate=0.01),
                 np.array(ex["inputs"]), np.array(ex["targets"]), epochs=1, batch_size=3, seed=0)
expect("the first epoch's loss on Example 2", losses, [ex["forward"]["loss"]])
numbered = ex["numbered"]["gradients"]
step = 0.01 * np.array([[numbered["w1"], numbered["w2"], numbered["w3"]]])
expect("the weights after that epoch", layer.weights, np.array(ex["layers"][0]["weights"]) - step, shape=True)
np.random.seed(0)
network = Network([Dense(2, 16), ReLU(), Dense(16, 1)])
losses = fit(network, MeanSquaredError(), SGD(learning_rate=0.05), problem_inputs, problem_targets,
             epochs=20, batch_size=32, seed=0)
expect("one loss per epoch", len(losses), 20)
assert losses[-1] < 0.5 * losses[0], f"The loss should fall during training: {losses[0]:.3f} -> {losses[-1]:.3f}"
print(f"\u2713 the loss falls: {losses[0]:.3f} -> {losses[-1]:.3f}")

# %% [markdown] nbgrader={"grade_id": "compare_text"}
# ## Compare the optimizers
#
# Train the same network from the same starting weights (call `np.random.seed(0)` before building
# it) with plain SGD, SGD with momentum and Adam on the small problem above, and plot the three loss
# curves on one figure. Which one gets lowest fastest? Try a few learning rates.

# %% nbgrader={"grade_id": "answer_compare", "solution": true}
# Train the same network (same starting weights) with SGD, SGD with momentum and Adam on the
# small problem above, and plot the three loss curves on one figure.
### BEGIN SOLUTION
curves = {}
for name, optimizer in (("SGD", SGD(learning_rate=0.05)), ("momentum", SGD(learning_rate=0.05, momentum=0.9)),
                        ("Adam", Adam(learning_rate=0.01))):
    np.random.seed(0)
    network = Network([Dense(2, 32), ReLU(), Dense(32, 1)])
    curves[name] = fit(network, MeanSquaredError(), optimizer, problem_inputs, problem_targets,
                       epochs=60, batch_size=32, seed=0)
for name, losses in curves.items():
    plt.semilogy(losses, label=f"{name} (final {losses[-1]:.3f})")
plt.xlabel("epoch")
plt.ylabel("mean loss")
plt.legend()
plt.title("Optimizers on one small problem")
plt.show()
### END SOLUTION

# %%
# Space for your own experiments (not graded).
