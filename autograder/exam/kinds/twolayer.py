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
SIGMOID_OUTPUTS = [0.2, 0.25, 0.4, 0.6, 0.75, 0.8]


def numbered(shape: tuple[int, int], start: int, prefix: str) -> list[str]:
    """Names of a weight matrix's entries in C order, numbered as the lecture does (column-major)."""
    rows, cols = shape
    return [f"{prefix}{start + i + rows * j}" for i in range(rows) for j in range(cols)]


def _numbering(hv: str) -> M:
    """How the twelve weights are numbered (the lecture's column-major order), for the statement."""
    first = [eq(sub("w", 1 + i + 3 * j), M(rf"x_{j + 1} \to {hv}_{i + 1}", f"x_{j + 1} -> {hv}_{i + 1}")) for j in range(2) for i in range(3)]
    outs = [r"\hat{y}", r"\hat{z}"], ["hat(y)", "hat(z)"]
    second = [eq(sub("w", 7 + k + 2 * j), M(rf"{hv}_{j + 1} \to {outs[0][k]}", f"{hv}_{j + 1} -> {outs[1][k]}")) for j in range(3) for k in range(2)]
    return join(first + second)


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
            b1 = nonzero_ints(rng, -2, 2, (3, 1))  # a zero bias would make "the bias left out" right
            h = W1 @ x + b1
            if act == "relu":
                h = np.maximum(h, 0)
            b2 = nonzero_ints(rng, -3, 3, (2, 1))
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

    def mistakes(self, params, v):
        act = params.get("activation", "identity")
        hv = "u" if act == "identity" else "h"
        b1, b2 = arr(params, "hidden_biases").ravel(), arr(params, "output_biases").ravel()
        x, W2 = arr(params, "inputs").ravel(), arr(params, "output_weights")
        z, h, d = v["hidden_pre"].ravel(), v["hidden"].ravel(), v["doutputs"].ravel()
        dh, dz = v["dhidden"].ravel(), v["dhidden_pre"].ravel()
        off = (z <= 0) if act == "relu" else np.zeros(z.size, bool)
        out: dict[str, dict[str, float]] = {"L": {"the ½ left out": float(np.sum(d ** 2))}}
        for k, name in enumerate(OUT_NAMES):
            out[name] = {"the bias left out": float(v["outputs"][k, 0]) - b2[k]}
            out[f"d{name}"] = {"with a factor 2 (the ½ forgotten)": 2 * float(d[k])}
        out["db4"], out["db5"] = {"b₄ and b₅ swapped": float(d[1])}, {"b₄ and b₅ swapped": float(d[0])}
        for j in range(len(z)):
            if act != "sigmoid":
                out[f"z{j + 1}" if act == "relu" else f"u{j + 1}"] = {"the bias left out": float(z[j] - b1[j])}
            if off[j]:
                out[f"h{j + 1}"] = {"ReLU not applied": float(z[j])}
            out[f"d{hv}{j + 1}"] = {"only the first output's term": float(d[0] * W2[0, j]),
                                   "only the second output's term": float(d[1] * W2[1, j])}
            if act == "relu" and off[j]:
                out[f"dz{j + 1}"] = {"ReLU' left out": float(dh[j])}
            if act == "sigmoid":
                out[f"dz{j + 1}"] = {"σ' left out": float(dh[j]), "σ' taken as h": float(dh[j] * h[j]),
                                     "σ' taken as 1 - h": float(dh[j] * (1 - h[j]))}
        wrong_dz = np.where(off, dh, dz) if act == "relu" else dh if act == "sigmoid" else None
        for name_of, grads, start, before in (("output", v["output_dweights"], 2 * len(z) + 1, h),
                                              ("hidden", v["hidden_dweights"], 1, x)):
            rows, cols = grads.shape
            by_rows = grads.flatten(order="C")
            for k in range(rows * cols):  # the lecture numbers column by column
                i, j = k % rows, k // rows
                wrong = {}
                if by_rows[k] is not None and (k != i * cols + j):
                    wrong["the weights numbered row by row"] = float(by_rows[k])
                if name_of == "output" and off[j]:
                    wrong["times z instead of h"] = float(d[i] * z[j])
                if name_of == "hidden" and wrong_dz is not None and (act == "sigmoid" or off[i]):
                    wrong["the activation's derivative left out"] = float(wrong_dz[i] * x[j])
                out[f"dw{start + k}"] = wrong
        return out

    def zeros(self, params, v):
        if params.get("activation") != "relu":
            return set()
        off = [j for j, zj in enumerate(v["hidden_pre"].ravel()) if zj <= 0]
        n_h = len(v["hidden_pre"])
        names = set()
        for j in off:
            names |= {f"h{j + 1}", f"dz{j + 1}"}
            names |= {f"dw{1 + j + n_h * c}" for c in range(2)}        # hidden d-weights of unit j
            names |= {f"dw{2 * n_h + 1 + 2 * j + r}" for r in range(2)}  # output d-weights from unit j
        return names

    # -- text ----------------------------------------------------------------------------------
    def statement(self, params):
        act = params.get("activation", "identity")
        x, y = arr(params, "inputs").ravel(), arr(params, "targets").ravel()
        W1, W2 = arr(params, "hidden_weights"), arr(params, "output_weights")
        hv = "u" if act == "identity" else "h"
        first = ["A network ", M(r"2 \to 3 \to 2", "2 -> 3 -> 2"), " (see the diagram) gets the sample ", eq(M("x", "x"), vec(x)),
                 " with the targets ", eq(M("(t_1, t_2)", "(t_1, t_2)"), vec(y)), " for its outputs ", OUT[0], " and ", OUT[1],
                 ". The weights are numbered as in the lecture, column by column: ", _numbering(hv),
                 ". Hidden layer: weights ", eq(M("W_1", "W_1"), mat(W1))]
        if act == "sigmoid":
            h = arr(params, "hidden_outputs").ravel()
            first += [", sigmoid activation ", eq(sub("h", "j"), M(r"\sigma(z_j)", "sigma(z_j)")),
                      "; its biases are set so that the pre-activations are ",
                      eq(M("(z_1, z_2, z_3)", "(z_1, z_2, z_3)"), M("(", "(") + join(_ln_ratio(v) for v in h) + ")"),
                      ", that is ", eq(M("(h_1, h_2, h_3)", "(h_1, h_2, h_3)"), vec(h)), ". "]
        else:
            first += [" and biases ", eq(M("(b_1, b_2, b_3)", "(b_1, b_2, b_3)"), vec(arr(params, "hidden_biases").ravel()))]
            if act == "relu":
                first += [", ReLU activation ", eq(sub("h", "j"), M(r"\max(0, z_j)", "max(0, z_j)")),
                          " of the pre-activations ", sub("z", "j"), ". "]
            else:
                first += [", no activation: the hidden values are ", M("u_1, u_2, u_3", "u_1, u_2, u_3"), ". "]
        first += ["Output layer: weights ", eq(M("W_2", "W_2"), mat(W2)), " and biases ",
                  eq(M("(b_4, b_5)", "(b_4, b_5)"), vec(arr(params, "output_biases").ravel())), ", no activation. Loss ",
                  eq(L, M(r"\frac{1}{2}\left((\hat{y} - t_1)^2 + (\hat{z} - t_2)^2\right)", "1/2 ((hat(y) - t_1)^2 + (hat(z) - t_2)^2)")), "."]
        fwd = {"relu": ["the pre-activations ", sub("z", "j"), " and hidden values ", sub("h", "j"), ", "],
               "identity": ["the hidden values ", sub("u", "j"), ", "], "sigmoid": []}[act]
        asks = ["(a) Forward pass: ", *fwd, "the outputs ", OUT[0], ", ", OUT[1],
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
        if act == "relu":
            blocks.append(Display(eq(M("z", "z"), M(r"W_1 x + b", "W_1 x + b"), vec(z))))
            blocks.append(Display(eq(M("h", "h"), M(r"\max(0, z)", "max(0, z)"), vec(h))))
        elif act == "sigmoid":
            blocks.append(Display(eq(M("h", "h"), M(r"\sigma(z)", "sigma(z)"), vec(h))))
        else:
            blocks.append(Display(eq(M("u", "u"), M(r"W_1 x + b", "W_1 x + b"), vec(h))))
        yhat, d = v["outputs"].ravel(), v["doutputs"].ravel()
        blocks.append(Display(eq(M(r"(\hat{y}, \hat{z})", "(hat(y), hat(z))"), M(f"W_2 {hv} + b", f"W_2 {hv} + b"), vec(yhat))))
        blocks.append(Display(eq(L, M(r"\frac{1}{2}(", "1/2 (") + pnum(float(d[0])) + "^2 + " + pnum(float(d[1])) + "^2)",
                                 num(float(v["loss"])))))
        blocks.append(Display(eq(partial(L, OUT[0]), M(r"\hat{y} - t_1", "hat(y) - t_1"), num(float(d[0])))
                              + M(r",\quad ", ", quad ") + eq(partial(L, OUT[1]), M(r"\hat{z} - t_2", "hat(z) - t_2"), num(float(d[1])))))
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
