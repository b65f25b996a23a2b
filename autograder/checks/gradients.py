"""Assignment ``gradients``: the chain rule by hand (Examples 1-3) and in code."""
from __future__ import annotations

import numpy as np

from nncourse.reference import Dense, MeanSquaredError, Network
from nncourse.reference.examples import example, example_network

from nncourse.assignments.checking import decode, numbers_index
from nncourse.autograder.exam.bounds import Degenerate
from nncourse.autograder.exam.grading import mark
from nncourse.autograder.exam.kinds import kind
from nncourse.autograder.feedback import Mistake, type_text
from nncourse.autograder.own_numbers import FORMS, lecture_params
from nncourse.autograder.registry import Assignment, Case, Check, Part, Partial, register
from nncourse.autograder.checks import hidden, shp, values

ASSIGNMENT = Assignment("gradients", order=1, own_numbers={
    "example1": "gd_step", "example2": "batch_gradient", "example3": "two_layer"})
A = ASSIGNMENT.id

#: Each by-hand dict's entries -> the exam kind's items they hold, in order (dL/db1..3 of Example 3
#: are the hidden neurons' d-values: without an activation they are the same numbers).
BY_HAND = {
    "example1": {"yhat": ["yhat"], "loss": ["L"], "dL_dyhat": ["dyhat"], "dweights": ["dw1", "dw2", "dw3"],
                 "dbias": ["db1"], "new_weights": ["w1_new", "w2_new", "w3_new"], "new_bias": ["b1_new"],
                 "new_loss": ["L_new"]},
    "example2": {"yhat": ["yhat1", "yhat2", "yhat3"], "loss": ["L"], "dL_dyhat": ["dyhat1", "dyhat2", "dyhat3"],
                 "gradient": ["dw1", "dw2", "dw3", "db1"]},
    "example3": {"outputs": ["yhat", "zhat"], "loss": ["L"], "dL_dw": [f"dw{k}" for k in range(1, 13)],
                 "dL_db": ["du1", "du2", "du3", "db4", "db5"]},
}

#: The slides' own slips, recognised where a student works the lecture's numbers: item -> (value, why).
SLIDE_SLIPS = {
    "example1": {"w1_new": (-0.098, "that is the slide's typo (-0.098); w₁ = 0.1 - 0.01·0.2 = 0.098")},
    "example2": {"dw1": (4 / 3, "that is the slide's typo (+4/3); -2/3 + 1/3 - 1 = -4/3")},
    "example3": {"L": (29.0, "29 is the slide's erratum (another forward pass); use ŷ = -21, ẑ = -2")},
}


def _example_label(example: str) -> str:
    return example.replace("example", "Example ")


def _versions(example: str, student):
    """(the case's label, the params, whether they are the student's own) for the by-hand check: the
    student's own numbers, or the lecture's where there is no id."""
    kind_name = ASSIGNMENT.own_numbers[example]
    own = student.params(example) if student.id else None
    if own is not None:
        return f"your {_example_label(example)} (the numbers for the id {student.id!r})", own, True
    return f"the lecture's {_example_label(example)}", lecture_params(example, kind_name), False


def _by_hand(example: str):
    """The by-hand check of ``example``: each number the notebook asks for is one item, marked as the
    exam grader marks it (the exam's tolerance, error carried forward from the student's own earlier
    numbers), on the submission's own numbers."""
    kind_name, fields = ASSIGNMENT.own_numbers[example], BY_HAND[example]
    asked = [name for names in fields.values() for name in names]

    def build(rng, student):
        label, params, own = _versions(example, student)
        items, values = _items(kind_name, params, asked, strict=own)
        named = {item: [(value, f"matches a typical slip: {why}", _tag(why)) for why, value in wrongs.items()]
                 for item, wrongs in kind(kind_name).mistakes(params, values).items()}
        if not own:
            for item, (value, why) in SLIDE_SLIPS[example].items():
                named.setdefault(item, []).insert(0, (value, why, "slide_typo"))

        def judge(outputs):
            answers, problems = _read(example, fields, outputs.get("value"))
            if problems:
                return Partial(0.0, problems)
            marked = mark(kind_name, params, items, {f"P1.{k}": v for k, v in answers.items()}, carry_forward=True)
            credited = sum(verdict in ("right", "carried") for _, verdict in marked) / len(items)
            wrong = [item["name"][3:] for item, verdict in marked if verdict in ("wrong", "blank")]
            if not wrong:
                return Partial(1.0, [])
            theirs = _whose(example, kind_name, student, answers, credited) if own else None
            if theirs:  # consistent with someone else's numbers earns nothing: they are not the student's work
                return Partial(0.0, [theirs])
            messages = _wrong_items(example, fields, wrong, answers, named, own)
            carried = sum(verdict == "carried" for _, verdict in marked)
            if carried:
                messages.append(Mistake(f"{carried} later number(s) follow correctly from yours and count "
                                        f"(error carried forward)", "carried_forward"))
            return Partial(credited, messages)
        return [Case(label, "value", {"name": example}, f"your `{example}` dict", judge=judge)]
    return build


def _items(kind_name: str, params, asked: list[str], strict: bool):
    k = kind(kind_name)
    values = k.solve(params)
    try:
        problem = k.build(1, params, values, strict=strict)
    except Degenerate:  # a version the exam would redraw: mark it with the lecture's rule
        problem = k.build(1, params, values, strict=False)
    by_name = {item.name[3:]: item.to_json() for item in problem.items}
    return [by_name[name] for name in asked], values


def _read(example: str, fields: dict, value) -> tuple[dict[str, float], list]:
    """The student's numbers by item name, or the messages that say why they cannot be read."""
    if not isinstance(value, dict):
        return {}, [Mistake(f"`{example}` should be a dict with the keys {', '.join(map(repr, fields))}; "
                            f"it is {type_text(value)}", "wrong_type")]
    answers, problems = {}, []
    for key, names in fields.items():
        where = f"`{example}[{key!r}]`"
        if key not in value:
            problems.append(Mistake(f"`{example}` has no key {key!r}", "missing"))
            continue
        if value[key] is None or getattr(value[key], "type_name", "") == "ellipsis":  # (the driver's Opaque)
            problems.append(Mistake(f"{where} is still empty: fill in your number(s)", "empty"))
            continue
        try:
            numbers = np.asarray(value[key], dtype=float).ravel()
        except (TypeError, ValueError):
            problems.append(Mistake(f"{where} should be {_count(len(names))}; it is {type_text(value[key])}",
                                    "wrong_type"))
            continue
        if numbers.size != len(names):
            problems.append(Mistake(f"{where} should hold {_count(len(names))}; it holds {numbers.size}", "shape"))
            continue
        for name, number in zip(names, numbers):
            if np.isfinite(number):
                answers[name] = float(number)
    return answers, problems


def _count(n: int) -> str:
    return "one number" if n == 1 else f"{n} numbers"


def _entry(example: str, fields: dict, item: str) -> str:
    """Where the item is in the student's dict: `example1['dweights'][2]`."""
    for key, names in fields.items():
        if item in names:
            return f"`{example}[{key!r}]" + ("`" if len(names) == 1 else f"[{names.index(item)}]`")
    return item


def _tag(why: str) -> str:
    """A named mistake's tag for the reports: "the factor 2 left out" -> "factor_2_left_out"."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in why.lower()).split() if w not in ("the", "a")]
    return "_".join(words)[:40] or "named"


def _wrong_items(example: str, fields: dict, wrong: list[str], answers: dict[str, float], named: dict,
                 own: bool) -> list[Mistake]:
    """One message per distinct reason (at most three), each at the first number it explains."""
    whose = "your numbers" if own else "the lecture's numbers"
    reasons: dict[str, list] = {}
    for item in wrong:
        if item not in answers:
            why, tag = "is not a finite number", "not_finite"
        else:
            found = [(w, t) for value, w, t in named.get(item, ())
                     if abs(float(value) - answers[item]) <= 1e-6 * max(1.0, abs(float(value)))]
            why, tag = found[0] if found else (f"is not right for {whose}, nor does it follow from your "
                                               f"earlier numbers", "differs")
        reasons.setdefault(why, [tag, []])[1].append(item)
    out = []
    for why, (tag, items) in list(reasons.items())[:3]:
        first = items[0]
        value = f" = {answers[first]:.6g}" if first in answers else ""
        more = f" (and {len(items) - 1} more like it)" if len(items) > 1 else ""
        sep = ": " if why.startswith(("that is", "29")) else " "
        out.append(Mistake(f"{_entry(example, fields, first)}{value}{more}{sep}{why}", tag))
    return out


def _whose(example: str, kind_name: str, student, answers: dict[str, float], credited: float) -> Mistake | None:
    """When wrong answers fit someone else's numbers better than the student's own (the lecture's, the
    id typed in the notebook, any other drawn version: a classmate's): the message that says so."""
    asked = [name for names in BY_HAND[example].values() for name in names]
    table = _answer_table(example, kind_name, student.pool)
    given = np.array([answers.get(name, np.nan) for name in asked])
    with np.errstate(invalid="ignore"):
        fits = np.mean(np.abs(table - given) <= 1e-3 + 1e-3 * np.abs(table), axis=1)  # the exam's widest tolerance
    versions = len(table) - 1  # the last row is the lecture's
    fits[_index(example, student, student.id)] = 0.0
    best = int(np.argmax(fits))
    if fits[best] <= credited or fits[best] < 0.75:
        return None
    yours = f"your own numbers (id {student.id!r}, printed near the top of the notebook)"
    if best == versions:
        text = f"these are the answers for the lecture's numbers, not for yours: work it out with {yours}"
    elif student.typed and student.typed.casefold() != student.id.casefold() and best == _index(
            example, student, student.typed):
        text = (f"these answers are right for the numbers of {student.typed!r}, the id typed in your notebook, but "
                f"this is the work of {student.id!r}: type your own id, run the notebook again and work it out "
                f"with {yours}")
    else:
        text = (f"these answers are right for another student's numbers, not for yours (each student has "
                f"their own): work it out with {yours}")
    return Mistake(text, "not_your_numbers")


_TABLES: dict[tuple, np.ndarray] = {}  # (example, the pool's versions) -> every version's answers


def _answer_table(example: str, kind_name: str, pool) -> np.ndarray:
    """The right answer to every number the notebook asks for, for each drawn version and (last row)
    the lecture's: solving them all takes about 0.3 s per example, once per process."""
    spec = pool["examples"][example]
    key = (example, len(spec["versions"]), tuple(spec["versions"][0]), tuple(spec["versions"][-1]), tuple(spec["lecture"]))
    if key not in _TABLES:
        k, asked = kind(kind_name), [name for names in BY_HAND[example].values() for name in names]
        rows = []
        for flat in [*spec["versions"], spec["lecture"]]:
            params = FORMS[kind_name].to_params(decode(spec, flat))
            values, specs = k.solve(params), {s.name: s for s in k.cached_specs(params)}
            rows.append([float(values[specs[n].array][specs[n].index]) for n in asked])
        _TABLES[key] = np.array(rows)
    return _TABLES[key]


def _index(example: str, student, student_id: str) -> int:
    spec = student.pool["examples"][example]
    return numbers_index(student.pool["assignment"], example, student_id, len(spec["versions"]))


for _example, _points in (("example1", 3), ("example2", 3), ("example3", 4)):
    register(Check(A, _example, _points, (_example,), _by_hand(_example), f"{_example_label(_example)} by hand",
                   per_student=True))


def _mse_backward(weights_biases, inputs, targets):
    """The reference's forward/backward through Dense layers (no activation)."""
    layers = [Dense.from_arrays(w, b) for w, b in weights_biases]
    network, loss = Network(layers), MeanSquaredError()
    outputs = network.forward_pass(inputs)
    value = loss.forward_pass(outputs, targets)
    network.backward_pass(loss.backward_pass())
    return outputs, value, loss.dinputs, layers


def _own(student, example: str):
    """(label, params) of the student's own version of ``example``, or None (no id, no own numbers)."""
    params = student.params(example) if student.id else None
    return None if params is None else (f"your {_example_label(example)} (id {student.id!r})", params)


def _returned(name: str, labels: list[str], expected: list, batch: int | None = None, wants=None,
              alternates=None) -> list[Part]:
    wants = wants or ["array"] * len(labels)
    alternates = alternates or {}
    return [Part(label, ("result", i), exp, {"want": want, "batch": batch, "alternates": alternates.get(label, ())},
                 what=f"what `{name}` returned") for i, (label, exp, want) in enumerate(zip(labels, expected, wants))]


def _one_neuron(params) -> tuple:
    """(inputs, targets, weights, bias) of a one-neuron example's parameters."""
    return (np.asarray(params["inputs"], dtype=float), np.asarray(params["targets"], dtype=float),
            np.asarray(params["weights"], dtype=float).ravel(), float(np.ravel(params["biases"])[0]))


def _neuron_cases(rng, student):
    ex = example("example1")
    cases = [(np.ravel(ex["inputs"]), float(ex["targets"][0][0]), np.ravel(ex["layers"][0]["weights"]),
              float(ex["layers"][0]["biases"][0][0]), "the lecture's Example 1")]
    if mine := _own(student, "example1"):
        x, y, w, b = _one_neuron(mine[1])
        cases.append((x.ravel(), float(y.ravel()[0]), w, b, mine[0]))
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


register(Check(A, "neuron_gradient", 2, ("neuron_gradient",), _neuron_cases, "one neuron, one sample",
               per_student=True))


def _batch_cases(rng, student):
    ex = example("example2")
    cases = [(np.array(ex["inputs"]), np.ravel(ex["targets"]), np.ravel(ex["layers"][0]["weights"]),
              float(ex["layers"][0]["biases"][0][0]), "the lecture's Example 2")]
    if mine := _own(student, "example2"):
        X, y, w, b = _one_neuron(mine[1])
        cases.append((X, y.ravel(), w, b, mine[0]))
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


register(Check(A, "batch_gradient", 3, ("batch_gradient",), _batch_cases, "one neuron, a batch",
               per_student=True))


def _two_layer_cases(rng, student):
    network, inputs, targets, _ = example_network("example3")
    hidden_layer, output_layer = network.trainable_layers
    cases = [(inputs, targets, hidden_layer.weights, hidden_layer.biases, output_layer.weights,
              output_layer.biases, "the lecture's Example 3")]
    if mine := _own(student, "example3"):
        p = {k: np.asarray(v, dtype=float) for k, v in mine[1].items() if k != "activation"}
        cases.append((p["inputs"], p["targets"], p["hidden_weights"], p["hidden_biases"], p["output_weights"],
                      p["output_biases"], mine[0]))
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


register(Check(A, "two_layer_gradients", 3, ("two_layer_gradients",), _two_layer_cases, "two layers",
               per_student=True))


def _step_cases(rng, student):
    ex = example("example1")
    grads = ex["backward"]["layers"][0]
    w, b = np.ravel(ex["layers"][0]["weights"]), float(ex["layers"][0]["biases"][0][0])
    dw, db = np.ravel(grads["dweights"]), float(grads["dbiases"][0][0])
    specs = [(w, b, dw, db, None, "the lecture's Example 1 (default learning rate)")]
    if mine := _own(student, "example1"):
        x, y, w1, b1 = _one_neuron(mine[1])
        _, _, _, (layer,) = _mse_backward([(w1[None, :], [b1])], x, y)
        specs.append((w1, b1, layer.dweights.ravel(), float(layer.dbiases[0, 0]), mine[1]["learning_rate"],
                      f"{mine[0]}, its gradient"))
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


register(Check(A, "gradient_descent_step", 2, ("gradient_descent_step",), _step_cases, "one descent step",
               per_student=True))
