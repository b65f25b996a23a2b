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
# # Assignment: gradients — the chain rule by hand and in code
#
# A network's loss $\ell$ depends on every weight and bias. To make $\ell$ go down we move each
# parameter a small amount against its derivative: **gradient descent**. The derivatives come from
# **calculus — specifically the chain rule**: "when I change $w_1$ a little, how much does $\ell$ change?"
#
# In this assignment you first work the lecture's three examples by hand, with numbers of your own
# (you may type the arithmetic, e.g. `2 * (1.6 - 1.5)`), then write the same steps as functions, and
# finally watch the loss fall over 100 steps, as in the lecture's demo.
#
# Run the cells from top to bottom. Each test cell checks your answer and tells you what to fix.
# Write your code only where it says `# YOUR CODE HERE`.

# %% nbgrader={"grade_id": "setup"}
import json

import numpy as np
import matplotlib.pyplot as plt

from checking import attempt, by_hand, defined, entry, expect, numerical_dinputs, visible_tests, your_numbers

# %% nbgrader={"grade_id": "lecture"}
# The lecture's worked examples (Examples 1-3) as numbers, from the file next to this notebook.
with open("worked_examples.json", encoding="utf-8") as file:
    lecture = json.load(file)["examples"]

# %% [markdown] nbgrader={"grade_id": "your_numbers_text"}
# ## Your numbers
#
# Each student works the three examples by hand with numbers of their own, drawn for their student
# id, and the grader checks your answers against your numbers; the lecture's worked examples below
# show the way. On the course's JupyterHub your id is found for you; elsewhere, type it once below
# (as it is on the course roster) and run both cells.

# %%
MY_ID = ""  # your student id, between the quotes

# %% nbgrader={"grade_id": "numbers"}
numbers = your_numbers(MY_ID)

# %% [markdown] nbgrader={"grade_id": "example1_text"}
# ## Example 1 — one neuron, one sample, no activation function
#
# In the lecture: training data ${{ example1.inputs | vec }} \rightarrow {{ example1.targets | num }}$,
# weights $w = {{ example1.layers[0].weights | vec }}$, bias $b = {{ example1.layers[0].biases | num }}$.
#
# $$\hat y = x_1 w_1 + x_2 w_2 + x_3 w_3 + b, \qquad \ell = (\hat y - y)^2$$
#
# By the chain rule, $\frac{\partial \ell}{\partial w_i} = \frac{\partial \ell}{\partial \hat y}
# \cdot \frac{\partial \hat y}{\partial w_i}$ with $\frac{\partial \ell}{\partial \hat y} = 2(\hat y - y)$
# and $\frac{\partial \hat y}{\partial w_i} = x_i$, $\frac{\partial \hat y}{\partial b} = 1$.
# Then take one step of gradient descent with learning rate ${{ example1.update.learning_rate | frac }}$: every weight and the
# bias move by $-{{ example1.update.learning_rate | frac }}$ times their derivative. Finally compute the new loss with the new
# weights.
#
# The lecture's answers: $\hat y = {{ example1.forward.outputs | num }}$, $\ell = {{ example1.forward.loss | num }}$,
# $\frac{\partial \ell}{\partial \hat y} = {{ example1.backward.doutputs | num }}$, d-weights
# ${{ example1.backward.layers[0].dweights | vec }}$, d-bias ${{ example1.backward.layers[0].dbiases | num }}$;
# new weights ${{ example1.update.layers[0].weights | vec }}$, new bias ${{ example1.update.layers[0].biases | num }}$
# and new loss ${{ example1.update.loss | num }}$. (One of the slides has a sign slip in the new $w_1$.)
#
# Now do the same with **your** numbers, `numbers["example1"]` (`x`, `y`, `w`, `b`, printed above),
# and fill in the dictionary `example1`.

# %% nbgrader={"grade_id": "answer_example1", "solution": true}
# example1 = {"yhat": ..., "loss": ..., "dL_dyhat": ...,
#             "dweights": [dL/dw1, dL/dw2, dL/dw3], "dbias": ...,
#             "new_weights": [w1, w2, w3], "new_bias": ..., "new_loss": ...}
# with your numbers: numbers["example1"]["x"], ...["y"], ...["w"], ...["b"]
### BEGIN SOLUTION
mine = numbers["example1"]
(x1, x2, x3), y = mine["x"], mine["y"]
(w1, w2, w3), b = mine["w"], mine["b"]
eta = mine["learning_rate"]
yhat = x1 * w1 + x2 * w2 + x3 * w3 + b
dL_dyhat = 2 * (yhat - y)
dweights = [dL_dyhat * x1, dL_dyhat * x2, dL_dyhat * x3]
new_weights = [w1 - eta * dweights[0], w2 - eta * dweights[1], w3 - eta * dweights[2]]
new_bias = b - eta * dL_dyhat
new_yhat = x1 * new_weights[0] + x2 * new_weights[1] + x3 * new_weights[2] + new_bias
example1 = {"yhat": yhat, "loss": (yhat - y) ** 2, "dL_dyhat": dL_dyhat,
            "dweights": dweights, "dbias": dL_dyhat,
            "new_weights": new_weights, "new_bias": new_bias, "new_loss": (new_yhat - y) ** 2}
### END SOLUTION

# %% nbgrader={"grade_id": "test_example1", "grade": true}
# With your own numbers this checks that every number is there; with the lecture's, their values.
ex = lecture["example1"]
by_hand("example1", defined("example1"), numbers, {
    "yhat": ex["forward"]["outputs"], "loss": ex["forward"]["loss"], "dL_dyhat": ex["backward"]["doutputs"],
    "dweights": ex["backward"]["layers"][0]["dweights"], "dbias": ex["backward"]["layers"][0]["dbiases"],
    "new_weights": ex["update"]["layers"][0]["weights"], "new_bias": ex["update"]["layers"][0]["biases"],
    "new_loss": ex["update"]["loss"]})

# %% [markdown] nbgrader={"grade_id": "example2_text"}
# ## Example 2 — backpropagation on a batch of data
#
# Still one neuron and no activation function, but now a batch of three samples. In the lecture:
# {{ example2 | samples }};
# weights $w = {{ example2.layers[0].weights | vec }}$, bias $b = {{ example2.layers[0].biases | num }}$.
#
# The loss is the mean over the batch:
# $\ell = \frac{1}{3}\left((\hat y_1 - y_1)^2 + (\hat y_2 - y_2)^2 + (\hat y_3 - y_3)^2\right)$,
# so $\frac{\partial \ell}{\partial \hat y_i} = \frac{2}{3}(\hat y_i - y_i)$.
# Each sample gives its own $\frac{\partial \ell}{\partial w_1}$; **add the gradients from the
# three samples together** for each weight and the bias (the loss already has the $\frac{1}{3}$, so
# this sum is really an average).
#
# The lecture's answers: $\hat y = {{ example2.forward.outputs | vec }}$, $\ell = {{ example2.forward.loss | exact }}$,
# $\frac{\partial \ell}{\partial \hat y_i} = {{ example2.backward.doutputs | exact }}$ and the gradient
# ${{ example2.numbered.gradients | exact }}$ (the slides have two sign slips here).
#
# With **your** numbers, `numbers["example2"]` (`samples`, `targets`, `w`, `b`), fill in `example2`:
# `yhat` (3 numbers), `loss`, `dL_dyhat` (3 numbers) and `gradient`
# $= (\partial w_1, \partial w_2, \partial w_3, \partial b)$, the batch sums.

# %% nbgrader={"grade_id": "answer_example2", "solution": true}
# example2 = {"yhat": [...3 numbers], "loss": ..., "dL_dyhat": [...3 numbers],
#             "gradient": [dL/dw1, dL/dw2, dL/dw3, dL/db]}
# with your numbers: numbers["example2"]["samples"], ...["targets"], ...["w"], ...["b"]
### BEGIN SOLUTION
mine = numbers["example2"]
samples, targets = mine["samples"], mine["targets"]
w, b = mine["w"], mine["b"]
yhat = [sum(xi * wi for xi, wi in zip(x, w)) + b for x in samples]
dL_dyhat = [2 / 3 * (yh - y) for yh, y in zip(yhat, targets)]
gradient = [sum(d * x[i] for d, x in zip(dL_dyhat, samples)) for i in range(3)] + [sum(dL_dyhat)]
example2 = {"yhat": yhat, "loss": sum((yh - y) ** 2 for yh, y in zip(yhat, targets)) / 3,
            "dL_dyhat": dL_dyhat, "gradient": gradient}
### END SOLUTION

# %% nbgrader={"grade_id": "test_example2", "grade": true}
ex = lecture["example2"]
numbered = ex["numbered"]["gradients"]
by_hand("example2", defined("example2"), numbers, {
    "yhat": ex["forward"]["outputs"], "loss": ex["forward"]["loss"], "dL_dyhat": ex["backward"]["doutputs"],
    "gradient": [numbered["w1"], numbered["w2"], numbered["w3"], numbered["b1"]]})

# %% [markdown] nbgrader={"grade_id": "example3_text"}
# ## Example 3 — two layers, one sample, no activation functions
#
# In the lecture, the sample is ${{ example3.inputs | vec }} \rightarrow {{ example3.targets | vec }}$.
# Inputs $x_1, x_2$ feed three hidden neurons $u_1, u_2, u_3$, which feed two outputs $\hat y, \hat z$.
# The lecture numbers the weights input by input: $w_1$ = $x_1 \to u_1$, $w_2$ = $x_1 \to u_2$,
# $w_3$ = $x_1 \to u_3$, $w_4$ = $x_2 \to u_1$, …, then $w_7$ = $u_1 \to \hat y$, $w_8$ = $u_1 \to \hat z$,
# $w_9$ = $u_2 \to \hat y$, …, $w_{12}$ = $u_3 \to \hat z$. Biases $b_1, b_2, b_3$ belong to the
# hidden neurons, $b_4, b_5$ to $\hat y, \hat z$.
#
# The lecture's parameters: {{ example3.numbered.parameters | numbered("w") }}; {{ example3.numbered.parameters | numbered("b") }}.
#
# So $u_1 = w_1 x_1 + w_4 x_2 + b_1$, $\hat y = u_1 w_7 + u_2 w_9 + u_3 w_{11} + b_4$ and
# $\ell = \frac{1}{2}\left((\hat y - {{ example3.targets[0] | num }})^2 + (\hat z - {{ example3.targets[1] | num }})^2\right)$.
#
# **Work backward from the right.** $u_1$ affects the loss along two paths ($u_1 \xrightarrow{w_7} \hat y$
# and $u_1 \xrightarrow{w_8} \hat z$), so the multivariate chain rule adds them:
# $\frac{\partial \ell}{\partial u_1} = w_7 \frac{\partial \ell}{\partial \hat y} + w_8 \frac{\partial \ell}{\partial \hat z}$.
# With hidden layers we also need the derivatives of the neuron values, to keep passing backward.
#
# The lecture's answers: $(\hat y, \hat z) = {{ example3.forward.outputs | vec }}$, $\ell = {{ example3.forward.loss | num }}$
# (the slides show another loss here: it belongs to another forward pass),
# $\frac{\partial \ell}{\partial w_1}, \ldots, \frac{\partial \ell}{\partial w_{12}} =
# {{ example3.numbered.gradients | prefixed("w") | exact }}$ and
# $\frac{\partial \ell}{\partial b_1}, \ldots, \frac{\partial \ell}{\partial b_5} =
# {{ example3.numbered.gradients | prefixed("b") | exact }}$.
#
# With **your** numbers, `numbers["example3"]` (`x`, `targets` $= (y, z)$, `w` $= (w_1, \ldots, w_{12})$,
# `b` $= (b_1, \ldots, b_5)$), fill in `example3`: `outputs` $= (\hat y, \hat z)$, `loss`, `dL_dw`
# (12 numbers, $w_1 \ldots w_{12}$) and `dL_db` (5 numbers, $b_1 \ldots b_5$).

# %% nbgrader={"grade_id": "answer_example3", "solution": true}
# example3 = {"outputs": [yhat, zhat], "loss": ...,
#             "dL_dw": [dL/dw1, ..., dL/dw12], "dL_db": [dL/db1, ..., dL/db5]}
# with your numbers: numbers["example3"]["x"], ...["targets"], ...["w"] (w1 first), ...["b"]
### BEGIN SOLUTION
mine = numbers["example3"]
x1, x2 = mine["x"]
y, z = mine["targets"]
w = dict(enumerate(mine["w"], start=1))  # w[1] ... w[12], the lecture's numbering
b = dict(enumerate(mine["b"], start=1))
u1 = w[1] * x1 + w[4] * x2 + b[1]
u2 = w[2] * x1 + w[5] * x2 + b[2]
u3 = w[3] * x1 + w[6] * x2 + b[3]
yhat = u1 * w[7] + u2 * w[9] + u3 * w[11] + b[4]
zhat = u1 * w[8] + u2 * w[10] + u3 * w[12] + b[5]
dL_dyhat, dL_dzhat = yhat - y, zhat - z
dL_du1 = w[7] * dL_dyhat + w[8] * dL_dzhat
dL_du2 = w[9] * dL_dyhat + w[10] * dL_dzhat
dL_du3 = w[11] * dL_dyhat + w[12] * dL_dzhat
example3 = {
    "outputs": [yhat, zhat],
    "loss": ((yhat - y) ** 2 + (zhat - z) ** 2) / 2,
    "dL_dw": [dL_du1 * x1, dL_du2 * x1, dL_du3 * x1, dL_du1 * x2, dL_du2 * x2, dL_du3 * x2,
              dL_dyhat * u1, dL_dzhat * u1, dL_dyhat * u2, dL_dzhat * u2, dL_dyhat * u3, dL_dzhat * u3],
    "dL_db": [dL_du1, dL_du2, dL_du3, dL_dyhat, dL_dzhat],
}
### END SOLUTION

# %% nbgrader={"grade_id": "test_example3", "grade": true}
ex = lecture["example3"]
numbered = ex["numbered"]["gradients"]
by_hand("example3", defined("example3"), numbers, {
    "outputs": ex["forward"]["outputs"], "loss": ex["forward"]["loss"],
    "dL_dw": [numbered[f"w{k}"] for k in range(1, 13)], "dL_db": [numbered[f"b{k}"] for k in range(1, 6)]})


# %% [markdown] nbgrader={"grade_id": "code_text"}
# ## The same steps in code
#
# Now write the chain rule as functions, with numpy. Shapes follow the lecture: **one sample per
# column**, so a batch of inputs has shape `(n_inputs, batch)`; the loss is always the **mean of the
# squared errors** over all outputs and samples.
#
# ### One neuron, one sample

# %% nbgrader={"grade_id": "answer_neuron_gradient", "solution": true}
def neuron_gradient(x, y, w, b):
    """Gradient of the loss (yhat - y)**2 of one neuron without activation, on one sample.

    Inputs: x (n,) the sample, y (float) its target, w (n,) the weights, b (float) the bias.
    Returns (dw, db): dw (n,) with dL/dw_i, db (float) with dL/db.
    """
    ### BEGIN SOLUTION
    yhat = np.dot(w, x) + b
    dL_dyhat = 2 * (yhat - y)
    return dL_dyhat * np.asarray(x, dtype=float), float(dL_dyhat)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_neuron_gradient", "grade": true}
ex = lecture["example1"]
x = np.array(ex["inputs"], dtype=float).ravel()
w = np.array(ex["layers"][0]["weights"], dtype=float).ravel()
dw, db = attempt("neuron_gradient", defined("neuron_gradient"), x, ex["targets"][0][0], w,
                 ex["layers"][0]["biases"][0][0])
expect("neuron_gradient dw on Example 1", dw, ex["backward"]["layers"][0]["dweights"])
expect("neuron_gradient db on Example 1", db, ex["backward"]["layers"][0]["dbiases"])


# %% [markdown] nbgrader={"grade_id": "batch_text"}
# ### One neuron, a batch
#
# `X` holds one sample per column. The loss is the mean of the squared errors, so each sample's
# $\partial \ell / \partial \hat y_i = \frac{2}{\text{batch}}(\hat y_i - y_i)$, and the gradient of each
# weight is the sum over the samples (as in Example 2).

# %% nbgrader={"grade_id": "answer_batch_gradient", "solution": true}
def batch_gradient(X, y, w, b):
    """Gradient of the mean squared error of one neuron without activation, on a batch.

    Inputs: X (n, batch) one sample per column, y (batch,) the targets, w (n,), b (float).
    Returns (dw, db): dw (n,) and db (float), summed over the samples.
    """
    ### BEGIN SOLUTION
    yhat = np.dot(w, X) + b
    dL_dyhat = 2 * (yhat - y) / X.shape[1]
    return np.dot(X, dL_dyhat), float(np.sum(dL_dyhat))
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_batch_gradient", "grade": true}
ex = lecture["example2"]
X = np.array(ex["inputs"], dtype=float)
y = np.array(ex["targets"], dtype=float).ravel()
w = np.array(ex["layers"][0]["weights"], dtype=float).ravel()
dw, db = attempt("batch_gradient", defined("batch_gradient"), X, y, w, ex["layers"][0]["biases"][0][0])
expect("batch_gradient dw on Example 2", dw, ex["backward"]["layers"][0]["dweights"])
expect("batch_gradient db on Example 2", db, ex["backward"]["layers"][0]["dbiases"])
# A batch of 2 samples with 3 inputs each (Example 2's first two), against finite differences of its loss:
X2, y2, b = X[:, :2], y[:2], ex["layers"][0]["biases"][0][0]
mse = lambda w, b: np.mean((w @ X2 + b - y2) ** 2)  # the loss whose gradient batch_gradient returns
dw, db = attempt("batch_gradient", defined("batch_gradient"), X2, y2, w, b)
expect("batch_gradient dw on 2 samples", dw, numerical_dinputs(lambda v: mse(v, b), w, 1.0), tol=1e-5, batch=2)
expect("batch_gradient db on 2 samples", db, numerical_dinputs(lambda v: mse(w, v), np.array(b), 1.0), tol=1e-5,
       batch=2)


# %% [markdown] nbgrader={"grade_id": "two_layer_text"}
# ### Two layers
#
# Example 3 in matrices (no activation). Forward: `H = W1 @ X + b1`, `Yhat = W2 @ H + b2`.
# Backward, with the lecture's three rules for each layer:
#
# * **d-values** = weightsᵀ · d-values (the d-values of the layer before),
# * **d-weights** = d-values · valuesᵀ,
# * **d-biases** = d-values summed over the batch.
#
# Start from the d-values of the outputs, `2 * (Yhat - Y) / Y.size` (the mean over all elements).

# %% nbgrader={"grade_id": "answer_two_layer_gradients", "solution": true}
def two_layer_gradients(X, Y, W1, b1, W2, b2):
    """Gradients of the mean squared error of a two-layer network without activations.

    Inputs: X (n_in, batch), Y (n_out, batch), W1 (n_hidden, n_in), b1 (n_hidden, 1),
    W2 (n_out, n_hidden), b2 (n_out, 1).
    Returns (dW1, db1, dW2, db2), each with the shape of its parameter.
    """
    ### BEGIN SOLUTION
    H = W1 @ X + b1
    Yhat = W2 @ H + b2
    dvalues = 2 * (Yhat - Y) / Y.size
    dW2 = dvalues @ H.T
    db2 = np.sum(dvalues, axis=1, keepdims=True)
    dH = W2.T @ dvalues
    dW1 = dH @ X.T
    db1 = np.sum(dH, axis=1, keepdims=True)
    return dW1, db1, dW2, db2
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_two_layer_gradients", "grade": true}
ex = lecture["example3"]
hidden, output = ex["layers"]
X, Y = np.array(ex["inputs"], dtype=float), np.array(ex["targets"], dtype=float)
two_layer_gradients = defined("two_layer_gradients")
grads = attempt("two_layer_gradients", two_layer_gradients, X, Y,
                np.array(hidden["weights"]), np.array(hidden["biases"]),
                np.array(output["weights"]), np.array(output["biases"]))
assert len(grads) == 4, "two_layer_gradients should return four arrays: (dW1, db1, dW2, db2)"
dW1, db1, dW2, db2 = grads
expect("dW1 on Example 3", dW1, ex["backward"]["layers"][0]["dweights"], shape=True)
expect("db1 on Example 3", db1, ex["backward"]["layers"][0]["dbiases"], shape=True)
expect("dW2 on Example 3", dW2, ex["backward"]["layers"][1]["dweights"], shape=True)
expect("db2 on Example 3", db2, ex["backward"]["layers"][1]["dbiases"], shape=True)
# A batch of 3 samples (Example 3's input, half of it and its negative), against finite differences of the loss:
X2, Y2 = np.hstack([X, 0.5 * X, -X]), np.hstack([Y, Y, Y])
params = [np.array(hidden["weights"], dtype=float), np.array(hidden["biases"], dtype=float),
          np.array(output["weights"], dtype=float), np.array(output["biases"], dtype=float)]

def loss_with(k, value):  # the mean squared error with parameter k replaced by `value`
    W1, b1, W2, b2 = [value if i == k else p for i, p in enumerate(params)]
    return np.mean((W2 @ (W1 @ X2 + b1) + b2 - Y2) ** 2)

grads = attempt("two_layer_gradients", two_layer_gradients, X2, Y2, *params)
for k, name in enumerate(["dW1", "db1", "dW2", "db2"]):
    expect(f"{name} on 3 samples", grads[k], numerical_dinputs(lambda v: loss_with(k, v), params[k], 1.0),
           tol=1e-5, shape=True, batch=3)


# %% [markdown] nbgrader={"grade_id": "step_text"}
# ### One step of gradient descent
#
# Move every weight and the bias by $-$learning rate $\times$ its derivative. Return the new values
# as new arrays, and leave `w` and `b` as they were (the caller may still need them).

# %% nbgrader={"grade_id": "answer_gradient_descent_step", "solution": true}
def gradient_descent_step(w, b, dw, db, learning_rate=0.01):
    """One step of plain gradient descent.

    Inputs: w (array), b (float or array), dw, db their gradients (same shapes), learning_rate.
    Returns (new_w, new_b).
    """
    ### BEGIN SOLUTION
    return w - learning_rate * dw, b - learning_rate * db
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_gradient_descent_step", "grade": true}
ex = lecture["example1"]
w = np.array(ex["layers"][0]["weights"], dtype=float).ravel()
dw = np.array(ex["backward"]["layers"][0]["dweights"], dtype=float).ravel()
new_w, new_b = attempt("gradient_descent_step", defined("gradient_descent_step"), w,
                       ex["layers"][0]["biases"][0][0], dw, ex["backward"]["layers"][0]["dbiases"][0][0],
                       learning_rate=ex["update"]["learning_rate"])
expect("new weights on Example 1", new_w, ex["update"]["layers"][0]["weights"])
expect("new bias on Example 1", new_b, ex["update"]["layers"][0]["biases"])

# %% [markdown] nbgrader={"grade_id": "demo_text"}
# ## Now repeat!
#
# Compute the gradient with the altered weights, adjust by ${{ example1.update.learning_rate | frac }}$ of it, and so on. This cell
# runs your two functions for 100 steps on Example 1 and plots the loss, like the lecture's demo.

# %% nbgrader={"grade_id": "demo_descent"}
ex = lecture["example1"]
x = np.array(ex["inputs"], dtype=float).ravel()
y = ex["targets"][0][0]
w = np.array(ex["layers"][0]["weights"], dtype=float).ravel()
b = ex["layers"][0]["biases"][0][0]
losses = []
try:
    for step in range(101):
        losses.append(float((np.dot(w, x) + b - y) ** 2))
        dw, db = neuron_gradient(x, y, w, b)
        w, b = gradient_descent_step(w, b, dw, db, learning_rate=0.01)
except (NameError, NotImplementedError):
    print("Write neuron_gradient and gradient_descent_step above, then run this cell again.")
else:
    print(f"loss before: {losses[0]:.6f}, after 1 step: {losses[1]:.6f}, after 100 steps: {losses[100]:.2e}")
    plt.semilogy(losses)
    plt.xlabel("step")
    plt.ylabel("loss")
    plt.title("Gradient descent on Example 1")
    plt.show()

# %%
# Space for your own experiments (not graded).
