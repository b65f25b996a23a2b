"""Kind 5: activation derivatives (ReLU, sigmoid, tanh) at given points, and the d-inputs they pass back."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from nncourse.reference import ReLU, Sigmoid, Tanh

from ..mathtext import Display, M, eq, num, pnum, sub, sym
from ..bounds import nonzero_ints, require
from ..problem import ItemSpec, Kind

SIGMOID_AT = [0.1, 0.2, 0.25, 0.4, 0.6, 0.75, 0.8, 0.9]
TANH_AT = [-0.9, -0.8, -0.6, -0.5, -0.4, -0.2, 0.2, 0.4, 0.5, 0.6, 0.8, 0.9]
FUNCS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}
NAMES = {"relu": M(r"\mathrm{ReLU}", "op(\"ReLU\")"), "sigmoid": M(r"\sigma", "sigma"), "tanh": M(r"\tanh", "tanh")}


def _ln(ratio: Fraction) -> str:
    return str(ratio.numerator) if ratio.denominator == 1 else f"{ratio.numerator}/{ratio.denominator}"


def point(func: str, at: float) -> M:
    """The exact point x for the drawn value: x itself (ReLU), ln(s/(1-s)) (sigmoid), ½ ln((1+g)/(1-g)) (tanh)."""
    if func == "relu":
        return num(at)
    f = Fraction(at).limit_denominator(100)
    ratio = f / (1 - f) if func == "sigmoid" else (1 + f) / (1 - f)
    sign = ""
    if ratio < 1:
        sign, ratio = "-", 1 / ratio
    half = (r"\tfrac{1}{2}", "1/2 ") if func == "tanh" else ("", "")
    return M(rf"{sign}{half[0]}\ln({_ln(ratio)})", f"{sign}{half[1]}ln({_ln(ratio)})")


def x_value(func: str, at: float) -> float:
    if func == "relu":
        return at
    return float(np.log(at / (1 - at))) if func == "sigmoid" else float(np.arctanh(at))


class ActivationDerivatives(Kind):
    name = "activation_derivatives"
    title = "Activation derivatives"

    def draw(self, rng):
        relu_x = nonzero_ints(rng, -30, 30, 1)[0] / 10
        return {"points": {"relu": relu_x, "sigmoid": float(rng.choice(SIGMOID_AT)), "tanh": float(rng.choice(TANH_AT))},
                "dvalues": {f: float(d) for f, d in zip(FUNCS, nonzero_ints(rng, -5, 5, 3))}}

    def solve(self, params, given=None):
        given = given or {}
        out = {}
        for func, cls in FUNCS.items():
            act = cls()
            y = act.forward_pass(np.array([[x_value(func, params["points"][func])]]))
            deriv = act.backward_pass(np.ones_like(y))
            dinput = act.backward_pass(np.array([[params["dvalues"][func]]]))
            if f"{func}_d" in given:  # carried forward: the student's own derivative
                dinput = np.array([[params["dvalues"][func] * given[f"{func}_d"]]])
            out[f"{func}_out"], out[f"{func}_d"], out[f"{func}_dinput"] = y, deriv, dinput
        return out

    def specs(self, params):
        out = [ItemSpec("relu_out", M(r"\mathrm{ReLU}(x_1)", "op(\"ReLU\")(x_1)"), "relu_out", (0, 0))]
        for k, func in enumerate(FUNCS, 1):
            out.append(ItemSpec(f"{func}_d", NAMES[func] + M(f"'(x_{k})", f"'(x_{k})"), f"{func}_d", (0, 0)))
            out.append(ItemSpec(f"{func}_dinput", M(rf"\text{{d-input}}_{k}", f"\"d-input\"_{k}"), f"{func}_dinput", (0, 0)))
        return out

    def check(self, params, v):
        for func in FUNCS:
            require(v[f"{func}_dinput"].item() != params["dvalues"][func] or func == "relu",
                    "dropping the derivative would give the right d-input")
        s, g = params["points"]["sigmoid"], params["points"]["tanh"]
        require(abs(s * (1 - s) - (1 - s * s)) > 1e-9 and abs(1 - g * g - (1 - g)) > 1e-9, "a wrong formula would agree")

    def mistakes(self, params, v):
        x, dv = params["points"]["relu"], params["dvalues"]
        s, g = params["points"]["sigmoid"], params["points"]["tanh"]
        out = {"sigmoid_d": {"σ instead of σ(1 - σ)": s, "tanh's formula 1 - σ²": 1 - s * s},
               "sigmoid_dinput": {"the derivative left out": dv["sigmoid"], "tanh's formula 1 - σ²": dv["sigmoid"] * (1 - s * s)},
               "tanh_d": {"1 - g instead of 1 - g²": 1 - g, "sigmoid's formula g(1 - g)": g * (1 - g)},
               "tanh_dinput": {"the derivative left out": dv["tanh"], "1 - g instead of 1 - g²": dv["tanh"] * (1 - g)}}
        if x < 0:
            out["relu_out"] = {"x itself": x}
            out["relu_d"] = {"1 for every x": 1.0}
            out["relu_dinput"] = {"the derivative left out": dv["relu"]}
        return out

    def zeros(self, params, v):
        return {"relu_out", "relu_d", "relu_dinput"} if params["points"]["relu"] < 0 else set()

    def statement(self, params):
        p, dv = params["points"], params["dvalues"]
        return [
            ["Compute each derivative at the given point, then the d-input it passes back for the given d-value: ",
             M(r"\text{d-input}_k", "\"d-input\"_k"), " = d-value · derivative at ", sub("x", "k"),
             " (use the convention ReLU'(0) = 0)."],
            ["(1) ReLU at ", eq(M("x_1", "x_1"), point("relu", p["relu"])), ", d-value ", num(dv["relu"]), ": give ",
             M(r"\mathrm{ReLU}(x_1)", "op(\"ReLU\")(x_1)"), ", ", M(r"\mathrm{ReLU}'(x_1)", "op(\"ReLU\")'(x_1)"),
             " and ", M(r"\text{d-input}_1", "\"d-input\"_1"), "."],
            ["(2) Sigmoid at ", eq(M("x_2", "x_2"), point("sigmoid", p["sigmoid"])), ", where ",
             eq(M(r"\sigma(x_2)", "sigma(x_2)"), num(p["sigmoid"])), ", d-value ", num(dv["sigmoid"]), ": give ",
             M(r"\sigma'(x_2)", "sigma'(x_2)"), " and ", M(r"\text{d-input}_2", "\"d-input\"_2"), "."],
            ["(3) Tanh at ", eq(M("x_3", "x_3"), point("tanh", p["tanh"])), ", where ",
             eq(M(r"\tanh(x_3)", "tanh(x_3)"), num(p["tanh"])), ", d-value ", num(dv["tanh"]), ": give ",
             M(r"\tanh'(x_3)", "tanh'(x_3)"), " and ", M(r"\text{d-input}_3", "\"d-input\"_3"), "."],
        ]

    def solution(self, params, v):
        p, dv = params["points"], params["dvalues"]
        c = sym("cdot")
        rd = v["relu_d"].item()
        s, g = p["sigmoid"], p["tanh"]
        return [
            Display(eq(M(r"\mathrm{ReLU}(x_1)", "op(\"ReLU\")(x_1)"), num(v["relu_out"].item())) + M(r",\quad ", ", quad ")
                    + eq(M(r"\mathrm{ReLU}'(x_1)", "op(\"ReLU\")'(x_1)"), M(r"[x_1 > 0]", "[x_1 > 0]"), num(rd))
                    + M(r",\quad ", ", quad ") + eq(M(r"\text{d-input}_1", "\"d-input\"_1"), pnum(dv["relu"]) + c + num(rd), num(v["relu_dinput"].item()))),
            Display(eq(M(r"\sigma'(x_2)", "sigma'(x_2)"), M(r"\sigma(1 - \sigma)", "sigma (1 - sigma)"), num(s) + c + num(1 - s), num(v["sigmoid_d"].item()))
                    + M(r",\quad ", ", quad ") + eq(M(r"\text{d-input}_2", "\"d-input\"_2"), pnum(dv["sigmoid"]) + c + num(v["sigmoid_d"].item()), num(v["sigmoid_dinput"].item()))),
            Display(eq(M(r"\tanh'(x_3)", "tanh'(x_3)"), M(r"1 - g^2", "1 - g^2"), M("1 - ", "1 - ") + pnum(g) + "^2", num(v["tanh_d"].item()))
                    + M(r",\quad ", ", quad ") + eq(M(r"\text{d-input}_3", "\"d-input\"_3"), pnum(dv["tanh"]) + c + num(v["tanh_d"].item()), num(v["tanh_dinput"].item()))),
        ]
