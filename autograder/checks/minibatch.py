"""Assignment ``minibatch``: shuffled mini-batches, SGD, momentum, Adam and the training loop.

Each function is judged on its own: the optimizers on stand-in layers, ``fit`` with the grader's
own network, loss, optimizer and mini-batches (its epoch losses are then known exactly), so that a
bug in ``mini_batches`` or ``SGD`` costs points once, where it is.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

import nncourse.reference as ref

from nncourse.autograder.checks import hidden, shp, values
from nncourse.autograder.driver import probe_order
from nncourse.autograder.feedback import Mistake, compare, type_text
from nncourse.autograder.registry import Assignment, Case, Check, register

ASSIGNMENT = Assignment("minibatch", order=4)
A = ASSIGNMENT.id


# ------------------------------------------------------------------------------ mini_batches

def _epoch_problem(batches, n: int, batch_size: int, n_in: int, n_out: int):
    """(the sample ids in their order, None) for one well-formed epoch, else (None, Mistake)."""
    if not isinstance(batches, list) or not batches:
        return None, Mistake("mini_batches yielded nothing; it should yield (x_batch, y_batch) pairs", "wrong_type")
    seen, sizes = [], []
    for k, pair in enumerate(batches, start=1):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return None, Mistake(f"batch {k} is {type_text(pair)}; yield pairs (x_batch, y_batch)", "wrong_type")
        x, y = pair
        if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray) or x.ndim != 2 or y.ndim != 2:
            return None, Mistake(f"batch {k}: x_batch is {type_text(x)} and y_batch is {type_text(y)}; both should "
                                 f"be 2-D numpy arrays with one sample per column", "wrong_type")
        if x.shape[0] != n_in or y.shape[0] != n_out:
            if x.shape[1] == n_in:
                return None, Mistake(f"batch {k}: x_batch has shape {shp(x)}: the batches were cut over rows; a "
                                     f"sample is a column, so take columns: inputs[:, idx]", "rows_for_columns")
            return None, Mistake(f"batch {k}: x_batch {shp(x)} and y_batch {shp(y)} should have {n_in} and {n_out} "
                                 f"rows", "shape")
        if x.shape[1] != y.shape[1]:
            return None, Mistake(f"batch {k}: x_batch has {x.shape[1]} samples but y_batch has {y.shape[1]}", "shape")
        ids = np.rint(x[0]).astype(int)
        if np.any((ids < 0) | (ids >= n)) or not np.allclose(y[0], ids * 10.0 + 1.0):
            return None, Mistake("inputs and targets were shuffled differently: each target column must stay with "
                                 "its input column (use one permutation for both)", "misaligned")
        seen.extend(ids.tolist())
        sizes.append(x.shape[1])
    counts = np.bincount(np.clip(seen, 0, n - 1), minlength=n)
    if len(seen) > n or np.any(counts > 1):
        return None, Mistake("some samples appear more than once in an epoch: draw a permutation, not samples "
                             "with replacement", "with_replacement")
    if np.any(counts == 0):
        missing = int(np.sum(counts == 0))
        last = " (the last, smaller batch seems to be missing)" if missing < batch_size else ""
        return None, Mistake(f"{missing} of {n} samples never appeared{last}; every sample must be used once per "
                             f"epoch", "drops_last" if last else "incomplete")
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected:
        return None, Mistake(f"batch sizes were {sizes}; expected {expected} (only the last batch may be smaller)",
                             "batch_sizes")
    if seen == list(range(n)):
        return None, Mistake("the samples come in their original order: shuffle them first", "not_shuffled")
    return seen, None


def _mini_batch_cases(rng):
    cases = []
    for i, (n, batch_size, n_in, n_out, seed) in enumerate([(23, 5, 3, 2, 0), (40, 8, 2, 1, 7)], start=1):
        ids = np.arange(n, dtype=float)
        inputs = np.vstack([ids, values(rng, n_in - 1, n)])
        targets = np.vstack([ids * 10 + 1, values(rng, n_out - 1, n)])
        seeds = [seed, seed, seed + 1]

        def judge(out, n=n, batch_size=batch_size, n_in=n_in, n_out=n_out, seeds=seeds):
            epochs = out.get("epochs")
            if not isinstance(epochs, list) or len(epochs) != len(seeds):
                return [Mistake("the grader could not read the batches", "wrong_type")]
            orders = []
            for batches in epochs:
                order, problem = _epoch_problem(batches, n, batch_size, n_in, n_out)
                if problem:
                    return [problem]
                orders.append(order)
            if orders[0] != orders[1]:
                return [Mistake(f"the same seed ({seeds[0]}) gave two different orders: shuffle with a generator made "
                                f"from the seed, np.random.default_rng(seed)", "ignores_seed")]
            if orders[0] == orders[2]:
                return [Mistake(f"seeds {seeds[0]} and {seeds[2]} gave the same order: the seed must decide the "
                                f"shuffle", "seed_unused")]
            return [None]
        call = (f"mini_batches(inputs {shp(inputs)}, targets {shp(targets)}, batch_size={batch_size}, seed=s) "
                f"for s = {', '.join(map(str, seeds))}")
        cases.append(Case(hidden(i), "mini_batches", {"inputs": inputs, "targets": targets,
                                                      "batch_size": batch_size, "seeds": seeds}, call, judge=judge))
    return cases


register(Check(A, "mini_batches", 6, ("mini_batches",), _mini_batch_cases, "shuffled, aligned, complete, seeded"))


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


def _simulate(update, weights, biases, gradients, shared: bool = False, t_per_update: bool = False):
    """A trajectory of a wrong rule ``update(param, grad, state, t) -> new param``. ``shared``: one state for
    every layer's parameter (keyed by weights/biases only); ``t_per_update``: t counts every layer's update."""
    params = [[w.copy(), b.copy()] for w, b in zip(weights, biases)]
    states: dict = {}
    trajectory, count = [], 0
    for t, step in enumerate(gradients, start=1):
        for i, grads in enumerate(step):
            count += 1
            for k in range(2):
                state = states.setdefault(k if shared else (i, k), {})
                try:
                    params[i][k] = update(params[i][k], grads[k], state, count if t_per_update else t)
                except ValueError:  # a shared state whose shapes do not fit: the student's code would fail too
                    return None
        trajectory.append([[p.copy() for p in layer] for layer in params])
    return trajectory


def _optimizer_check(name: str, cls: str, points: int, settings: list[dict], wrong, what: str):
    """``settings``: the constructor's arguments, one per case; ``wrong(kwargs)`` -> [(message, tag, update,
    options)] the mistakes to recognise under those settings."""
    def build(rng):
        cases = []
        for i, (kwargs, (shapes, steps)) in enumerate(zip(settings, [([(3, 2), (1, 3)], 3), ([(2, 3), (2, 3)], 5)]),
                                                      start=1):
            weights = [values(rng, *s) for s in shapes]
            biases = [values(rng, s[0], 1) for s in shapes]
            gradients = [[(values(rng, *s), values(rng, s[0], 1)) for s in shapes] for _ in range(steps)]
            expected = _reference_trajectory(getattr(ref, cls)(**kwargs), weights, biases, gradients)
            alternates = [(trajectory, message, tag) for message, tag, update, options in wrong(kwargs)
                          if (trajectory := _simulate(update, weights, biases, gradients, **options)) is not None]

            def judge(out, expected=expected, alternates=alternates, steps=steps):
                trajectory = out.get("trajectory")
                for t, layers in enumerate(expected):
                    for li, (w, b) in enumerate(layers):
                        for key, exp, k in (("weights", w, 0), ("biases", b, 1)):
                            try:
                                got = trajectory[t][li][k]
                            except (TypeError, IndexError, KeyError):
                                return [Mistake("the optimizer's results could not be read", "wrong_type")]
                            problem = compare(f"layer {li + 1}'s {key} after step {t + 1}", got, exp)
                            if problem:
                                for alt, message, tag in alternates:
                                    if all(compare("x", trajectory[s][j][m], alt[s][j][m]) is None
                                           for s in range(steps) for j in range(len(layers)) for m in range(2)):
                                        return [Mistake(f"{message} (it differs from step {t + 1} on)", tag)]
                                if not np.all(np.isfinite(np.asarray(got, dtype=float))) and t == 0:
                                    return [Mistake(f"{problem} on the first step: is t counted from 1?", "t_from_0")]
                                return [problem]
                return [None]
            args_text = ", ".join(f"{k}={v}" for k, v in kwargs.items())
            call = (f"{cls}({args_text}); {steps} calls of step([layer with weights {shapes[0]}, layer with "
                    f"weights {shapes[1]}]), new d-weights and d-biases before each")
            cases.append(Case(hidden(i), "optimizer", {"cls": cls, "kwargs": kwargs, "weights": weights,
                                                       "biases": biases, "gradients": gradients}, call, judge=judge))
        return cases
    return register(Check(A, name, points, (cls,), build, what))


def _sgd_wrong(kwargs):
    lr = kwargs["learning_rate"]
    return [("moved uphill (w + η·g); gradient descent subtracts the gradient", "uphill",
             lambda p, g, s, t: p + lr * g, {}),
            ("the learning rate is missing: w ← w - η·g", "no_learning_rate", lambda p, g, s, t: p - g, {}),
            ("the default learning rate 0.01 was used instead of the one given", "ignores_learning_rate",
             lambda p, g, s, t: p - 0.01 * g, {})]


_optimizer_check("sgd", "SGD", 4, [{"learning_rate": 0.1}, {"learning_rate": 0.05}], _sgd_wrong, "w ← w - η·g")


def _momentum_wrong(kwargs):
    lr, mu = kwargs["learning_rate"], kwargs["momentum"]

    def velocity(rule, step=lambda p, v: p + v):
        def update(p, g, s, t):
            s["v"] = rule(s.get("v", 0), g)
            return step(p, s["v"])
        return update
    lecture = velocity(lambda v, g: mu * v - lr * g)
    return [("the velocity is not kept between steps, so this is plain SGD; store v per parameter and reuse it",
             "no_memory", lambda p, g, s, t: p - lr * g, {}),
            ("momentum convention: v = μv + (1-μ)g is an exponential average; the lecture uses v = μv - ηg, w ← w + v",
             "momentum_ema", velocity(lambda v, g: mu * v + (1 - mu) * g, lambda p, v: p - lr * v), {}),
            ("sign error in the velocity: v = μv - ηg, then w ← w + v", "sign",
             velocity(lambda v, g: mu * v + lr * g), {}),
            ("one velocity is shared by all the layers: each layer's weights and biases need their own",
             "shared_state", lecture, {"shared": True}),
            (f"the momentum given ({mu}) was not used (0.9 was)", "ignores_momentum",
             velocity(lambda v, g: 0.9 * v - lr * g), {})]


_optimizer_check("momentum", "SGD", 6, [{"learning_rate": 0.1, "momentum": 0.9},
                                        {"learning_rate": 0.05, "momentum": 0.5}], _momentum_wrong,
                 "v = μv - ηg; w += v")


def _adam(lr, b1, b2, eps, correct: bool = True, root: bool = True):
    def update(p, g, s, t):
        s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
        m, v = (s["m"] / (1 - b1 ** t), s["v"] / (1 - b2 ** t)) if correct else (s["m"], s["v"])
        return p - lr * m / ((np.sqrt(v) if root else v) + eps)
    return update


def _adam_wrong(kwargs):
    lr, b1, b2 = kwargs["learning_rate"], kwargs.get("beta1", 0.9), kwargs.get("beta2", 0.999)
    eps = kwargs.get("epsilon", 1e-8)
    wrong = [("Adam without bias correction: divide m by (1 - β₁ᵗ) and v by (1 - β₂ᵗ), t = 1, 2, … (the step number)",
              "no_bias_correction", _adam(lr, b1, b2, eps, correct=False), {}),
             ("the square root of v̂ is missing: w ← w - η m̂ / (√v̂ + ε)", "no_sqrt", _adam(lr, b1, b2, eps, root=False),
              {}),
             ("plain SGD steps: Adam keeps moving averages m and v of the gradients and their squares", "plain_sgd",
              lambda p, g, s, t: p - lr * g, {}),
             ("t counts every layer's update: t is the number of step() calls, the same for every layer in one step",
              "t_per_layer", _adam(lr, b1, b2, eps), {"t_per_update": True}),
             ("one m and v are shared by all the layers: each weight and bias needs its own", "shared_state",
              _adam(lr, b1, b2, eps), {"shared": True})]
    if (b1, b2, eps) != (0.9, 0.999, 1e-8):
        wrong.append(("the β₁, β₂ and ε given to Adam(...) were not used (these are the defaults)", "ignores_settings",
                      _adam(lr, 0.9, 0.999, 1e-8), {}))
    return wrong


_optimizer_check("adam", "Adam", 8, [{"learning_rate": 0.01},
                                     {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}],
                 _adam_wrong, "bias-corrected Adam")


# ------------------------------------------------------------------------------ fit

def _expected_losses(inputs, targets, weights, batch_size: int, seeds: list):
    """The epoch losses of the grader's stand-ins: the mean absolute error of weights · x, each epoch's batches
    in the order the stand-in mini_batches gives for that epoch's seed, weighted by their size."""
    n = inputs.shape[1]
    epochs, unweighted, summed = [], [], []
    for seed in seeds:
        order = probe_order(seed, n)
        losses, sizes = [], []
        for start in range(0, n, batch_size):
            chosen = order[start:start + batch_size]
            losses.append(float(np.mean(np.abs(weights @ inputs[:, chosen] - targets[:, chosen]))))
            sizes.append(len(chosen))
        epochs.append(float(np.dot(losses, sizes) / n))
        unweighted.append(float(np.mean(losses)))
        summed.append(float(np.sum(losses)))
    return epochs, unweighted, summed


def _fit_cases(rng):
    n, n_in, epochs, batch_size = 37, 3, 4, 8  # 5 batches per epoch, the last one of 5
    inputs, targets = values(rng, n_in, n), values(rng, 1, n)
    weights = values(rng, 1, n_in)
    runs = [0, 5]

    def judge(out):
        results = out.get("runs")
        if not isinstance(results, list) or len(results) != len(runs):
            return [Mistake("the grader could not read what fit did", "wrong_type")]
        seen_seeds = []
        for seed, run in zip(runs, results):
            losses, calls = run.get("losses"), run.get("calls")
            if isinstance(losses, np.ndarray):
                losses = losses.ravel().tolist()
            if not isinstance(losses, (list, tuple)):
                return [Mistake(f"fit returned {type_text(losses)}; return the list of per-epoch mean losses",
                                "wrong_type")]
            if not isinstance(calls, list) or not calls:
                return [Mistake("fit did not take its batches from mini_batches: call mini_batches(inputs, targets, "
                                "batch_size, seed + epoch) for each epoch", "no_mini_batches")]
            if len(calls) != epochs:
                return [Mistake(f"fit called mini_batches {len(calls)} times for {epochs} epochs: once per epoch",
                                "batches_per_epoch")]
            if any(size != batch_size for size, _ in calls):
                return [Mistake(f"fit asked mini_batches for batches of {[size for size, _ in calls]}; use the "
                                f"batch_size it was given ({batch_size})", "ignores_batch_size")]
            seeds = [s for _, s in calls]
            if len(set(seeds)) < epochs:
                return [Mistake("every epoch got the same shuffle: give mini_batches another seed each epoch "
                                "(for example seed + epoch)", "no_reshuffle")]
            seen_seeds.append(seeds)
            expected, unweighted, summed = _expected_losses(inputs, targets, weights, batch_size, seeds)
            if len(losses) != epochs:
                per = " (one per batch?)" if len(losses) == epochs * 5 else ""
                return [Mistake(f"fit returned {len(losses)} losses for {epochs} epochs{per}; return one mean loss "
                                f"per epoch", "losses_per_epoch")]
            problem = compare("the epoch losses", np.asarray(losses, dtype=float), expected, rtol=1e-8, alternates=[
                (summed, "the batch losses were summed; report their mean over the epoch's samples", "summed"),
                (unweighted, "the plain mean of the batch losses: the last batch is smaller, so weight each batch's "
                             "loss by its number of samples (the mean over the epoch's samples)", "unweighted")])
            if problem:
                return [problem]
            steps, backward = run.get("steps"), run.get("backward")
            if steps != epochs * 5 or backward != epochs * 5:
                return [Mistake(f"per epoch of 5 batches: {steps} optimizer steps and {backward} backward passes "
                                f"in all for {epochs} epochs; each batch runs forward, loss, backward, then one "
                                f"optimizer step", "steps")]
            if not all(isinstance(g, list) and any(g) for g in run.get("given") or [None]):
                return [Mistake("optimizer.step was not given the network's layers that have weights",
                                "layers_not_given")]
        if seen_seeds[0] == seen_seeds[1]:
            return [Mistake(f"fit with seed {runs[0]} and with seed {runs[1]} shuffled the same way: pass its seed on "
                            f"(seed + epoch)", "ignores_seed")]
        return [None]

    call = (f"fit(network, loss, optimizer, inputs {shp(inputs)}, targets {shp(targets)}, {epochs}, {batch_size}, "
            f"seed) for seed = {runs[0]} and {runs[1]}, with the grader's own network, loss, optimizer and "
            f"mini_batches")
    return [Case(hidden(1), "fit", {"weights": weights, "inputs": inputs, "targets": targets, "epochs": epochs,
                                    "batch_size": batch_size, "seeds": runs}, call, judge=judge)]


register(Check(A, "fit", 6, ("fit",), _fit_cases, "the training loop"))
