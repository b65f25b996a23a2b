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
# # Assignment: activations — easy derivatives that go between the layers
#
# Without activation functions a network of dense layers is just one linear map. Activation
# functions bend it, and each has an easy derivative for the backward pass. Each class here has
# the same two methods as a layer: `forward_pass` and `backward_pass(dvalues)`, which returns the
# d-values for the layer before (the d-values times the activation's derivative, element by element).
#
# * **ReLU**: $\mathrm{ReLU}(x) = \max(0, x)$, derivative 1 for $x > 0$ and 0 otherwise (the lecture
#   says "ignore the discontinuity"; the code uses `inputs > 0`).
# * **Sigmoid**: $\sigma(x) = \frac{1}{1 + e^{-x}}$, $\sigma'(x) = \sigma(x)(1 - \sigma(x))$ — you can
#   compute the derivative using only its value, so save the outputs.
# * **Tanh**: $g(z) = \frac{e^z - e^{-z}}{e^z + e^{-z}}$, $g'(z) = 1 - g(z)^2$ — another trick.
# * For classification: **Softmax** and the **categorical cross-entropy** loss. There's a great trick
#   here: do the softmax and then the CCE loss as one big function instead of two; their joint
#   derivative, `(softmax - y_one_hot) / batch`, is much nicer than the individual ones.
#
# Losses have `forward_pass(predictions, targets)` (returns the loss) and `backward_pass()`
# (returns the d-values of the predictions). One sample per column, as always.

# %% nbgrader={"grade_id": "setup"}
import json

import numpy as np

from checking import attempt, defined, entry, expect, numerical_dinputs, visible_tests

# %% nbgrader={"grade_id": "lecture"}
# The lecture's worked examples (Examples 1-3) as numbers, from the file next to this notebook.
with open("worked_examples.json", encoding="utf-8") as file:
    lecture = json.load(file)["examples"]


# %% nbgrader={"grade_id": "numerical"}
# Random values for the tests: 3 neurons, a batch of 4 samples (one per column). The tests compare each
# backward pass with finite differences of your own forward pass (numerical_dinputs, from checking.py).
rng = np.random.default_rng(13)
values = rng.normal(size=(3, 4))
dvalues = rng.normal(size=(3, 4))


# %% [markdown] nbgrader={"grade_id": "relu_text"}
# ## ReLU
#
# In Example 3 the hidden values were $u = {{ example3.forward.hidden | vec }}$. Through a ReLU only $u_1$ passes, so only
# $\partial \ell / \partial u_1$ passes back.

# %% nbgrader={"grade_id": "answer_relu", "solution": true}
class ReLU:
    """ReLU(x) = max(0, x), neuron by neuron."""

    def forward_pass(self, batch_values):
        """batch_values (n, batch) -> outputs (n, batch). Keep the inputs for backward."""
        ### BEGIN SOLUTION
        self.inputs = batch_values
        return np.maximum(0, batch_values)
        ### END SOLUTION

    def backward_pass(self, dvalues):
        """dvalues (n, batch) -> d-values for the layer before (n, batch)."""
        ### BEGIN SOLUTION
        # Gradient of ReLU is 1 for positive inputs, 0 otherwise
        self.dinputs = dvalues * (self.inputs > 0)
        return self.dinputs
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_relu", "grade": true}
relu = attempt("ReLU()", defined("ReLU"))
u = np.array(lecture["example3"]["forward"]["hidden"])
outputs = attempt("ReLU.forward_pass", relu.forward_pass, u)
expect("ReLU keeps Example 3's positive u₁", outputs[:1], u[:1], shape=True)
expect("ReLU zeroes Example 3's negative u₂ and u₃", outputs[1:], [[0], [0]], shape=True)
relu.forward_pass(values)
expect("ReLU's backward pass against finite differences of its forward pass",
       attempt("ReLU.backward_pass", relu.backward_pass, dvalues),
       numerical_dinputs(ReLU().forward_pass, values, dvalues), tol=1e-5, shape=True,
       hint="ReLU passes a d-value back where the input forward_pass saw was positive, and 0 where it was not")


# %% [markdown] nbgrader={"grade_id": "sigmoid_text"}
# ## Sigmoid

# %% nbgrader={"grade_id": "answer_sigmoid", "solution": true}
class Sigmoid:
    """sigma(x) = 1 / (1 + e^-x); its derivative comes from its own outputs."""

    def forward_pass(self, batch_values):
        """batch_values (n, batch) -> outputs (n, batch). Save the outputs for backward."""
        ### BEGIN SOLUTION
        self.outputs = 1 / (1 + np.exp(-batch_values))
        return self.outputs
        ### END SOLUTION

    def backward_pass(self, dvalues):
        """dvalues (n, batch) -> d-values (n, batch), using sigma' = sigma (1 - sigma)."""
        ### BEGIN SOLUTION
        self.dinputs = dvalues * self.outputs * (1 - self.outputs)
        return self.dinputs
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_sigmoid", "grade": true}
sigmoid = attempt("Sigmoid()", defined("Sigmoid"))
outputs = attempt("Sigmoid.forward_pass", sigmoid.forward_pass, np.zeros((2, 3)))
expect("σ(0) = 1/2", outputs, np.full((2, 3), 0.5), shape=True)
expect("σ(1) = 1 / (1 + e⁻¹) = 0.731059…", Sigmoid().forward_pass(np.ones((1, 1))), [[0.7310585786300049]], shape=True)
expect("σ'(0) = σ(0)(1 - σ(0)) = 1/4", attempt("Sigmoid.backward_pass", sigmoid.backward_pass, np.ones((2, 3))),
       np.full((2, 3), 0.25), shape=True)
expect("σ(-x) = 1 - σ(x)", Sigmoid().forward_pass(-values), 1 - Sigmoid().forward_pass(values), shape=True)
sigmoid.forward_pass(values)
expect("Sigmoid's backward pass against finite differences of its forward pass",
       attempt("Sigmoid.backward_pass", sigmoid.backward_pass, dvalues),
       numerical_dinputs(Sigmoid().forward_pass, values, dvalues), tol=1e-5, shape=True,
       hint="σ'(x) = σ(x)(1 - σ(x)), from the outputs forward_pass saved, times the d-values")


# %% [markdown] nbgrader={"grade_id": "tanh_text"}
# ## Tanh

# %% nbgrader={"grade_id": "answer_tanh", "solution": true}
class Tanh:
    """g(z) = tanh(z); another trick: g'(z) = 1 - g(z)^2."""

    def forward_pass(self, batch_values):
        """batch_values (n, batch) -> outputs (n, batch). Save the outputs for backward."""
        ### BEGIN SOLUTION
        self.outputs = np.tanh(batch_values)
        return self.outputs
        ### END SOLUTION

    def backward_pass(self, dvalues):
        """dvalues (n, batch) -> d-values (n, batch), using g' = 1 - g^2."""
        ### BEGIN SOLUTION
        self.dinputs = dvalues * (1 - self.outputs ** 2)
        return self.dinputs
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_tanh", "grade": true}
tanh = attempt("Tanh()", defined("Tanh"))
expect("tanh(0) = 0 and tanh(1) = 0.761594…", attempt("Tanh.forward_pass", tanh.forward_pass, np.array([[0.0], [1.0]])),
       [[0.0], [0.7615941559557649]], shape=True)
expect("tanh(-x) = -tanh(x)", Tanh().forward_pass(-values), -Tanh().forward_pass(values), shape=True)
tanh.forward_pass(values)
expect("Tanh's backward pass against finite differences of its forward pass",
       attempt("Tanh.backward_pass", tanh.backward_pass, dvalues),
       numerical_dinputs(Tanh().forward_pass, values, dvalues), tol=1e-5, shape=True,
       hint="g'(z) = 1 - g(z)², from the outputs forward_pass saved, times the d-values")


# %% [markdown] nbgrader={"grade_id": "softmax_text"}
# ## Softmax
#
# $\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}$ for each sample (each **column**). Subtract each
# column's maximum before `np.exp` so that large values do not overflow (the result is the same).
# Backward: each sample's Jacobian is $\mathrm{diag}(s) - s s^T$; multiply it by that sample's d-values.

# %% nbgrader={"grade_id": "answer_softmax", "solution": true}
class Softmax:
    """Softmax over each column: each sample's outputs are positive and sum to 1."""

    def forward_pass(self, batch_values):
        """batch_values (n_classes, batch) -> probabilities (n_classes, batch), columns sum to 1."""
        ### BEGIN SOLUTION
        exps = np.exp(batch_values - np.max(batch_values, axis=0, keepdims=True))
        self.outputs = exps / np.sum(exps, axis=0, keepdims=True)
        return self.outputs
        ### END SOLUTION

    def backward_pass(self, dvalues):
        """dvalues (n_classes, batch) -> d-values (n_classes, batch): per-sample Jacobian product."""
        ### BEGIN SOLUTION
        # Each sample's Jacobian diag(s) - s s^T times its d-values:
        s = self.outputs
        self.dinputs = s * (dvalues - np.sum(s * dvalues, axis=0, keepdims=True))
        return self.dinputs
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_softmax", "grade": true}
softmax = attempt("Softmax()", defined("Softmax"))
outputs = attempt("Softmax.forward_pass", softmax.forward_pass, values)
expect("each column of the softmax sums to 1", np.sum(outputs, axis=0), np.ones(values.shape[1]))
expect("the largest value of each column gets the largest probability", np.argmax(outputs, axis=0),
       np.argmax(values, axis=0))
expect("adding 1000 to every value changes nothing (and does not overflow)", Softmax().forward_pass(values + 1000),
       outputs, shape=True)
expect("Softmax's backward pass against finite differences of its forward pass",
       attempt("Softmax.backward_pass", softmax.backward_pass, dvalues),
       numerical_dinputs(Softmax().forward_pass, values, dvalues), tol=1e-5, shape=True,
       hint="each column (sample) has its own Jacobian diag(s) - s sᵀ, applied to that column's d-values")


# %% [markdown] nbgrader={"grade_id": "mse_text"}
# ## Mean squared error
#
# The mean over **all** elements (outputs × samples). This one definition gives all three lecture
# losses: $(\hat y - y)^2$ in Example 1, $\frac{1}{3}\sum$ in Example 2 and $\frac{1}{2}\sum$ in Example 3.

# %% nbgrader={"grade_id": "answer_mse", "solution": true}
class MeanSquaredError:
    """L = mean of (predictions - targets)^2 over all outputs and samples."""

    def forward_pass(self, predictions, targets):
        """predictions, targets (n_outputs, batch) -> the loss (a float)."""
        ### BEGIN SOLUTION
        self.residuals = predictions - targets
        return float(np.mean(self.residuals ** 2))
        ### END SOLUTION

    def backward_pass(self):
        """() -> d-values (n_outputs, batch): the derivative of the loss w.r.t. each prediction."""
        ### BEGIN SOLUTION
        self.dinputs = 2 * self.residuals / self.residuals.size
        return self.dinputs
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_mse", "grade": true}
MeanSquaredError = defined("MeanSquaredError")
for name in ("example1", "example2", "example3"):
    ex, loss = lecture[name], MeanSquaredError()
    value = attempt("MeanSquaredError.forward_pass", loss.forward_pass,
                    np.array(ex["forward"]["outputs"]), np.array(ex["targets"]))
    expect(f"the loss of {name}", value, ex["forward"]["loss"])
    expect(f"the d-values of {name}'s outputs", attempt("MeanSquaredError.backward_pass", loss.backward_pass),
           ex["backward"]["doutputs"], shape=True, batch=np.size(ex["targets"]))


# %% [markdown] nbgrader={"grade_id": "cce_text"}
# ## Categorical cross-entropy
#
# $L = -\frac{1}{\text{batch}} \sum_{\text{samples}} \sum_k y_k \log p_k$ where $y$ is the one-hot target.
# Accept targets as class indices `(batch,)` or one-hot `(n_classes, batch)` (the helper `one_hot`
# in the answer cell converts them; keep it). Clip the probabilities to `[1e-7, 1 - 1e-7]` so that `log(0)` never happens.

# %% nbgrader={"grade_id": "answer_cce", "solution": true}
def one_hot(targets, n_classes):
    """Class indices (batch,) -> one-hot (n_classes, batch); one-hot targets pass through."""
    targets = np.asarray(targets)
    if targets.ndim == 2:
        return targets.astype(float)
    encoded = np.zeros((n_classes, targets.size))
    encoded[targets, np.arange(targets.size)] = 1.0
    return encoded

class CategoricalCrossEntropy:
    """L = -mean over samples of sum_k y_k log p_k, with p clipped to [1e-7, 1 - 1e-7]."""

    def forward_pass(self, predictions, targets):
        """predictions: probabilities (n_classes, batch); targets: class indices (batch,) or one-hot
        (n_classes, batch). Returns the loss (a float)."""
        ### BEGIN SOLUTION
        self.targets = one_hot(targets, predictions.shape[0])
        self.predictions = np.clip(predictions, 1e-7, 1 - 1e-7)
        return float(-np.sum(self.targets * np.log(self.predictions)) / predictions.shape[1])
        ### END SOLUTION

    def backward_pass(self):
        """() -> d-values (n_classes, batch): -y / p / batch."""
        ### BEGIN SOLUTION
        self.dinputs = -self.targets / self.predictions / self.predictions.shape[1]
        return self.dinputs
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_cce", "grade": true}
loss = attempt("CategoricalCrossEntropy()", defined("CategoricalCrossEntropy"))
probabilities = np.array([[0.7, 0.1], [0.2, 0.5], [0.1, 0.4]])
value = attempt("CategoricalCrossEntropy.forward_pass", loss.forward_pass, probabilities, np.array([0, 1]))
expect("CCE with class indices: -(log 0.7 + log 0.5) / 2", value, 0.5249110622493214)
expect("CCE with one-hot targets gives the same", loss.forward_pass(probabilities, one_hot(np.array([0, 1]), 3)),
       0.5249110622493214)
expect("CCE's backward pass against finite differences of its forward pass",
       attempt("CategoricalCrossEntropy.backward_pass", loss.backward_pass),
       numerical_dinputs(lambda p: CategoricalCrossEntropy().forward_pass(p, np.array([0, 1])), probabilities, 1.0),
       tol=1e-5, shape=True, batch=2)


# %% [markdown] nbgrader={"grade_id": "softmax_cce_text"}
# ## Softmax and cross-entropy as one function
#
# `forward_pass(logits, targets)` applies the softmax to the logits (keep the probabilities in
# `self.outputs`) and returns the cross-entropy; `backward_pass()` returns the joint derivative with
# respect to the logits, `(softmax - y_one_hot) / batch`.
#
# Compute the loss from the logits with the **log-sum-exp** trick, not by clipping probabilities:
# $-\log \mathrm{softmax}(z)_k = \log \sum_j e^{z_j - m} + m - z_k$ with $m$ the column's maximum. It is
# exact however large the logits: for logits $(0, 30)$ and target 0 the loss is 30, where clipping the
# probabilities at $10^{-7}$ would give 16.1.


# %% nbgrader={"grade_id": "answer_softmax_cce", "solution": true}
class SoftmaxCrossEntropy:
    """Softmax then categorical cross-entropy as one function of the logits."""

    def forward_pass(self, logits, targets):
        """logits (n_classes, batch), targets as for CategoricalCrossEntropy -> the loss (a float).
        Keep the probabilities in self.outputs."""
        ### BEGIN SOLUTION
        top = np.max(logits, axis=0, keepdims=True)
        exps = np.exp(logits - top)
        self.outputs = exps / np.sum(exps, axis=0, keepdims=True)
        self.targets = one_hot(targets, logits.shape[0])
        log_sum = np.log(np.sum(exps, axis=0, keepdims=True)) + top
        return float(np.sum(self.targets * (log_sum - logits)) / logits.shape[1])
        ### END SOLUTION

    def backward_pass(self):
        """() -> d-values with respect to the logits (n_classes, batch)."""
        ### BEGIN SOLUTION
        self.dinputs = (self.outputs - self.targets) / self.outputs.shape[1]
        return self.dinputs
        ### END SOLUTION


# %% nbgrader={"grade_id": "test_softmax_cce", "grade": true}
combined = attempt("SoftmaxCrossEntropy()", defined("SoftmaxCrossEntropy"))
classes = np.array([0, 2, 1, 2])
value = attempt("SoftmaxCrossEntropy.forward_pass", combined.forward_pass, values, classes)
expect("the same loss as your Softmax followed by your CategoricalCrossEntropy", value,
       CategoricalCrossEntropy().forward_pass(Softmax().forward_pass(values), classes))
expect("its backward pass against finite differences of its forward pass",
       attempt("SoftmaxCrossEntropy.backward_pass", combined.backward_pass),
       numerical_dinputs(lambda z: SoftmaxCrossEntropy().forward_pass(z, classes), values, 1.0), tol=1e-5, shape=True,
       batch=values.shape[1])
expect("exact at large logits: the loss of logits (0, 30) with target 0 is 30",
       SoftmaxCrossEntropy().forward_pass(np.array([[0.0], [30.0]]), np.array([0])), 30.0)


# %%
# Space for your own experiments (not graded).
