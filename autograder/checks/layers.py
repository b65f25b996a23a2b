"""Assignment ``layers``: the Dense layer (the lecture's three rules) and the network's loops."""
from __future__ import annotations

import numpy as np

from nncourse.reference import Dense, Network
from nncourse.reference.examples import example_network

from nncourse.autograder.feedback import compare
from nncourse.autograder.registry import Assignment, Case, Check, Part, register
from nncourse.autograder.checks import hidden, shp, values

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
                    verdicts.append(f"`{key}` contains NaN or inf")
                elif key == "weights" and np.all(got == got.flat[0]):
                    verdicts.append("all weights are equal; start from small random values (np.random.randn) "
                                    "so that the neurons learn different things")
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
        alternates = [(w @ x, "the biases were not added: outputs = weights · inputs + biases")]
        call = f"{_dense_text(w)}, biases {shp(b)}; forward_pass(inputs {shp(x)})"
        cases.append(Case(label, "dense_forward", {"weights": w, "biases": b, "inputs": x}, call,
                          [Part("outputs", ("outputs",), expected, {"alternates": alternates})]))
    return cases


register(Check(A, "dense_forward", 4, ("Dense",), _forward_cases, "weights · inputs + biases"))


def _backward_cases(rng):
    cases = []
    for label, w, b, x, dv in _lecture_layers() + _random_layers(rng):
        layer = Dense.from_arrays(w, b)
        layer.forward_pass(x)
        dinputs = layer.backward_pass(dv)
        batch = x.shape[1]
        axis0 = "summed over the wrong axis (over the neurons, axis=0); d-biases are the d-values summed over the " \
                "batch: np.sum(dvalues, axis=1, keepdims=True)"
        options = {
            "dweights": {"batch": batch, "alternates": [
                (dv @ x.T / batch, f"it is divided by the batch size ({batch}); the lecture's rule is "
                                   f"d-weights = d-values · inputsᵀ, with no division")]},
            "dbiases": {"batch": batch, "alternates": [
                (dv.sum(axis=0, keepdims=True), axis0), (dv.sum(axis=0), axis0),
                (np.full_like(layer.dbiases, dv.sum()), "it sums over every element; sum over the batch only "
                                                         "(axis=1, keepdims=True)")]},
            "dinputs": {"alternates": [(np.zeros_like(dinputs), "it is all zeros")]},
        }
        parts = [Part(k, (k,), getattr(layer, k), options[k], what="the layer after backward_pass")
                 for k in ("dweights", "dbiases", "dinputs")]
        parts.append(Part("the value backward_pass returned", ("returned",), dinputs,
                          {"alternates": []}))
        call = (f"{_dense_text(w)}, biases {shp(b)}; forward_pass(inputs {shp(x)}); "
                f"backward_pass(dvalues {shp(dv)})")
        cases.append(Case(label, "dense_backward", {"weights": w, "biases": b, "inputs": x, "dvalues": dv},
                          call, parts))
    return cases


register(Check(A, "dense_backward", 8, ("Dense",), _backward_cases, "the lecture's three rules"))

NETWORK_SIZES = [(4, 5, 3, 2), (3, 6, 2)]


def _networks(rng):
    nets = []
    network, inputs, targets, loss = example_network("example3")
    dense = network.trainable_layers
    outputs = network.forward_pass(inputs)
    loss.forward_pass(outputs, targets)
    nets.append(("the lecture's Example 3", [l.weights for l in dense], [l.biases for l in dense], inputs,
                 loss.backward_pass()))
    for i, sizes in enumerate(NETWORK_SIZES, start=1):
        batch = 6 + i
        ws = [values(rng, m, n) * 0.5 for n, m in zip(sizes, sizes[1:])]
        bs = [values(rng, m, 1) for m in sizes[1:]]
        nets.append((hidden(i), ws, bs, values(rng, sizes[0], batch), values(rng, sizes[-1], batch)))
    return nets


def _net_text(ws):
    return "Network([" + ", ".join(f"Dense({w.shape[1]}, {w.shape[0]})" for w in ws) + "])"


def _network_forward_cases(rng):
    cases = []
    for label, ws, bs, x, _ in _networks(rng):
        expected = Network([Dense.from_arrays(w, b) for w, b in zip(ws, bs)]).forward_pass(x)

        def judge(out, expected=expected):
            verdicts = [compare("outputs", out.get("outputs"), expected)]
            verdicts.append(None if out.get("layers_kept") is True else
                            "`network.layers` should be the list of layers given to Network(...), in order")
            return verdicts
        cases.append(Case(label, "network_forward", {"weights": ws, "biases": bs, "inputs": x},
                          f"{_net_text(ws)}.forward_pass(inputs {shp(x)})", judge=judge))
    return cases


register(Check(A, "network_forward", 3, ("Network", "Dense"), _network_forward_cases, "layers in order"))


def _network_backward_cases(rng):
    cases = []
    for label, ws, bs, x, dv in _networks(rng):
        layers = [Dense.from_arrays(w, b) for w, b in zip(ws, bs)]
        network = Network(layers)
        network.forward_pass(x)
        dinputs = network.backward_pass(dv)
        parts = []
        for i, layer in enumerate(layers):
            parts.append(Part(f"layer {i + 1}'s dweights", ("dweights", i), layer.dweights, what="the layers"))
            parts.append(Part(f"layer {i + 1}'s dbiases", ("dbiases", i), layer.dbiases, what="the layers"))
        parts.append(Part("the value backward_pass returned", ("returned",), dinputs))
        cases.append(Case(label, "network_backward", {"weights": ws, "biases": bs, "inputs": x, "dvalues": dv},
                          f"{_net_text(ws)}: forward_pass(inputs {shp(x)}), backward_pass(dvalues {shp(dv)})",
                          parts, hint="(Does backward_pass run the layers in reverse order, passing each "
                                      "layer's returned d-values to the layer before?)"))
    return cases


register(Check(A, "network_backward", 3, ("Network", "Dense"), _network_backward_cases, "layers in reverse"))
