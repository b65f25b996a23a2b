"""Assignment ``activations``: ReLU, Sigmoid, Tanh, Softmax and the losses.

What a check reads is what the notebook asks for: forward_pass's outputs, and what backward_pass
(or a loss's backward_pass) returns. Each object is used twice: a bug that keeps the first call's
values shows in the second.
"""
from __future__ import annotations

import numpy as np

import nncourse.reference as ref

from nncourse.autograder.checks import hidden, shp, values
from nncourse.autograder.feedback import Mistake, compare
from nncourse.autograder.registry import Assignment, Case, Check, Part, follow, register

ASSIGNMENT = Assignment("activations", order=3)
A = ASSIGNMENT.id
SHAPES = [(3, 4), (5, 7)]  # (features, batch)


def _activation_check(name: str, points: int, make_alternates, extreme: float | None = None):
    """forward_pass (twice) then backward_pass on random batches; ``make_alternates(x, s, dv, first)`` ->
    {"outputs": [...], "returned": [...]} as (result, message, tag)."""
    def build(rng):
        cases = []
        specs = [(values(rng, *shape), values(rng, *shape)) for shape in SHAPES]
        if extreme is not None:  # large inputs: a naive formula overflows
            x = values(rng, 4, 3, low=1.0, high=5.0)
            x[:, 1] += extreme
            specs.append((x, values(rng, 4, 3)))
        for i, (x, dv) in enumerate(specs, start=1):
            first = values(rng, *x.shape)  # an earlier forward pass of the same object
            layer = getattr(ref, name)()
            outputs = layer.forward_pass(x.copy())
            dinputs = layer.backward_pass(dv)
            stale = getattr(ref, name)()
            stale.forward_pass(first)
            alternates = make_alternates(x, outputs, dv, first)
            alternates.setdefault("returned", []).append(
                (stale.backward_pass(dv), "it used the values of the first forward_pass: keep the values of each "
                                          "call (the backward pass belongs to the last one)", "stale_inputs"))
            hint = "Subtract each column's maximum before np.exp to avoid overflow." if extreme else ""
            parts = [Part("outputs", ("outputs",), outputs, {"alternates": alternates.get("outputs", ()),
                                                            "nan_hint": hint, "nan_tag": "overflow" if hint
                                                            else "not_finite"}),
                     Part("the d-values backward_pass returned", ("returned",), dinputs,
                          {"alternates": alternates["returned"]})]

            def judge(out, parts=parts):
                verdicts = []
                for part in parts:
                    value, problem = follow(out, part.path, part.what or "the result")
                    verdicts.append(problem or compare(part.label, value, part.expected, **part.options))
                verdicts.append(Mistake("forward_pass changed the array it was given (in place); compute new "
                                        "values instead", "in_place") if out.get("inputs_changed") else None)
                return verdicts
            call = (f"{name}(): forward_pass(inputs {shp(first)}), forward_pass(inputs {shp(x)}), "
                    f"backward_pass(dvalues {shp(dv)})")
            cases.append(Case(hidden(i), "activation", {"cls": name, "inputs": x, "dvalues": dv, "earlier": first},
                              call, judge=judge))
        return cases
    return register(Check(A, name.lower(), points, (name,), build))


_sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731

_activation_check("ReLU", 4, lambda x, s, dv, first: {"returned": [
    (dv * (dv > 0), "the mask was taken from the d-values; ReLU's mask comes from the saved inputs (inputs > 0)",
     "mask_from_dvalues"),
    (dv * s, "the d-values were multiplied by the outputs; multiply by the mask (inputs > 0) instead",
     "times_outputs"),
    (dv * x, "the d-values were multiplied by the inputs; multiply by the mask (inputs > 0) instead", "times_inputs"),
    (dv * (x <= 0), "the mask is inverted: keep the d-values where the inputs are > 0", "inverted_mask"),
    (1.0 * (x > 0) + 0 * dv, "this is only the mask; multiply it by the d-values (chain rule)", "no_chain")],
    "outputs": [(np.minimum(x, 0), "this is min(0, x); ReLU(x) = max(0, x)", "min_for_max")]})

_activation_check("Sigmoid", 4, lambda x, s, dv, first: {"outputs": [
    (_sig(-x), "this is σ(-x): σ(x) = 1 / (1 + e^(-x))", "sigmoid_of_minus_x"),
    (1 / (1 + np.exp(x)), "this is σ(-x): σ(x) = 1 / (1 + e^(-x))", "sigmoid_of_minus_x")], "returned": [
    (dv * s, "the factor (1 - σ) is missing: σ' = σ(1 - σ)", "missing_factor"),
    (dv * x * (1 - x), "σ(1 - σ) was computed from the inputs; use the saved outputs σ", "from_inputs"),
    (-dv * s * (1 - s), "a sign error in σ': σ' = σ(1 - σ)", "sign"),
    (s * (1 - s) + 0 * dv, "the derivative was not multiplied by the d-values (chain rule)", "no_chain")]})

_activation_check("Tanh", 4, lambda x, s, dv, first: {"outputs": [
    (np.tanh(np.tanh(x)), "tanh was applied twice: the outputs are tanh(inputs)", "applied_twice")], "returned": [
    (dv * (1 - x * x), "1 - g² was computed from the inputs; use the saved outputs g = tanh(z)", "from_inputs"),
    (dv * (1 - s), "1 - g was used; tanh' = 1 - g²", "one_minus_g"),
    (dv * (1 - np.tanh(s) ** 2), "tanh was applied to the saved outputs again: tanh' = 1 - g², with g the "
                                 "outputs themselves", "applied_twice"),
    (1 - s * s + 0 * dv, "the derivative was not multiplied by the d-values (chain rule)", "no_chain")]})


def _softmax_alternates(x, s, dv, first):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    rows = e / e.sum(axis=1, keepdims=True)
    return {"outputs": [(rows, "normalised over the wrong axis: each column (one sample) must sum to 1", "wrong_axis")],
            "returned": [(dv * s * (1 - s), "only the Jacobian's diagonal s(1 - s) was used; each sample needs the "
                                             "full Jacobian diag(s) - s sᵀ", "jacobian_diagonal")]}


_activation_check("Softmax", 4, _softmax_alternates, extreme=800.0)


def _targets(rng, n_classes, batch, one_hot, classes=None):
    classes = rng.integers(0, n_classes, batch) if classes is None else classes
    if not one_hot:
        return classes
    y = np.zeros((n_classes, batch))
    y[classes, np.arange(batch)] = 1.0
    return y


def _loss_check(name: str, short: str, points: int, make_inputs, make_alternates, hint: str = "",
                nan_tag: str = "not_finite"):
    def build(rng):
        cases = []
        specs = make_inputs(rng)
        for i, (pred, targets) in enumerate(specs, start=1):
            earlier = specs[i % len(specs)]  # the same loss object first scores another batch
            loss = getattr(ref, name)()
            value = loss.forward_pass(pred, targets)
            dvalues = loss.backward_pass()
            alt = make_alternates(pred, targets, value, dvalues)
            stale = getattr(ref, name)()
            stale.forward_pass(*earlier)
            if np.shape(stale.backward_pass()) == np.shape(dvalues):
                alt.setdefault("dvalues", []).append(
                    (stale.backward_pass(), "backward_pass used the first call's predictions: keep those of each "
                                            "forward_pass", "stale_inputs"))
            batch = pred.shape[1]
            parts = [Part("the loss value", ("value",), value, {"want": "scalar", "batch": batch, "nan_tag": nan_tag,
                                                                 "alternates": alt.get("value", ()), "nan_hint": hint}),
                     Part("dvalues", ("dvalues",), dvalues, {"batch": batch, "nan_tag": nan_tag,
                                                            "alternates": alt.get("dvalues", ()), "nan_hint": hint})]
            targets_text = f"targets {shp(targets)}" + (" (class indices)" if np.ndim(targets) == 1 else "")
            call = (f"{name}(): forward_pass on another batch, then forward_pass(predictions {shp(pred)}, "
                    f"{targets_text}), backward_pass()")
            lacking = np.ndim(targets) == 1 and int(np.max(targets)) + 1 < pred.shape[0]
            cases.append(Case(hidden(i), "loss", {"cls": name, "predictions": pred, "targets": targets,
                                                  "earlier": list(earlier)}, call, parts,
                              hint="(This batch lacks the highest class: take the number of classes from the "
                                   "predictions' rows, not from the largest target.)" if lacking else "",
                              hint_tag="missing_class" if lacking else ""))
        return cases
    return register(Check(A, short, points, (name,), build))


def _mse_inputs(rng):
    return [(values(rng, 1, 6), values(rng, 1, 6)), (values(rng, 3, 5), values(rng, 3, 5))]


def _mse_alternates(pred, y, value, dvalues):
    n_out = pred.shape[0]
    alt = {"dvalues": [(2 * (pred - y) / pred.shape[1], "divided by the batch size only; the loss is the mean over "
                                                       "all outputs × samples (divide by the number of elements)",
                        "batch_only"),
                       (2 * (y - pred) / pred.size, "a sign error: the d-values are 2(ŷ - y) / n", "sign")]}
    if n_out > 1:
        alt["value"] = [(np.mean(np.sum((pred - y) ** 2, axis=0)), "summed over the outputs; the loss is the mean "
                                                                    "over all elements", "batch_only")]
    alt["dvalues"].append((2 * (pred - y), "not divided by the number of elements (the loss is a mean)", "not_averaged"))
    return alt


_loss_check("MeanSquaredError", "mse", 4, _mse_inputs, _mse_alternates)


def _probabilities(rng, n, batch):
    p = rng.uniform(0.05, 1.0, (n, batch))
    return p / p.sum(axis=0, keepdims=True)


def _cce_inputs(rng):
    p1, p2, p3 = _probabilities(rng, 3, 6), _probabilities(rng, 4, 5), _probabilities(rng, 3, 4)
    y3 = _targets(rng, 3, 4, one_hot=True)
    p3[:, 0] = 0.0  # a confident wrong answer: the true class has probability exactly 0
    p3[(np.argmax(y3[:, 0]) + 1) % 3, 0] = 1.0
    lacking = rng.permutation(np.resize(np.arange(3), 6))  # class indices of 4 classes, the last one absent
    return [(p1, _targets(rng, 3, 6, one_hot=True)), (p2, _targets(rng, 4, 5, one_hot=False)), (p3, y3),
            (_probabilities(rng, 4, 6), lacking)]


def _cce_alternates(pred, y, value, dvalues):
    n_classes, batch = pred.shape
    p = np.clip(pred, 1e-7, 1 - 1e-7)
    onehot = y if np.ndim(y) == 2 else np.eye(n_classes)[:, np.asarray(y)]
    return {"value": [(-np.sum(onehot * np.log(p)) / (n_classes * batch), "it is a mean over the classes as well "
                       "as the samples; sum over the classes, then average over the batch", "mean_over_classes")],
            "dvalues": [(-onehot / p / (n_classes * batch), "it is divided by the number of elements; divide by "
                         "the batch size only", "mean_over_classes")]}


_loss_check("CategoricalCrossEntropy", "cce", 4, _cce_inputs, _cce_alternates,
            hint="Clip the probabilities to [1e-7, 1 - 1e-7] before dividing or taking the log.", nan_tag="no_clip")


def _softmax_cce_inputs(rng):
    extreme = np.array([[0.0, 1.0, -2.0], [30.0, 2.0, 40.0], [5.0, -1.0, 0.0]])  # log-sum-exp stays exact here
    return [(values(rng, 3, 6) * 3, _targets(rng, 3, 6, one_hot=True)),
            (values(rng, 4, 5) * 3, _targets(rng, 4, 5, one_hot=False)),
            (extreme, np.array([0, 1, 0]))]


def _softmax_cce_alternates(pred, y, value, dvalues):
    e = np.exp(pred - pred.max(axis=0, keepdims=True))
    s = e / e.sum(axis=0, keepdims=True)
    onehot = y if np.ndim(y) == 2 else np.eye(pred.shape[0])[:, np.asarray(y)]
    clipped = float(-np.sum(onehot * np.log(np.clip(s, 1e-7, 1 - 1e-7))) / pred.shape[1])
    return {"dvalues": [(s + 0 * dvalues, "this is the softmax itself; subtract the one-hot targets: "
                                          "(softmax - y) / batch", "softmax_itself")],
            "value": [(clipped, "the probabilities were clipped, so the loss is wrong at large logits: compute it "
                                "from the logits with log-sum-exp", "clipped")]}


_loss_check("SoftmaxCrossEntropy", "softmax_cce", 6, _softmax_cce_inputs, _softmax_cce_alternates)
