"""Kinds 3 and 4: backpropagation through the lecture's 2 → 3 → 2 network (Example 3),
without activation or with a ReLU / sigmoid hidden layer."""
from __future__ import annotations

from fractions import Fraction
from typing import Mapping

import numpy as np
from nncourse.reference import Dense, MeanSquaredError
from nncourse.reference.network import ACTIVATIONS

from ..mathtext import Display, M, eq, join, num, partial, pnum, sub, sym, vec, mat
from ..bounds import distinct_magnitudes, distinct_nonzero, nonzero_ints, require
from ..problem import ItemSpec, Kind, arr, override

L, CDOT = sym("L"), sym("cdot")
OUT = [M(r"\hat{y}", "hat(y)"), M(r"\hat{z}", "hat(z)")]
OUT_NAMES = ["yhat", "zhat"]
TARGET = [M("y", "y"), M("z", "z")]
SIGMOID_OUTPUTS = [0.2, 0.25, 0.4, 0.6, 0.75, 0.8]


def numbered(shape: tuple[int, int], start: int, prefix: str) -> list[str]:
    """Names of a weight matrix's entries in C order, numbered as the lecture does (column-major)."""
    rows, cols = shape
    return [f"{prefix}{start + i + rows * j}" for i in range(rows) for j in range(cols)]


def _ln_ratio(h: float) -> M:
    """The exact pre-activation z = ln(h / (1 - h)) of a sigmoid output h, e.g. ln 4."""
    ratio = Fraction(h).limit_denominator(100) / (1 - Fraction(h).limit_denominator(100))
    sign = ""
    if ratio < 1:
        sign, ratio = "-", 1 / ratio
    arg = str(ratio.numerator) if ratio.denominator == 1 else f"{ratio.numerator}/{ratio.denominator}"
    tex = arg if ratio.denominator == 1 else rf"\frac{{{ratio.numerator}}}{{{ratio.denominator}}}"
    return M(rf"{sign}\ln {tex}", f"{sign}ln {arg}" if ratio.denominator == 1 else f"{sign}ln({arg})")


class TwoLayer(Kind):
    """Full backpropagation through 2 → 3 → 2; ``activations`` are the hidden layers this kind draws."""

    def __init__(self, name: str, title: str, activations: tuple[str, ...]) -> None:
        self.name, self.title, self.activations = name, title, activations

    # -- drawing -------------------------------------------------------------------------------
    def draw(self, rng):
        act = self.activations[rng.integers(len(self.activations))]
        x = distinct_nonzero(rng, 3, (2, 1))
        W1 = rng.integers(-3, 4, (3, 2)).astype(float)
        W2 = nonzero_ints(rng, -3, 3, (2, 3))
        if act == "sigmoid":
            h = rng.choice(SIGMOID_OUTPUTS, size=(3, 1), replace=False)
            b1 = np.log(h / (1 - h)) - W1 @ x
            b2 = rng.integers(-10, 11, (2, 1)) / 10
            residual = nonzero_ints(rng, -4, 4, (2, 1)) / 2
        else:
            b1 = rng.integers(-2, 3, (3, 1)).astype(float)
            h = W1 @ x + b1
            if act == "relu":
                h = np.maximum(h, 0)
            b2 = rng.integers(-3, 4, (2, 1)).astype(float)
            residual = nonzero_ints(rng, -4, 4, (2, 1))
        y = W2 @ h + b2 - residual  # residual designed first
        params = {"activation": act, "inputs": x, "targets": np.round(y, 6), "hidden_weights": W1,
                  "hidden_biases": b1, "output_weights": W2, "output_biases": b2}
        if act == "sigmoid":
            params["hidden_outputs"] = h
        return params

    # -- solving -------------------------------------------------------------------------------
    def solve(self, params, given=None):
        act_name = params.get("activation", "identity")
        x, y = arr(params, "inputs"), arr(params, "targets")
        hid = Dense.from_arrays(arr(params, "hidden_weights"), arr(params, "hidden_biases"))
        out = Dense.from_arrays(arr(params, "output_weights"), arr(params, "output_biases"))
        act = ACTIVATIONS[act_name]()
        mse = MeanSquaredError()
        n_h = hid.n_neurons
        hv = "u" if act_name == "identity" else "h"
        z = hid.forward_pass(x)
        h = act.forward_pass(override(z, [f"z{j}" for j in range(1, n_h + 1)], given))
        yhat = out.forward_pass(override(h, [f"{hv}{j}" for j in range(1, n_h + 1)], given))
        loss = mse.forward_pass(override(yhat, OUT_NAMES, given), y)
        d_out = mse.backward_pass()
        dh = out.backward_pass(override(d_out, [f"d{n}" for n in OUT_NAMES], given))
        dW2, db2 = out.dweights.copy(), out.dbiases.copy()
        dz = act.backward_pass(override(dh, [f"d{hv}{j}" for j in range(1, n_h + 1)], given))
        if act_name == "identity":
            dz = dz.copy()
        hid.backward_pass(override(dz, [f"dz{j}" for j in range(1, n_h + 1)], given))
        return {"hidden_pre": z, "hidden": h, "outputs": yhat, "loss": np.array(loss), "doutputs": d_out,
                "output_dweights": dW2, "output_dbiases": db2, "dhidden": dh, "dhidden_pre": dz,
                "hidden_dweights": hid.dweights, "hidden_dbiases": hid.dbiases, "dinputs": hid.dinputs}

    def specs(self, params):
        act = params.get("activation", "identity")
        W1, W2 = np.shape(params["hidden_weights"]), np.shape(params["output_weights"])
        n_h, n_w1 = W1[0], W1[0] * W1[1]
        hv = "u" if act == "identity" else "h"
        out: list[ItemSpec] = []
        if act == "relu":
            out += [ItemSpec(f"z{j}", sub("z", j), "hidden_pre", (j - 1, 0)) for j in range(1, n_h + 1)]
        if act != "sigmoid":
            out += [ItemSpec(f"{hv}{j}", sub(hv, j), "hidden", (j - 1, 0)) for j in range(1, n_h + 1)]
        out += [ItemSpec(n, OUT[k], "outputs", (k, 0)) for k, n in enumerate(OUT_NAMES)]
        out.append(ItemSpec("L", L, "loss", ()))
        out += [ItemSpec(f"d{n}", partial(L, OUT[k]), "doutputs", (k, 0)) for k, n in enumerate(OUT_NAMES)]
        out += self._weight_specs(W2, n_w1 + 1, "output_dweights")
        out += [ItemSpec(f"db{n_h + 1 + k}", partial(L, sub("b", n_h + 1 + k)), "output_dbiases", (k, 0)) for k in range(W2[0])]
        out += [ItemSpec(f"d{hv}{j}", partial(L, sub(hv, j)), "dhidden", (j - 1, 0)) for j in range(1, n_h + 1)]
        if act != "identity":
            out += [ItemSpec(f"dz{j}", partial(L, sub("z", j)), "dhidden_pre", (j - 1, 0)) for j in range(1, n_h + 1)]
        out += self._weight_specs(W1, 1, "hidden_dweights")
        return out

    @staticmethod
    def _weight_specs(shape, start, array):
        rows, cols = shape
        specs = []
        for k in range(rows * cols):  # lecture order: column by column
            i, j = k % rows, k // rows
            specs.append(ItemSpec(f"dw{start + k}", partial(L, sub("w", start + k)), array, (i, j)))
        return specs

    # -- redraw rules --------------------------------------------------------------------------
    def check(self, params, v):
        act = params.get("activation", "identity")
        x = arr(params, "inputs")
        require(distinct_magnitudes(x), "inputs of equal magnitude")
        require(np.all(v["doutputs"] != 0), "a zero residual")
        z = v["hidden_pre"]
        if act == "relu":
            require(np.all(z != 0), "a ReLU pre-activation of exactly 0")
            active = z.ravel() > 0
            require(active.sum() == 2, "not exactly two active hidden units")
            require(np.all(v["dhidden"].ravel()[~active] != 0),
                    "dropping ReLU' would give the right answer by accident")
            require(np.all(v["dhidden"].ravel()[active] != 0), "a hidden d-value cancels to 0")
        else:
            require(np.all(v["hidden"] != 0), "a hidden value of 0")
            require(np.all(v["dhidden"] != 0), "a hidden d-value cancels to 0")
        for key in ("hidden_dweights", "output_dweights"):
            g = v[key]
            swapped = g.flatten(order="C") != g.flatten(order="F")
            require(swapped[1:-1].sum() >= 2, "numbering rows first would give the same d-weights")
        if act == "sigmoid":
            require(distinct_magnitudes(v["hidden"]), "hidden outputs of equal value")

    # -- text ----------------------------------------------------------------------------------
    def statement(self, params):
        act = params.get("activation", "identity")
        x, y = arr(params, "inputs").ravel(), arr(params, "targets").ravel()
        W1, W2 = arr(params, "hidden_weights"), arr(params, "output_weights")
        hv = "u" if act == "identity" else "h"
        first = ["A network 2 → 3 → 2 (see the diagram; weights numbered as in the lecture, ",
                 eq(sub("w", 1), M(r"x_1 \to u_1", "x_1 -> u_1")), ", ", eq(sub("w", 2), M(r"x_1 \to u_2", "x_1 -> u_2")),
                 ", …) gets the sample ", eq(M("x", "x"), vec(x)), " with targets ", eq(M("(y, z)", "(y, z)"), vec(y)),
                 ". Hidden layer: weights ", eq(M("W_1", "W_1"), mat(W1))]
        if act == "sigmoid":
            h = arr(params, "hidden_outputs").ravel()
            first += [", sigmoid activation ", eq(sub("h", "j"), M(r"\sigma(z_j)", "sigma(z_j)")),
                      "; its biases are set so that the pre-activations are ",
                      eq(M("z", "z"), M("(", "(") + join(_ln_ratio(v) for v in h) + ")"),
                      ", that is ", eq(M("h", "h"), vec(h)), ". "]
        else:
            first += [" and biases ", eq(M("(b_1, b_2, b_3)", "(b_1, b_2, b_3)"), vec(arr(params, "hidden_biases").ravel()))]
            first += [", ReLU activation " if act == "relu" else ", no activation. ",
                      eq(sub("h", "j"), M(r"\max(0, z_j)", "max(0, z_j)")) if act == "relu" else "", ". " if act == "relu" else ""]
        first += ["Output layer: weights ", eq(M("W_2", "W_2"), mat(W2)), " and biases ",
                  eq(M("(b_4, b_5)", "(b_4, b_5)"), vec(arr(params, "output_biases").ravel())), ", no activation. Loss ",
                  eq(L, M(r"\frac{1}{2}\left((\hat{y} - y)^2 + (\hat{z} - z)^2\right)", "1/2 ((hat(y) - y)^2 + (hat(z) - z)^2)")), "."]
        fwd = "the hidden values " + ("z and h" if act == "relu" else "u" if act == "identity" else "") 
        asks = ["(a) Forward pass: ", (fwd + ", " if act != "sigmoid" else ""), "the outputs ", OUT[0], ", ", OUT[1],
                " and the loss. (b) Backward pass: ", partial(L, OUT[0]), ", ", partial(L, OUT[1]), ", every ",
                partial(L, sub("w", "k")), " for ", M("k = 7, …, 12", "k = 7, ..., 12"), ", ", partial(L, sub("b", 4)), ", ",
                partial(L, sub("b", 5)), "; then ", partial(L, sub(hv, "j"))]
        if act != "identity":
            asks += [", ", partial(L, sub("z", "j")), " (these are the ", partial(L, sub("b", "j")), ")"]
        else:
            asks += [" (these are the ", partial(L, sub("b", "j")), ")"]
        asks += [" and ", partial(L, sub("w", "k")), " for ", M("k = 1, …, 6", "k = 1, ..., 6"), "."]
        return [first, asks]

    def solution(self, params, v):
        act = params.get("activation", "identity")
        x = arr(params, "inputs").ravel()
        hv = "u" if act == "identity" else "h"
        blocks = []
        z, h = v["hidden_pre"].ravel(), v["hidden"].ravel()
        if act != "sigmoid":
            blocks.append(Display(eq(M("z", "z"), M(r"W_1 x + b", "W_1 x + b"), vec(z))))
        if act == "relu":
            blocks.append(Display(eq(M("h", "h"), M(r"\max(0, z)", "max(0, z)"), vec(h))))
        elif act == "sigmoid":
            blocks.append(Display(eq(M("h", "h"), M(r"\sigma(z)", "sigma(z)"), vec(h))))
        else:
            blocks.append(Display(eq(M("u", "u"), vec(h))))
        yhat, d = v["outputs"].ravel(), v["doutputs"].ravel()
        blocks.append(Display(eq(M(r"(\hat{y}, \hat{z})", "(hat(y), hat(z))"), M(f"W_2 {hv} + b", f"W_2 {hv} + b"), vec(yhat))))
        blocks.append(Display(eq(L, M(r"\frac{1}{2}(", "1/2 (") + pnum(float(d[0])) + "^2 + " + pnum(float(d[1])) + "^2)",
                                 num(float(v["loss"])))))
        blocks.append(Display(eq(partial(L, OUT[0]), M(r"\hat{y} - y", "hat(y) - y"), num(float(d[0])))
                              + M(r",\quad ", ", quad ") + eq(partial(L, OUT[1]), M(r"\hat{z} - z", "hat(z) - z"), num(float(d[1])))))
        n_h = len(h)
        for k in range(2 * n_h):
            i, j = k % 2, k // 2
            blocks.append(Display(eq(partial(L, sub("w", 2 * n_h + k + 1)), partial(L, OUT[i]) + CDOT + sub(hv, j + 1),
                                     num(float(d[i])) + CDOT + pnum(float(h[j])), num(float(v["output_dweights"][i, j])))))
        blocks.append(Display(eq(partial(L, sub("b", n_h + 1)), num(float(d[0]))) + M(r",\quad ", ", quad ")
                              + eq(partial(L, sub("b", n_h + 2)), num(float(d[1])))))
        W2 = arr(params, "output_weights")
        dh, dz = v["dhidden"].ravel(), v["dhidden_pre"].ravel()
        for j in range(n_h):
            w_a, w_b = 2 * n_h + 2 * j + 1, 2 * n_h + 2 * j + 2
            line = eq(partial(L, sub(hv, j + 1)), partial(L, OUT[0]) + CDOT + sub("w", w_a) + " + " + partial(L, OUT[1]) + CDOT + sub("w", w_b),
                      num(float(d[0])) + CDOT + pnum(W2[0, j]) + " + " + pnum(float(d[1])) + CDOT + pnum(W2[1, j]), num(float(dh[j])))
            blocks.append(Display(line))
            if act == "relu":
                blocks.append(Display(eq(partial(L, sub("z", j + 1)), partial(L, sub("h", j + 1)) + CDOT + M(f"[z_{{{j+1}}} > 0]", f"[z_({j+1}) > 0]"), num(float(dz[j])))))
            elif act == "sigmoid":
                blocks.append(Display(eq(partial(L, sub("z", j + 1)), partial(L, sub("h", j + 1)) + CDOT + M(f"h_{{{j+1}}}(1 - h_{{{j+1}}})", f"h_({j+1}) (1 - h_({j+1}))"),
                                         num(float(dh[j])) + CDOT + num(float(h[j] * (1 - h[j]))), num(float(dz[j])))))
        blocks.append(["The hidden d-biases are these d-values: ", eq(M(r"\partial L/\partial(b_1, b_2, b_3)", "partial L slash partial(b_1, b_2, b_3)"), vec(dz)), "."])
        for k in range(n_h * 2):
            i, j = k % n_h, k // n_h
            zname = sub("u", i + 1) if act == "identity" else sub("z", i + 1)
            blocks.append(Display(eq(partial(L, sub("w", k + 1)), partial(L, zname) + CDOT + sub("x", j + 1),
                                     num(float(dz[i])) + CDOT + pnum(x[j]), num(float(v["hidden_dweights"][i, j])))))
        return blocks

    def diagram(self, params):
        from ..diagram import Diagram
        return Diagram.two_layer(params.get("activation", "identity"))


def from_example(ex: Mapping) -> dict:
    hidden, output = ex["layers"]
    return {"activation": hidden.get("activation", "identity"), "inputs": ex["inputs"], "targets": ex["targets"],
            "hidden_weights": hidden["weights"], "hidden_biases": hidden["biases"],
            "output_weights": output["weights"], "output_biases": output["biases"]}
