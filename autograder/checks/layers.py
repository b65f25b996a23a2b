"""Assignment ``layers``: the Dense layer (the lecture's three rules) and the network's loops."""
from __future__ import annotations

import numpy as np

from nncourse.reference import Dense
from nncourse.reference.examples import example_network

from nncourse.autograder.checks import hidden, shp, values
from nncourse.autograder.feedback import Mistake, compare
from nncourse.autograder.registry import Assignment, Case, Check, Part, register

ASSIGNMENT = Assignment("layers", order=2)
A = ASSIGNMENT.id
HIDDEN_SHAPES = [(4, 3, 5), (6, 2, 7)]  # (n_inputs, n_neurons, batch): all different, so shapes tell axes apart


def _lecture_layers():
    """(label, weights, biases, inputs, dvalues) from Examples 2 and 3 (the output layer's backward pass)."""
    out = []
    for name in ("example2", "example3"):
        network, inputs, targets, loss = example_network(name)
        outputs = network.forward_pass(inputs)
        loss.forward_pass(outputs, targets)
        dvalues = loss.backward_pass()
        layer = network.trainable_layers[-1]
        out.append((f"the lecture's {name.replace('example', 'Example ')} (output layer)", layer.weights,
                    layer.biases, layer.inputs, dvalues))
    return out


def _random_layers(rng):
    return [(hidden(i), values(rng, m, n), values(rng, m, 1), values(rng, n, b), values(rng, m, b))
            for i, (n, m, b) in enumerate(HIDDEN_SHAPES, start=1)]


def _dense_text(w):
    return f"Dense({w.shape[1]}, {w.shape[0]}) with weights {shp(w)}"


def _init_cases(rng):
    def judge_for(n_in, n_out):
        def judge(out):
            verdicts = []
            for key, shape in (("weights", (n_out, n_in)), ("biases", (n_out, 1))):
                got = out.get(key)
                if not isinstance(got, np.ndarray) or got.shape != shape:
                    verdicts.append(compare(key, got, np.zeros(shape)))
                elif not np.all(np.isfinite(got)):
                    verdicts.append(Mistake(f"`{key}` contains NaN or inf", "not_finite"))
                elif key == "weights" and np.all(got == got.flat[0]):
                    verdicts.append(Mistake("all weights are equal; start from small random values (np.random.randn) "
                                            "so that the neurons learn different things", "equal_weights"))
                else:
                    verdicts.append(None)
            return verdicts
        return judge
    return [Case(f"Dense({n_in}, {n_out})", "dense_init", {"n_inputs": n_in, "n_neurons": n_out},
                 f"Dense({n_in}, {n_out})", judge=judge_for(n_in, n_out)) for n_in, n_out in ((4, 3), (2, 5))]


register(Check(A, "dense_init", 2, ("Dense",), _init_cases, "weights and biases have the right shapes"))


def _forward_cases(rng):
    cases = []
    for label, w, b, x, _ in _lecture_layers() + _random_layers(rng):
        expected = Dense.from_arrays(w, b).forward_pass(x)
        alternates = [(w @ x, "the biases were not added: outputs = weights · inputs + biases", "bias_missing"),
                       (w @ x - b, "the biases were subtracted: outputs = weights · inputs + biases", "sign")]
        call = f"{_dense_text(w)}, biases {shp(b)}; forward_pass(inputs {shp(x)})"
        cases.append(Case(label, "dense_forward", {"weights": w, "biases": b, "inputs": x}, call,
                          [Part("outputs", ("outputs",), expected, {"alternates": alternates})]))
    return cases


register(Check(A, "dense_forward", 4, ("Dense",), _forward_cases, "weights · inputs + biases"))


def _backward_case(label, w, b, x, dv, earlier=None):
    layer = Dense.from_arrays(w, b)
    layer.forward_pass(x)
    dinputs = layer.backward_pass(dv)
    batch = x.shape[1]
    axis0 = ("summed over the wrong axis (over the neurons, axis=0); d-biases are the d-values summed over the "
             "batch: np.sum(dvalues, axis=1, keepdims=True)")
    stale = []
    if earlier is not None:
        stale = [(dv @ earlier.T, "it uses the inputs of the first forward pass: forward_pass must keep the inputs "
                                  "of every call (self.inputs = inputs), the backward pass those of the last one",
                  "stale_inputs")]
    options = {
        "dweights": {"batch": batch, "alternates": [
            (dv @ x.T / batch, f"it is divided by the batch size ({batch}); the lecture's rule is d-weights = "
                               f"d-values · inputsᵀ, with no division", "averaged"),
            (x @ dv.T, "it is inputs · d-valuesᵀ, the transpose of the rule: d-weights = d-values · inputsᵀ",
             "transposed"),
            (dv @ (w @ x + b).T, "it uses the layer's outputs; d-weights = d-values · inputsᵀ (the inputs "
                                 "the forward pass saw)", "outputs_for_inputs"), *stale]},
        "dbiases": {"batch": batch, "alternates": [
            (dv.sum(axis=0, keepdims=True), axis0, "wrong_axis"), (dv.sum(axis=0), axis0, "wrong_axis"),
            (np.full_like(layer.dbiases, dv.sum()), "it sums over every element; sum over the batch only "
                                                    "(axis=1, keepdims=True)", "summed_all")]},
        "dinputs": {"alternates": [(np.zeros_like(dinputs), "it is all zeros", "zeros"),
                                   (w.T @ (dv / batch), f"it is divided by the batch size ({batch}); d-inputs = "
                                                        f"weightsᵀ · d-values", "averaged")]},
    }
    parts = [Part(k, (k,), getattr(layer, k), options[k], what="the layer after backward_pass")
             for k in ("dweights", "dbiases", "dinputs")]
    parts.append(Part("the value backward_pass returned", ("returned",), dinputs, {"alternates": []}))
    first = f"forward_pass(inputs {shp(earlier)}); " if earlier is not None else ""
    call = (f"{_dense_text(w)}, biases {shp(b)}; {first}forward_pass(inputs {shp(x)}); "
            f"backward_pass(dvalues {shp(dv)})")
    return Case(label, "dense_backward", {"weights": w, "biases": b, "inputs": x, "dvalues": dv,
                                          "earlier": earlier}, call, parts)


def _backward_cases(rng):
    cases = [_backward_case(*spec) for spec in _lecture_layers() + _random_layers(rng)]
    n, m, b = 3, 4, 6  # a layer used twice: its backward pass belongs to the second forward pass
    cases.append(_backward_case(hidden(len(cases) - 1), values(rng, m, n), values(rng, m, 1), values(rng, n, b),
                                values(rng, m, b), earlier=values(rng, n, b)))
    return cases


register(Check(A, "dense_backward", 8, ("Dense",), _backward_cases, "the lecture's three rules"))

#: Stand-in layers (scale, shift) for the Network checks: the network is judged on its own, whatever Dense does.
PROBES = [[(2.0, 0.5), (-0.5, 1.0), (3.0, -2.0)], [(1.5, 0.0), (0.25, -1.0)]]


def _probe_forward(probes, x):
    seen = []
    for scale, shift in probes:
        seen.append(x)
        x = scale * x + shift
    return x, seen


def _network_forward_cases(rng):
    cases = []
    for i, probes in enumerate(PROBES, start=1):
        x = values(rng, 3, 4 + i)
        expected, seen = _probe_forward(probes, x)
        reverse, _ = _probe_forward(probes[::-1], x)

        def judge(out, expected=expected, reverse=reverse):
            verdicts = [compare("outputs", out.get("outputs"), expected,
                                alternates=[(reverse, "the layers ran last to first; the forward pass runs them in "
                                                      "order, each on the previous one's outputs", "reversed"),
                                            (_probe_forward(probes[-1:], x)[0], "only the last layer ran: feed each "
                                             "layer the outputs of the one before", "not_chained")])]
            verdicts.append(None if out.get("layers_kept") is True else
                            Mistake("`network.layers` should be the list of layers given to Network(...), in order",
                                    "layers_not_kept"))
            return verdicts
        cases.append(Case(hidden(i), "network_forward", {"probes": probes, "inputs": x},
                          f"Network([{len(probes)} layers]).forward_pass(inputs {shp(x)})", judge=judge))
    return cases


register(Check(A, "network_forward", 3, ("Network",), _network_forward_cases, "layers in order"))


def _network_backward_cases(rng):
    cases = []
    for i, probes in enumerate(PROBES, start=1):
        x, dv = values(rng, 3, 4 + i), values(rng, 3, 4 + i)
        received, d = [], dv
        for scale, _ in probes[::-1]:
            received.insert(0, d)
            d = scale * d
        expected = d

        def judge(out, received=received, expected=expected, dv=dv):
            seen = out.get("dseen")
            if not isinstance(seen, list) or len(seen) != len(received):
                return [Mistake("the grader could not read which d-values the layers got", "wrong_type")]
            for k, (got, want) in enumerate(zip(seen, received)):
                if not isinstance(got, list) or len(got) != 1:
                    count = len(got) if isinstance(got, list) else "?"
                    return [Mistake(f"layer {k + 1}'s backward_pass ran {count} times; each layer runs once",
                                    "wrong_count")]
                if compare("d", got[0], want) is not None:
                    if all(isinstance(g, list) and g and compare("d", g[0], dv) is None for g in seen):
                        return [Mistake("every layer got the network's d-values: pass each layer's returned "
                                        "d-values to the layer before it", "not_chained")]
                    return [Mistake(f"layer {k + 1} got the wrong d-values: run the layers in reverse order "
                                    f"(reversed(self.layers)), each getting what the layer after it returned",
                                    "not_reversed")]
            return [compare("the value backward_pass returned", out.get("returned"), expected)]
        cases.append(Case(hidden(i), "network_backward", {"probes": probes, "inputs": x, "dvalues": dv},
                          f"Network([{len(probes)} layers]): forward_pass(inputs {shp(x)}), "
                          f"backward_pass(dvalues {shp(dv)})", judge=judge))
    return cases


register(Check(A, "network_backward", 3, ("Network",), _network_backward_cases, "layers in reverse"))
