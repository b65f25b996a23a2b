"""Kinds 1 and 2: one neuron without activation (the lecture's Examples 1 and 2)."""
from __future__ import annotations

from typing import Mapping

import numpy as np
from nncourse.reference import SGD, Dense, MeanSquaredError

from ..mathtext import Display, M, eq, hat, join, num, partial, pnum, sub, sym, vec
from ..bounds import distinct_magnitudes, distinct_nonzero, nonzero_ints, require
from ..problem import ItemSpec, Kind, arr, override

L, YHAT, CDOT = sym("L"), sym("yhat"), sym("cdot")


def _neuron_formula(n: int, sample: "int | None" = None) -> M:
    xs = [sub("x", i) if sample is None else M(f"x_{{{i},{sample}}}", f"x_({i},{sample})") for i in range(1, n + 1)]
    return join((sub("w", i) + " " + x for i, x in enumerate(xs, 1)), " + ") + " + " + sub("b", 1)


class GradientStep(Kind):
    """One gradient-descent step on one neuron and one sample (Example 1)."""

    name = "gd_step"
    title = "One gradient-descent step on one neuron"

    def draw(self, rng):
        x = distinct_nonzero(rng, 3, (3, 1))
        w = distinct_nonzero(rng, 5, (1, 3), 0.1)
        b = nonzero_ints(rng, -5, 5, 1)[0] / 10  # a zero bias would make "the bias left out" right
        residual = nonzero_ints(rng, -5, 5, 1)[0] / 10  # designed first: y = ŷ - r
        y = (w @ x).item() + b - residual
        return {"inputs": x, "targets": [[round(y, 6)]], "weights": w, "biases": [[b]], "learning_rate": 0.01}

    def solve(self, params, given=None):
        n = len(params["inputs"])
        x, y = arr(params, "inputs"), arr(params, "targets")
        layer = Dense.from_arrays(arr(params, "weights"), arr(params, "biases"))
        loss = MeanSquaredError()
        yhat = layer.forward_pass(x)
        value = loss.forward_pass(override(yhat, ["yhat"], given), y)
        dyhat = loss.backward_pass()
        layer.backward_pass(override(dyhat, ["dyhat"], given))
        dW, db = layer.dweights.copy(), layer.dbiases.copy()
        layer.dweights = override(dW, [f"dw{i}" for i in range(1, n + 1)], given)
        layer.dbiases = override(db, ["db1"], given)
        SGD(learning_rate=params["learning_rate"]).step([layer])
        new_W, new_b = layer.weights.copy(), layer.biases.copy()
        layer.weights = override(new_W, [f"w{i}_new" for i in range(1, n + 1)], given)
        layer.biases = override(new_b, ["b1_new"], given)
        new_yhat = layer.forward_pass(x)
        new_loss = loss.forward_pass(override(new_yhat, ["yhat_new"], given), y)
        return {"outputs": yhat, "loss": np.array(value), "doutputs": dyhat, "dweights": dW, "dbiases": db,
                "dinputs": layer.dinputs, "new_weights": new_W, "new_biases": new_b,
                "new_outputs": new_yhat, "new_loss": np.array(new_loss)}

    def specs(self, params):
        n = len(params["inputs"])
        out = [ItemSpec("yhat", YHAT, "outputs", (0, 0)), ItemSpec("L", L, "loss", ()),
               ItemSpec("dyhat", partial(L, YHAT), "doutputs", (0, 0))]
        out += [ItemSpec(f"dw{i}", partial(L, sub("w", i)), "dweights", (0, i - 1)) for i in range(1, n + 1)]
        out.append(ItemSpec("db1", partial(L, sub("b", 1)), "dbiases", (0, 0)))
        out += [ItemSpec(f"w{i}_new", M(f"w_{{{i}}}'", f"w_({i})'"),
                         "new_weights", (0, i - 1)) for i in range(1, n + 1)]
        out += [ItemSpec("b1_new", M("b_{1}'", "b_(1)'"), "new_biases", (0, 0)),
                ItemSpec("yhat_new", M(r"\hat{y}'", "hat(y)'"), "new_outputs", (0, 0)),
                ItemSpec("L_new", M("L'", "L'"), "new_loss", ())]
        return out

    def check(self, params, values):
        x = arr(params, "inputs")
        require(np.all(x != 0), "an input is 0")
        require(distinct_magnitudes(x), "inputs of equal magnitude")
        require(distinct_magnitudes(params["weights"]), "weights of equal magnitude")
        require(np.all(values["dweights"] != 0) and np.all(values["dbiases"] != 0), "a zero gradient")
        require(float(values["new_loss"]) < float(values["loss"]), "the step does not lower the loss")

    def mistakes(self, params, v):
        x, w = arr(params, "inputs").ravel(), arr(params, "weights").ravel()
        b, lr = params["biases"][0][0], params["learning_rate"]
        yhat, dy = float(v["outputs"][0, 0]), float(v["doutputs"][0, 0])
        residual = float(v["outputs"][0, 0] - arr(params, "targets")[0, 0])
        out = {"yhat": {"the bias left out": yhat - b},
               "L": {"the error not squared": residual, "half the squared error": residual ** 2 / 2},
               "dyhat": {"the factor 2 left out": residual},
               "yhat_new": {"the output before the step": yhat, "the bias left out": float(v["new_outputs"][0, 0]) - b},
               "L_new": {"the loss before the step": float(v["loss"])}}
        for i in range(len(x)):
            grad = float(v["dweights"][0, i])
            out[f"dw{i + 1}"] = {"the input left out": dy,
                                 **{f"times x{j + 1} instead of x{i + 1}": dy * x[j] for j in range(len(x)) if j != i}}
            out[f"w{i + 1}_new"] = {"the step not taken": w[i], "a step uphill": w[i] + lr * grad,
                                    "the learning rate left out": w[i] - grad}
        db = float(v["dbiases"][0, 0])
        out["b1_new"] = {"the step not taken": b, "a step uphill": b + lr * db, "the learning rate left out": b - db}
        return out

    def statement(self, params):
        x, w = arr(params, "inputs").ravel(), arr(params, "weights").ravel()
        n = len(x)
        lr = params["learning_rate"]
        return [
            ["A neuron without activation computes ", eq(YHAT, _neuron_formula(n)), ". One sample has inputs ",
             eq(M("x", "x"), vec(x)), " and target ", eq(M("y", "y"), num(params["targets"][0][0])),
             "; the weights are ", eq(M("w", "w"), vec(w)), " and ", eq(sub("b", 1), num(params["biases"][0][0])),
             ". The loss is ", eq(L, M(r"(\hat{y} - y)^2", "(hat(y) - y)^2")), "."],
            ["(a) Compute ", YHAT, " and ", L, ". (b) Compute ", partial(L, YHAT), ", ",
             join(partial(L, sub("w", i)) for i in range(1, n + 1)), " and ", partial(L, sub("b", 1)),
             ". (c) Take one gradient-descent step with learning rate ", eq(sym("eta"), num(lr)),
             ": give the new weights ", join(M(f"w_{{{i}}}'", f"w_({i})'") for i in range(1, n + 1)),
             " and the new bias ", M("b_{1}'", "b_(1)'"), ", then the new output ", M(r"\hat{y}'", "hat(y)'"),
             " and the new loss ", M("L'", "L'"), " (after the step)."],
        ]

    def solution(self, params, v):
        x, w = arr(params, "inputs").ravel(), arr(params, "weights").ravel()
        n, lr = len(x), params["learning_rate"]
        b, y = params["biases"][0][0], params["targets"][0][0]
        yhat, dy = float(v["outputs"][0, 0]), float(v["doutputs"][0, 0])
        terms = join((pnum(wi) + CDOT + pnum(xi) for wi, xi in zip(w, x)), " + ")
        blocks = [Display(eq(YHAT, terms + " + " + pnum(b), num(yhat))),
                  Display(eq(L, M("(", "(") + num(yhat) + " - " + pnum(y) + M(")^2", ")^2"), num(float(v["loss"])))),
                  Display(eq(partial(L, YHAT), M(r"2(\hat{y} - y)", "2(hat(y) - y)"), num(dy)))]
        for i in range(n):
            blocks.append(Display(eq(partial(L, sub("w", i + 1)), partial(L, YHAT) + CDOT + sub("x", i + 1),
                                     num(dy) + CDOT + pnum(x[i]), num(float(v["dweights"][0, i])))))
        blocks.append(Display(eq(partial(L, sub("b", 1)), partial(L, YHAT) + CDOT + "1", num(float(v["dbiases"][0, 0])))))
        for i in range(n):
            blocks.append(Display(eq(M(f"w_{{{i+1}}}'", f"w_({i+1})'"), num(w[i]) + " - " + num(lr) + CDOT + pnum(float(v["dweights"][0, i])),
                                     num(float(v["new_weights"][0, i])))))
        blocks.append(Display(eq(M("b_{1}'", "b_(1)'"), num(b) + " - " + num(lr) + CDOT + pnum(float(v["dbiases"][0, 0])),
                                 num(float(v["new_biases"][0, 0])))))
        blocks.append(Display(eq(M(r"\hat{y}'", "hat(y)'"), num(float(v["new_outputs"][0, 0])))
                              + M(r",\quad L' = ", ", quad L' = ") + num(float(v["new_loss"]))))
        return blocks

    def diagram(self, params):
        from ..diagram import Diagram
        return Diagram.neuron(len(params["inputs"]))


class BatchGradient(Kind):
    """The batch gradient of one neuron over three samples (Example 2)."""

    name = "batch_gradient"
    title = "The gradient of one neuron over a batch"

    def draw(self, rng):
        x = np.column_stack([distinct_nonzero(rng, 5, 3) for _ in range(3)])
        w = nonzero_ints(rng, -3, 3, (1, 3))
        b = rng.choice([-1.0, -0.5, 0.5, 1.0])
        residuals = nonzero_ints(rng, -3, 3, (1, 3)) / 2
        y = w @ x + b - residuals
        return {"inputs": x, "targets": y, "weights": w, "biases": [[b]]}

    def solve(self, params, given=None):
        x, y = arr(params, "inputs"), arr(params, "targets")
        n, batch = x.shape
        layer = Dense.from_arrays(arr(params, "weights"), arr(params, "biases"))
        loss = MeanSquaredError()
        yhat = layer.forward_pass(x)
        value = loss.forward_pass(override(yhat, [f"yhat{j}" for j in range(1, batch + 1)], given), y)
        dyhat = loss.backward_pass()
        layer.backward_pass(override(dyhat, [f"dyhat{j}" for j in range(1, batch + 1)], given))
        per_sample = np.zeros((n + 1, batch))
        one = Dense.from_arrays(arr(params, "weights"), arr(params, "biases"))
        used = override(dyhat, [f"dyhat{j}" for j in range(1, batch + 1)], given)
        for j in range(batch):  # the lecture's per-sample gradients, one column each
            one.forward_pass(x[:, j:j + 1])
            one.backward_pass(used[:, j:j + 1])
            per_sample[:n, j], per_sample[n, j] = one.dweights.ravel(), one.dbiases.item()
        return {"outputs": yhat, "residuals": yhat - y, "loss": np.array(value), "doutputs": dyhat,
                "per_sample": per_sample, "dweights": layer.dweights, "dbiases": layer.dbiases}

    def specs(self, params):
        n, batch = np.shape(params["inputs"])
        out = [ItemSpec(f"yhat{j}", hat("y", j), "outputs", (0, j - 1)) for j in range(1, batch + 1)]
        out.append(ItemSpec("L", L, "loss", ()))
        out += [ItemSpec(f"dyhat{j}", partial(L, hat("y", j)), "doutputs", (0, j - 1)) for j in range(1, batch + 1)]
        out += [ItemSpec(f"dw{i}", partial(L, sub("w", i)), "dweights", (0, i - 1)) for i in range(1, n + 1)]
        out.append(ItemSpec("db1", partial(L, sub("b", 1)), "dbiases", (0, 0)))
        return out

    def check(self, params, values):
        x = arr(params, "inputs")
        require(all(distinct_magnitudes(x[:, j]) for j in range(x.shape[1])), "a sample with inputs of equal magnitude")
        require(np.all(values["dweights"] != 0) and np.all(values["dbiases"] != 0), "a batch gradient cancels to 0")
        swapped = values["doutputs"] @ x  # rows read as samples: must not give the right answer
        require(np.all(np.abs(swapped - values["dweights"]) > 1e-9), "reading samples as rows gives the same gradient")
        require(np.all(np.abs(values["per_sample"]) > 0), "a per-sample gradient is 0")

    def mistakes(self, params, v):
        x = arr(params, "inputs")
        n, batch = x.shape
        b = params["biases"][0][0]
        r = v["residuals"].ravel()
        out = {"L": {"the sum instead of the mean": float(np.sum(r ** 2)), "the errors not squared": float(np.mean(r))}}
        for j in range(batch):
            out[f"yhat{j + 1}"] = {"the bias left out": float(v["outputs"][0, j]) - b}
            out[f"dyhat{j + 1}"] = {f"the factor 2/{batch} left out": float(r[j]), "2(ŷ - y) without the mean": 2 * float(r[j]),
                                    f"divided by {batch} without the 2": float(r[j]) / batch}
        swapped = (v["doutputs"] @ x).ravel()  # samples read as rows
        totals = list(np.ravel(v["dweights"])) + [float(v["dbiases"][0, 0])]
        for i, name in enumerate([f"dw{i}" for i in range(1, n + 1)] + ["db1"]):
            out[name] = {"the mean taken twice": totals[i] / batch, "the sum without the mean": totals[i] * batch,
                         "the first sample's gradient only": float(v["per_sample"][i, 0])}
            if i < n and swapped.size == n:
                out[name]["samples read as rows"] = float(swapped[i])
        return out

    def statement(self, params):
        x, y = arr(params, "inputs"), arr(params, "targets")
        n, batch = x.shape
        samples = join((vec(x[:, j]) + M(r" \to ", " -> ") + num(y[0, j]) for j in range(batch)), ", ")
        return [
            ["A neuron without activation computes ", eq(YHAT, _neuron_formula(n)), " with weights ",
             eq(M("w", "w"), vec(arr(params, "weights").ravel())), " and ", eq(sub("b", 1), num(params["biases"][0][0])),
             ". A batch of ", str(batch), " samples (inputs → target): ", samples, ". The loss is the mean of the squared errors, ",
             eq(L, M(rf"\frac{{1}}{{{batch}}} \sum_j (\hat{{y}}_j - y_j)^2", f"1/{batch} sum_j (hat(y)_j - y_j)^2")), "."],
            ["(a) Compute ", join(hat("y", j) for j in range(1, batch + 1)), " and ", L, ". (b) Compute ",
             join(partial(L, hat("y", j)) for j in range(1, batch + 1)), ". (c) Compute the batch gradient ",
             join(partial(L, sub("w", i)) for i in range(1, n + 1)), ", ", partial(L, sub("b", 1)), "."],
        ]

    def solution(self, params, v):
        x = arr(params, "inputs")
        n, batch = x.shape
        blocks = []
        for j in range(batch):
            blocks.append(Display(eq(hat("y", j + 1), num(float(v["outputs"][0, j]))) + M(r",\quad \hat{y}_{%d} - y_{%d} = " % (j + 1, j + 1), f", quad hat(y)_({j+1}) - y_({j+1}) = ")
                                  + num(float(v["residuals"][0, j]))))
        blocks.append(Display(eq(L, M(rf"\frac{{1}}{{{batch}}}(", f"1/{batch} (") + join((pnum(float(r)) + "^2" for r in v["residuals"][0]), " + ") + ")",
                                 num(float(v["loss"])))))
        for j in range(batch):
            blocks.append(Display(eq(partial(L, hat("y", j + 1)), M(rf"\frac{{2}}{{{batch}}}(\hat{{y}}_{{{j+1}}} - y_{{{j+1}}})", f"2/{batch} (hat(y)_({j+1}) - y_({j+1}))"),
                                     num(float(v["doutputs"][0, j])))))
        names = [sub("w", i) for i in range(1, n + 1)] + [sub("b", 1)]
        totals = list(np.ravel(v["dweights"])) + [float(v["dbiases"][0, 0])]
        for i, name in enumerate(names):
            per = v["per_sample"][i]
            blocks.append(Display(eq(partial(L, name), join((pnum(float(p)) for p in per), " + "), num(float(totals[i])))))
        return blocks

    def diagram(self, params):
        from ..diagram import Diagram
        return Diagram.neuron(len(params["inputs"]))


def from_example(kind: Kind, ex: Mapping) -> dict:
    """The lecture's parameters of a one-neuron example as this kind's params."""
    layer = ex["layers"][0]
    params = {"inputs": ex["inputs"], "targets": ex["targets"], "weights": layer["weights"], "biases": layer["biases"]}
    if kind.name == "gd_step":
        params["learning_rate"] = ex.get("update", {}).get("learning_rate", 0.01)
    return params
