"""Assignment ``gradients``: the chain rule by hand (Examples 1-3) and in code."""
from __future__ import annotations

import numpy as np

from nncourse.reference import Dense, MeanSquaredError, Network
from nncourse.reference.examples import example, example_network

from nncourse.autograder.feedback import Mistake
from nncourse.autograder.registry import Assignment, Case, Check, Part, register
from nncourse.autograder.checks import hidden, shp, values

ASSIGNMENT = Assignment("gradients", order=1)
A = ASSIGNMENT.id


def _by_hand(name: str, fields: dict[str, tuple], alternates: dict | None = None):
    """A check of a dict of hand-computed numbers: field -> (expected, want)."""
    alternates = alternates or {}

    def build(rng):
        parts = [Part(key, ("value", key), expected, {"want": want, "alternates": alternates.get(key, ())},
                      what=f"`{name}`") for key, (expected, want) in fields.items()]
        return [Case(f"the lecture's {name.replace('example', 'Example ')}", "value", {"name": name},
                     f"your `{name}` dict", parts)]
    return build


def _mse_backward(weights_biases, inputs, targets):
    """The reference's forward/backward through Dense layers (no activation)."""
    layers = [Dense.from_arrays(w, b) for w, b in weights_biases]
    network, loss = Network(layers), MeanSquaredError()
    outputs = network.forward_pass(inputs)
    value = loss.forward_pass(outputs, targets)
    network.backward_pass(loss.backward_pass())
    return outputs, value, loss.dinputs, layers


def _example1():
    ex = example("example1")
    grads = ex["backward"]["layers"][0]
    update = ex["update"]["layers"][0]
    new_w = np.ravel(update["weights"])
    slide = new_w.copy()
    slide[0] = -slide[0]
    return {
        "yhat": (ex["forward"]["outputs"][0][0], "scalar"),
        "loss": (ex["forward"]["loss"], "scalar"),
        "dL_dyhat": (ex["backward"]["doutputs"][0][0], "scalar"),
        "dweights": (np.ravel(grads["dweights"]), "numbers"),
        "dbias": (grads["dbiases"][0][0], "scalar"),
        "new_weights": (new_w, "numbers"),
        "new_bias": (update["biases"][0][0], "scalar"),
        "new_loss": (ex["update"]["loss"], "scalar"),
    }, {"new_weights": [(slide, "that is the slide's typo (-0.098); w₁ = 0.1 - 0.01·0.2 = 0.098", "slide_typo")]}


def _example2():
    ex = example("example2")
    grads = ex["backward"]["layers"][0]
    gradient = np.concatenate([np.ravel(grads["dweights"]), np.ravel(grads["dbiases"])])
    slide = gradient.copy()
    slide[0] = -slide[0]
    return {
        "yhat": (np.ravel(ex["forward"]["outputs"]), "numbers"),
        "loss": (ex["forward"]["loss"], "scalar"),
        "dL_dyhat": (np.ravel(ex["backward"]["doutputs"]), "numbers"),
        "gradient": (gradient, "numbers"),
    }, {"gradient": [(slide, "the first entry has the slide's typo (+4/3); -2/3 + 1/3 - 1 = -4/3", "slide_typo")]}


def _example3():
    network, inputs, targets, loss = example_network("example3")
    outputs = network.forward_pass(inputs)
    value = loss.forward_pass(outputs, targets)
    network.backward_pass(loss.backward_pass())
    dense = network.trainable_layers
    dw = np.concatenate([l.dweights.flatten(order="F") for l in dense])
    dw_rows = np.concatenate([l.dweights.flatten(order="C") for l in dense])
    db = np.concatenate([l.dbiases.ravel() for l in dense])
    return {
        "outputs": (outputs.ravel(), "numbers"),
        "loss": (value, "scalar"),
        "dL_dw": (dw, "numbers"),
        "dL_db": (db, "numbers"),
    }, {"dL_dw": [(dw_rows, "the d-weights are numbered row by row; the lecture numbers each layer's "
                            "weights column by column (w1 = x1→u1, w2 = x1→u2, w3 = x1→u3, w4 = x2→u1, …)",
                   "numbered_by_rows")],
        "loss": [(29.0, "29 is the slide's erratum (another forward pass); use ŷ = -21, ẑ = -2", "slide_typo"),
                 (27.5, "27.5 is the slide's erratum (another forward pass); use ŷ = -21, ẑ = -2", "slide_typo")]}


def _dict_check(name, points, make, what):
    fields, alternates = make()
    return register(Check(A, name, points, (name,), _by_hand(name, fields, alternates), what))


_dict_check("example1", 3, _example1, "Example 1 by hand")
_dict_check("example2", 3, _example2, "Example 2 by hand")
_dict_check("example3", 4, _example3, "Example 3 by hand")


def _returned(name: str, labels: list[str], expected: list, batch: int | None = None, wants=None,
              alternates=None) -> list[Part]:
    wants = wants or ["array"] * len(labels)
    alternates = alternates or {}
    return [Part(label, ("result", i), exp, {"want": want, "batch": batch, "alternates": alternates.get(label, ())},
                 what=f"what `{name}` returned") for i, (label, exp, want) in enumerate(zip(labels, expected, wants))]


def _neuron_cases(rng):
    ex = example("example1")
    cases = [(np.ravel(ex["inputs"]), float(ex["targets"][0][0]), np.ravel(ex["layers"][0]["weights"]),
              float(ex["layers"][0]["biases"][0][0]), "the lecture's Example 1")]
    for i in range(1, 4):
        n = int(rng.integers(2, 7))
        cases.append((values(rng, n), float(values(rng)), values(rng, n), float(values(rng)), hidden(i)))
    out = []
    for x, y, w, b, label in cases:
        _, _, _, (layer,) = _mse_backward([(w[None, :], [b])], x[:, None], np.array([[y]]))
        dw, db = layer.dweights.ravel(), float(layer.dbiases[0, 0])
        no_bias = 2 * (np.dot(w, x) - y)
        alternates = {"dw": [(no_bias * x, "ŷ lacks the bias: ŷ = w·x + b", "bias_missing"),
                             (2 * (np.dot(w, x) + b - y) * w, "it is multiplied by the weights; ∂ŷ/∂wᵢ = xᵢ",
                              "weights_for_inputs")],
                      "db": [(no_bias, "ŷ lacks the bias: ŷ = w·x + b", "bias_missing")]}
        call = f"neuron_gradient(x {shp(x)}, y={y:.4g}, w {shp(w)}, b={b:.4g})"
        out.append(Case(label, "call", {"name": "neuron_gradient", "args": [x, y, w, b]}, call,
                        _returned("neuron_gradient", ["dw", "db"], [dw, db], wants=["array", "scalar"],
                                  alternates=alternates)))
    return out


register(Check(A, "neuron_gradient", 2, ("neuron_gradient",), _neuron_cases, "one neuron, one sample"))


def _batch_cases(rng):
    ex = example("example2")
    cases = [(np.array(ex["inputs"]), np.ravel(ex["targets"]), np.ravel(ex["layers"][0]["weights"]),
              float(ex["layers"][0]["biases"][0][0]), "the lecture's Example 2")]
    for i in range(1, 4):
        n, batch = int(rng.integers(2, 6)), int(rng.integers(6, 12))
        cases.append((values(rng, n, batch), values(rng, batch), values(rng, n), float(values(rng)), hidden(i)))
    out = []
    for X, y, w, b, label in cases:
        _, _, _, (layer,) = _mse_backward([(w[None, :], [b])], X, y[None, :])
        dw, db = layer.dweights.ravel(), float(layer.dbiases[0, 0])
        n, batch = X.shape
        residual = w @ X + b - y
        by_rows = 2 * residual / n
        no_bias = 2 * (w @ X - y) / batch
        rows = (f"it is divided by the number of rows of X ({n}, the inputs) instead of the batch size "
                f"({batch}, its columns)")
        alternates = {"dw": [(X @ by_rows, rows, "rows_for_batch"), (X @ no_bias, "ŷ lacks the bias: ŷ = w·X + b",
                                                                      "bias_missing")],
                      "db": [(np.sum(by_rows), rows, "rows_for_batch"),
                             (np.sum(no_bias), "ŷ lacks the bias: ŷ = w·X + b", "bias_missing")]}
        call = f"batch_gradient(X {shp(X)}, y {shp(y)}, w {shp(w)}, b={b:.4g})"
        out.append(Case(label, "call", {"name": "batch_gradient", "args": [X, y, w, b]}, call,
                        _returned("batch_gradient", ["dw", "db"], [dw, db], batch=batch,
                                  wants=["array", "scalar"], alternates=alternates)))
    return out


register(Check(A, "batch_gradient", 3, ("batch_gradient",), _batch_cases, "one neuron, a batch"))


def _two_layer_cases(rng):
    network, inputs, targets, _ = example_network("example3")
    hidden_layer, output_layer = network.trainable_layers
    cases = [(inputs, targets, hidden_layer.weights, hidden_layer.biases, output_layer.weights,
              output_layer.biases, "the lecture's Example 3")]
    for i, (n_in, n_hidden, n_out, batch) in enumerate([(3, 4, 2, 5), (4, 6, 3, 7)], start=1):
        cases.append((values(rng, n_in, batch), values(rng, n_out, batch), values(rng, n_hidden, n_in),
                      values(rng, n_hidden, 1), values(rng, n_out, n_hidden), values(rng, n_out, 1), hidden(i)))
    out = []
    for X, Y, W1, b1, W2, b2, label in cases:
        _, _, _, (l1, l2) = _mse_backward([(W1, b1), (W2, b2)], X, Y)
        expected = [l1.dweights, l1.dbiases, l2.dweights, l2.dbiases]
        n_out, batch = Y.shape
        alternates = {k: [] for k in ["dW1", "db1", "dW2", "db2"]}
        if n_out > 1:
            note = (f"is {n_out} times too large: it was divided by the batch size only; the loss is the mean "
                    f"over all n_out × batch = {n_out * batch} elements")
            for k, e in zip(["dW1", "db1", "dW2", "db2"], expected):
                alternates[k].append((e * n_out, note, "batch_only"))
        H = W1 @ X + b1
        dY = 2 * (W2 @ H + b2 - Y) / Y.size
        alternates["dW2"].append((H @ dY.T, "it is H · dYᵀ, the transpose of the rule: d-weights = d-values · "
                                            "inputsᵀ", "transposed"))
        no_bias = 2 * (W2 @ (W1 @ X) - Y) / Y.size
        alternates["dW2"].append((no_bias @ (W1 @ X).T, "the biases were left out of the forward pass: "
                                                        "H = W1 X + b1, Ŷ = W2 H + b2", "bias_missing"))
        call = (f"two_layer_gradients(X {shp(X)}, Y {shp(Y)}, W1 {shp(W1)}, b1 {shp(b1)}, "
                f"W2 {shp(W2)}, b2 {shp(b2)})")
        out.append(Case(label, "call", {"name": "two_layer_gradients", "args": [X, Y, W1, b1, W2, b2]}, call,
                        _returned("two_layer_gradients", ["dW1", "db1", "dW2", "db2"], expected,
                                  batch=n_out * batch, alternates=alternates)))
    return out


register(Check(A, "two_layer_gradients", 3, ("two_layer_gradients",), _two_layer_cases, "two layers"))


def _step_cases(rng):
    ex = example("example1")
    grads = ex["backward"]["layers"][0]
    w, b = np.ravel(ex["layers"][0]["weights"]), float(ex["layers"][0]["biases"][0][0])
    dw, db = np.ravel(grads["dweights"]), float(grads["dbiases"][0][0])
    specs = [(w, b, dw, db, None, "the lecture's Example 1 (default learning rate)")]
    for i in range(1, 3):
        specs.append((values(rng, 3, 4), values(rng, 3, 1), values(rng, 3, 4), values(rng, 3, 1),
                      float(rng.choice([0.05, 0.2])), hidden(i)))
    out = []
    for w, b, dw, db, lr, label in specs:
        eta = 0.01 if lr is None else lr
        layer = Dense.from_arrays(np.array(w, ndmin=2), np.array(b).reshape(-1, 1))
        layer.dweights, layer.dbiases = np.array(dw, ndmin=2), np.array(db).reshape(-1, 1)
        from nncourse.reference import SGD
        SGD(learning_rate=eta).step([layer])
        new_w, new_b = layer.weights.reshape(np.shape(w)), layer.biases.reshape(np.shape(b))
        want_b = "scalar" if np.ndim(b) == 0 else "array"
        alternates = {"new_w": [(w + eta * np.asarray(dw), "moved uphill (w + η·dw); a descent step subtracts: "
                                                           "w - η·dw", "uphill"),
                                (w - np.asarray(dw), "the learning rate is missing: w - η·dw", "no_learning_rate")],
                      "new_b": [(b + eta * np.asarray(db), "moved uphill (b + η·db); a descent step subtracts", "uphill")]}
        if lr is not None:
            alternates["new_w"].append((w - 0.01 * np.asarray(dw), "the learning_rate argument was ignored "
                                                                  "(0.01 was used)", "ignores_learning_rate"))
        kwargs = {} if lr is None else {"learning_rate": lr}
        lr_text = "" if lr is None else f", learning_rate={lr}"
        call = f"gradient_descent_step(w {shp(w)}, b {shp(b)}, dw {shp(dw)}, db {shp(db)}{lr_text})"
        parts = _returned("gradient_descent_step", ["new_w", "new_b"], [new_w, new_b],
                          wants=["numbers" if np.ndim(w) == 1 else "array", want_b], alternates=alternates)

        def judge(out, parts=parts):
            from nncourse.autograder.feedback import compare
            from nncourse.autograder.registry import follow
            verdicts = []
            for part in parts:
                value, problem = follow(out, part.path, part.what)
                verdicts.append(problem or compare(part.label, value, part.expected, **part.options))
            changed = out.get("changed") or []
            verdicts.append(Mistake("it changed the arrays it was given (in place); return new values instead",
                                    "in_place") if changed else None)
            return verdicts
        out.append(Case(label, "call", {"name": "gradient_descent_step", "args": [w, b, dw, db], "kwargs": kwargs},
                        call, judge=judge))
    return out


register(Check(A, "gradient_descent_step", 2, ("gradient_descent_step",), _step_cases, "one descent step"))
