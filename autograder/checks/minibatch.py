"""Assignment ``minibatch``: shuffled mini-batches, SGD, momentum, Adam and the training loop."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

import nncourse.reference as ref

from nncourse.autograder.feedback import compare, type_text
from nncourse.autograder.registry import Assignment, Case, Check, register
from nncourse.autograder.checks import hidden, shp, values

ASSIGNMENT = Assignment("minibatch", order=4)
A = ASSIGNMENT.id


# ------------------------------------------------------------------------------ mini_batches

def _batches_judge(n: int, batch_size: int, n_in: int, n_out: int):
    def judge(out):
        batches = out.get("batches")
        if not isinstance(batches, list) or not batches:
            return ["mini_batches yielded nothing; it should yield (x_batch, y_batch) pairs"]
        seen, order, problems = [], [], []
        for k, pair in enumerate(batches, start=1):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                return [f"batch {k} is {type_text(pair)}; yield pairs (x_batch, y_batch)"]
            x, y = pair
            if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray) or x.ndim != 2 or y.ndim != 2:
                return [f"batch {k}: x_batch is {type_text(x)} and y_batch is {type_text(y)}; both should be 2-D "
                        f"numpy arrays with one sample per column"]
            if x.shape[0] != n_in or y.shape[0] != n_out:
                if x.shape[1] == n_in:
                    return [f"batch {k}: x_batch has shape {shp(x)}: the batches were cut over rows; a sample is a "
                            f"column, so take columns: inputs[:, idx]"]
                return [f"batch {k}: x_batch {shp(x)} and y_batch {shp(y)} should have {n_in} and {n_out} rows"]
            if x.shape[1] != y.shape[1]:
                return [f"batch {k}: x_batch has {x.shape[1]} samples but y_batch has {y.shape[1]}"]
            ids = np.rint(x[0]).astype(int)
            if np.any((ids < 0) | (ids >= n)) or not np.allclose(y[0], ids * 10.0 + 1.0):
                problems.append("inputs and targets were shuffled differently: each target column must stay "
                                "with its input column (use one permutation for both)")
            seen.extend(ids.tolist())
            order.append(x.shape[1])
        counts = np.bincount(np.clip(seen, 0, n - 1), minlength=n)
        if len(seen) > n or np.any(counts > 1):
            problems.append("some samples appear more than once in an epoch: draw a permutation "
                            "(np.random.permutation), not samples with replacement")
        elif np.any(counts == 0):
            missing = int(np.sum(counts == 0))
            last = " (the last, smaller batch seems to be missing)" if missing < batch_size else ""
            problems.append(f"{missing} of {n} samples never appeared{last}; every sample must be used once "
                            f"per epoch")
        sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        if not problems and order != sizes:
            problems.append(f"batch sizes were {order}; expected {sizes} (only the last batch may be smaller)")
        if not problems and seen == list(range(n)):
            problems.append("the samples come in their original order: shuffle them first")
        return [problems[0] if problems else None]
    return judge


def _mini_batch_cases(rng):
    cases = []
    for i, (n, batch_size, n_in, n_out, seed) in enumerate([(23, 5, 3, 2, 0), (40, 8, 2, 1, 7)], start=1):
        ids = np.arange(n, dtype=float)
        inputs = np.vstack([ids, values(rng, n_in - 1, n)])
        targets = np.vstack([ids * 10 + 1, values(rng, n_out - 1, n)])
        call = f"mini_batches(inputs {shp(inputs)}, targets {shp(targets)}, batch_size={batch_size}, seed={seed})"
        cases.append(Case(hidden(i), "mini_batches", {"inputs": inputs, "targets": targets,
                                                      "batch_size": batch_size, "seed": seed},
                          call, judge=_batches_judge(n, batch_size, n_in, n_out)))
    return cases


register(Check(A, "mini_batches", 6, ("mini_batches",), _mini_batch_cases, "shuffled, aligned, complete"))


# ------------------------------------------------------------------------------ optimizers

def _reference_trajectory(optimizer, weights, biases, gradients):
    layers = [SimpleNamespace(weights=w.copy(), biases=b.copy(), trainable=True) for w, b in zip(weights, biases)]
    trajectory = []
    for step in gradients:
        for layer, (dw, db) in zip(layers, step):
            layer.dweights, layer.dbiases = dw, db
        optimizer.step(layers)
        trajectory.append([[l.weights.copy(), l.biases.copy()] for l in layers])
    return trajectory


def _simulate(update, weights, biases, gradients):
    """A trajectory from ``update(param, grad, state, t, layer_index, key) -> new param`` (wrong formulas)."""
    params = [[w.copy(), b.copy()] for w, b in zip(weights, biases)]
    states: dict = {}
    trajectory = []
    for t, step in enumerate(gradients, start=1):
        for i, grads in enumerate(step):
            for k in range(2):
                params[i][k] = update(params[i][k], grads[k], states.setdefault((i, k), {}), t, i)
        trajectory.append([[p.copy() for p in layer] for layer in params])
    return trajectory


def _optimizer_check(name: str, cls: str, points: int, kwargs: dict, wrong: dict, what: str):
    def build(rng):
        cases = []
        for i, (shapes, steps) in enumerate([([(3, 2), (1, 3)], 3), ([(4, 5), (2, 4)], 5)], start=1):
            weights = [values(rng, *s) for s in shapes]
            biases = [values(rng, s[0], 1) for s in shapes]
            gradients = [[(values(rng, *s), values(rng, s[0], 1)) for s in shapes] for _ in range(steps)]
            expected = _reference_trajectory(getattr(ref, cls)(**kwargs), weights, biases, gradients)
            alternates = [(_simulate(update, weights, biases, gradients), message)
                          for message, update in wrong.items()]

            def judge(out, expected=expected, alternates=alternates, steps=steps):
                trajectory = out.get("trajectory")
                for t, layers in enumerate(expected):
                    for li, (w, b) in enumerate(layers):
                        for key, exp, k in (("weights", w, 0), ("biases", b, 1)):
                            try:
                                got = trajectory[t][li][k]
                            except (TypeError, IndexError, KeyError):
                                return ["the optimizer's results could not be read"]
                            problem = compare(f"layer {li + 1}'s {key} after step {t + 1}", got, exp)
                            if problem:
                                for alt, message in alternates:
                                    if all(compare("x", trajectory[s][j][m], alt[s][j][m]) is None
                                           for s in range(steps) for j in range(len(layers)) for m in range(2)):
                                        return [f"{message} (it differs from step {t + 1} on)"]
                                return [problem]
                return [None]
            args_text = ", ".join(f"{k}={v}" for k, v in kwargs.items())
            call = (f"{cls}({args_text}); {steps} calls of step([layer with weights {shapes[0]}, layer with "
                    f"weights {shapes[1]}]), new d-weights and d-biases before each")
            cases.append(Case(hidden(i), "optimizer", {"cls": cls, "kwargs": kwargs, "weights": weights,
                                                       "biases": biases, "gradients": gradients}, call, judge=judge))
        return cases
    return register(Check(A, name, points, (cls,), build, what))


LR = 0.1


def _plain(p, g, s, t, i):
    return p - LR * g


_optimizer_check("sgd", "SGD", 4, {"learning_rate": LR}, {
    "moved uphill (w + η·g); gradient descent subtracts the gradient": lambda p, g, s, t, i: p + LR * g,
    "the learning rate is missing: w ← w - η·g": lambda p, g, s, t, i: p - g,
    "the default learning rate 0.01 was used instead of the one given": lambda p, g, s, t, i: p - 0.01 * g,
}, "w ← w - η·g")

MU = 0.9


def _momentum_ema(p, g, s, t, i):
    s["v"] = MU * s.get("v", 0) + (1 - MU) * g
    return p - LR * s["v"]


def _momentum_plus(p, g, s, t, i):
    s["v"] = MU * s.get("v", 0) + LR * g
    return p + s["v"]


_optimizer_check("momentum", "SGD", 6, {"learning_rate": LR, "momentum": MU}, {
    "the velocity is not kept between steps, so this is plain SGD; store v per layer and reuse it":
        _plain,
    "momentum convention: v = μv + (1-μ)g is an exponential average; the lecture uses v = μv - ηg, w ← w + v":
        _momentum_ema,
    "sign error in the velocity: v = μv - ηg, then w ← w + v": _momentum_plus,
}, "v = μv - ηg; w += v")

B1, B2, EPS, ALR = 0.9, 0.999, 1e-8, 0.01


def _adam(correct: bool = True, root: bool = True):
    def update(p, g, s, t, i):
        s["m"] = B1 * s.get("m", 0) + (1 - B1) * g
        s["v"] = B2 * s.get("v", 0) + (1 - B2) * g * g
        m, v = (s["m"] / (1 - B1 ** t), s["v"] / (1 - B2 ** t)) if correct else (s["m"], s["v"])
        return p - ALR * m / ((np.sqrt(v) if root else v) + EPS)
    return update


_optimizer_check("adam", "Adam", 8, {"learning_rate": ALR}, {
    "Adam without bias correction: divide m by (1 - β₁ᵗ) and v by (1 - β₂ᵗ), t = 1, 2, … (the step number)":
        _adam(correct=False),
    "the square root of v̂ is missing: w ← w - η m̂ / (√v̂ + ε)": _adam(root=False),
    "plain SGD steps: Adam keeps moving averages m and v of the gradients and their squares": _plain,
}, "bias-corrected Adam")


# ------------------------------------------------------------------------------ fit

def _fit_cases(rng):
    n, n_in, n_hidden, epochs, batch_size, lr = 64, 2, 8, 20, 16, 0.05
    inputs = rng.uniform(-1, 1, (n_in, n))
    targets = (0.8 * inputs[:1] - 0.5 * inputs[1:] + 0.3) + 0.01 * rng.standard_normal((1, n))
    w1, w2 = rng.standard_normal((n_hidden, n_in)) * 0.7, rng.standard_normal((1, n_hidden)) * 0.35
    b1, b2 = np.full((n_hidden, 1), 0.1), np.zeros((1, 1))
    network = ref.Network([ref.Dense.from_arrays(w1, b1), ref.ReLU(), ref.Dense.from_arrays(w2, b2)])
    history = ref.fit(network, ref.MeanSquaredError(), ref.SGD(learning_rate=lr), inputs, targets,
                      epochs=epochs, batch_size=batch_size, seed=0, progress=False)
    first, last = history.loss[0], history.loss[-1]
    n_batches = -(-n // batch_size)

    def judge(out):
        losses = out.get("losses")
        if isinstance(losses, np.ndarray):
            losses = losses.ravel().tolist()
        if not isinstance(losses, (list, tuple)):
            return [f"fit returned {type_text(losses)}; return the list of per-epoch mean losses"]
        try:
            losses = [float(np.asarray(v, dtype=float).reshape(())) for v in losses]
        except (TypeError, ValueError):
            return ["fit's losses should be numbers, one per epoch"]
        if len(losses) != epochs:
            return [f"fit returned {len(losses)} losses for {epochs} epochs; return one mean loss per epoch"]
        if not all(np.isfinite(losses)):
            return ["the loss became NaN or inf during training"]
        if abs(losses[0] / first - n_batches) < 0.25 * n_batches:
            return [f"the first epoch's loss is about {n_batches} times too large ({n_batches} batches): the batch "
                    f"losses were summed; report their mean over the epoch"]
        if not 0.5 * first <= losses[0] <= 2 * first:
            return [f"the first epoch's mean loss is {losses[0]:.4g}; about {first:.3g} was expected for this "
                    f"network and data (allowed: half to twice that)"]
        if not losses[-1] < 0.6 * losses[0]:
            return [f"the loss did not fall: {losses[0]:.4g} in epoch 1, {losses[-1]:.4g} in epoch {epochs}. "
                    f"Does every batch run forward, loss, backward and the optimizer step?"]
        if losses[-1] > 2 * last + 1e-3:
            return [f"the loss falls too slowly ({losses[-1]:.4g} after {epochs} epochs, about {last:.3g} "
                    f"expected): is the optimizer stepping once per batch?"]
        return [None]

    call = (f"fit(Network([Dense({n_in}, {n_hidden}), ReLU(), Dense({n_hidden}, 1)]), MeanSquaredError(), "
            f"SGD(learning_rate={lr}), inputs {shp(inputs)}, targets {shp(targets)}, {epochs}, {batch_size}, 0)")
    return [Case(hidden(1), "fit", {"weights": [w1, w2], "biases": [b1, b2], "inputs": inputs, "targets": targets,
                                    "epochs": epochs, "batch_size": batch_size, "seed": 0, "learning_rate": lr},
                 call, judge=judge)]


register(Check(A, "fit", 6, ("fit", "Network", "Dense", "ReLU", "MeanSquaredError", "SGD"), _fit_cases,
               "the training loop"))
