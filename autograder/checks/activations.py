"""Assignment ``activations``: ReLU, Sigmoid, Tanh, Softmax and the losses."""
from __future__ import annotations

import numpy as np

import nncourse.reference as ref

from nncourse.autograder.registry import Assignment, Case, Check, Part, register
from nncourse.autograder.checks import hidden, shp, values

ASSIGNMENT = Assignment("activations", order=3)
A = ASSIGNMENT.id
SHAPES = [(3, 4), (5, 7)]  # (features, batch)


def _activation_check(name: str, points: int, make_alternates, extreme: float | None = None):
    """forward_pass then backward_pass on random batches; ``make_alternates(x, s, dv)`` -> {part: [...]}."""
    def build(rng):
        cases = []
        specs = [(values(rng, *shape), values(rng, *shape)) for shape in SHAPES]
        if extreme is not None:  # large inputs: a naive formula overflows
            x = values(rng, 4, 3, low=1.0, high=5.0)
            x[:, 1] += extreme
            specs.append((x, values(rng, 4, 3)))
        for i, (x, dv) in enumerate(specs, start=1):
            layer = getattr(ref, name)()
            outputs = layer.forward_pass(x.copy())
            dinputs = layer.backward_pass(dv)
            alternates = make_alternates(x, outputs, dv)
            hint = "Subtract each column's maximum before np.exp to avoid overflow." if extreme else ""
            parts = [Part("outputs", ("outputs",), outputs, {"alternates": alternates.get("outputs", ()),
                                                            "nan_hint": hint}),
                     Part("dinputs", ("dinputs",), dinputs, {"alternates": alternates.get("dinputs", ())},
                          what="the layer"),
                     Part("the value backward_pass returned", ("returned",), dinputs)]

            def judge(out, parts=parts):
                from nncourse.autograder.registry import Assignment, follow
                from nncourse.autograder.feedback import compare
                verdicts = []
                for part in parts:
                    value, problem = follow(out, part.path, part.what or "the result")
                    verdicts.append(problem or compare(part.label, value, part.expected, **part.options))
                verdicts.append("forward_pass changed the array it was given (in place); compute new values "
                                "instead" if out.get("inputs_changed") else None)
                return verdicts
            call = f"{name}(): forward_pass(inputs {shp(x)}), backward_pass(dvalues {shp(dv)})"
            cases.append(Case(hidden(i), "activation", {"cls": name, "inputs": x, "dvalues": dv}, call, judge=judge))
        return cases
    return register(Check(A, name.lower(), points, (name,), build))


_activation_check("ReLU", 4, lambda x, s, dv: {"dinputs": [
    (dv * (dv > 0), "the mask was taken from the d-values; ReLU's mask comes from the saved inputs "
                    "(inputs > 0)"),
    (dv * s, "the d-values were multiplied by the outputs; multiply by the mask (inputs > 0) instead"),
    (dv * x, "the d-values were multiplied by the inputs; multiply by the mask (inputs > 0) instead"),
    (dv * (x <= 0), "the mask is inverted: keep the d-values where the inputs are > 0"),
    (1.0 * (x > 0) + 0 * dv, "this is only the mask; multiply it by the d-values")]})

_sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
_activation_check("Sigmoid", 4, lambda x, s, dv: {"dinputs": [
    (dv * s, "the factor (1 - σ) is missing: σ' = σ(1 - σ)"),
    (dv * x * (1 - x), "σ(1 - σ) was computed from the inputs; use the saved outputs σ"),
    (s * (1 - s) + 0 * dv, "the derivative was not multiplied by the d-values (chain rule)")]})

_activation_check("Tanh", 4, lambda x, s, dv: {"dinputs": [
    (dv * (1 - x * x), "1 - g² was computed from the inputs; use the saved outputs g = tanh(z)"),
    (dv * (1 - s), "1 - g was used; tanh' = 1 - g²"),
    (1 - s * s + 0 * dv, "the derivative was not multiplied by the d-values (chain rule)")]})


def _softmax_alternates(x, s, dv):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    rows = e / e.sum(axis=1, keepdims=True)
    return {"outputs": [(rows, "normalised over the wrong axis: each column (one sample) must sum to 1")],
            "dinputs": [(dv * s * (1 - s), "only the Jacobian's diagonal s(1 - s) was used; each sample needs "
                                           "the full Jacobian diag(s) - s sᵀ")]}


_activation_check("Softmax", 4, _softmax_alternates, extreme=800.0)


def _targets(rng, n_classes, batch, one_hot):
    classes = rng.integers(0, n_classes, batch)
    if not one_hot:
        return classes
    y = np.zeros((n_classes, batch))
    y[classes, np.arange(batch)] = 1.0
    return y


def _loss_check(name: str, short: str, points: int, make_inputs, make_alternates):
    def build(rng):
        cases = []
        for i, (pred, targets) in enumerate(make_inputs(rng), start=1):
            loss = getattr(ref, name)()
            value = loss.forward_pass(pred, targets)
            dvalues = loss.backward_pass()
            alt = make_alternates(pred, targets, value, dvalues)
            batch = pred.shape[1]
            hint = "Clip the probabilities to [1e-7, 1 - 1e-7] before dividing or taking the log."
            parts = [Part("the loss value", ("value",), value,
                          {"want": "scalar", "batch": batch, "alternates": alt.get("value", ()), "nan_hint": hint}),
                     Part("dvalues", ("dvalues",), dvalues,
                          {"batch": batch, "alternates": alt.get("dvalues", ()), "nan_hint": hint})]
            targets_text = f"targets {shp(targets)}" + (" (class indices)" if np.ndim(targets) == 1 else "")
            call = f"{name}(): forward_pass(predictions {shp(pred)}, {targets_text}), backward_pass()"
            cases.append(Case(hidden(i), "loss", {"cls": name, "predictions": pred, "targets": targets}, call, parts))
        return cases
    return register(Check(A, short, points, (name,), build))


def _mse_inputs(rng):
    return [(values(rng, 1, 6), values(rng, 1, 6)), (values(rng, 3, 5), values(rng, 3, 5))]


def _mse_alternates(pred, y, value, dvalues):
    n_out = pred.shape[0]
    alt = {"dvalues": [(2 * (pred - y) / pred.shape[1], "divided by the batch size only; the loss is the mean over "
                                                       "all outputs × samples (divide by the number of elements)")]}
    if n_out > 1:
        alt["value"] = [(np.mean(np.sum((pred - y) ** 2, axis=0)), "summed over the outputs; the loss is the mean "
                                                                    "over all elements")]
    alt["dvalues"].append((2 * (pred - y), "not divided by the number of elements (the loss is a mean)"))
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
    return [(p1, _targets(rng, 3, 6, one_hot=True)), (p2, _targets(rng, 4, 5, one_hot=False)), (p3, y3)]


def _cce_alternates(pred, y, value, dvalues):
    return {"value": [], "dvalues": []}


_loss_check("CategoricalCrossEntropy", "cce", 4, _cce_inputs, _cce_alternates)


def _softmax_cce_inputs(rng):
    return [(values(rng, 3, 6) * 3, _targets(rng, 3, 6, one_hot=True)),
            (values(rng, 4, 5) * 3, _targets(rng, 4, 5, one_hot=False))]


def _softmax_cce_alternates(pred, y, value, dvalues):
    e = np.exp(pred - pred.max(axis=0, keepdims=True))
    s = e / e.sum(axis=0, keepdims=True)
    return {"dvalues": [(s + 0 * dvalues, "this is the softmax itself; subtract the one-hot targets: "
                                          "(softmax - y) / batch")]}


_loss_check("SoftmaxCrossEntropy", "softmax_cce", 6, _softmax_cce_inputs, _softmax_cce_alternates)
