"""Kind 7: two steps of SGD with momentum, or of Adam, by hand (lecture's optimizers)."""
from __future__ import annotations

import numpy as np
from nncourse.reference import SGD, Adam, Dense

from ..mathtext import Display, M, eq, num, pnum, sub, sym, vec
from ..bounds import nonzero_ints, require
from ..problem import ItemSpec, Kind, override

PARAMS = ["w1", "w2", "b1"]
LABELS = [sub("w", 1), sub("w", 2), sub("b", 1)]


def _layer(values) -> Dense:
    values = np.asarray(values, dtype=float).ravel()
    return Dense.from_arrays(values[:2].reshape(1, 2), values[2:].reshape(1, 1))


def _flat(layer: Dense) -> np.ndarray:
    return np.concatenate([layer.weights.ravel(), layer.biases.ravel()])


def _step(layer: Dense, optimizer, grads) -> None:
    g = np.asarray(grads, dtype=float).ravel()
    layer.dweights, layer.dbiases = g[:2].reshape(1, 2), g[2:].reshape(1, 1)
    optimizer.step([layer])


class OptimizerSteps(Kind):
    name = "optimizer_steps"
    title = "Two optimizer steps by hand"

    def draw(self, rng):
        method = "momentum" if rng.integers(2) == 0 else "adam"
        start = nonzero_ints(rng, -10, 10, 3) / 10
        grads = [nonzero_ints(rng, -5, 5, 3), nonzero_ints(rng, -5, 5, 3)]
        if method == "momentum":
            return {"method": method, "start": start, "gradients": grads, "learning_rate": 0.1,
                    "momentum": float(rng.choice([0.5, 0.9]))}
        return {"method": method, "start": start, "gradients": grads, "learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999}

    def _optimizer(self, params):
        if params["method"] == "momentum":
            return SGD(learning_rate=params["learning_rate"], momentum=params["momentum"])
        # epsilon 0: the statement says to ignore ε, so the key does too
        return Adam(learning_rate=params["learning_rate"], beta1=params["beta1"], beta2=params["beta2"], epsilon=0.0)

    def solve(self, params, given=None):
        g1, g2 = (np.asarray(g, dtype=float) for g in params["gradients"])
        layer, opt = _layer(params["start"]), self._optimizer(params)
        start = _flat(layer)
        _step(layer, opt, g1)
        after1 = _flat(layer)
        _step(layer, opt, g2)
        after2 = _flat(layer)
        out = {"after1": after1, "after2": after2, "step1": after1 - start, "step2": after2 - after1}
        if given:  # carried forward: step 2 from the student's own values after step 1
            used1 = override(after1, [f"{p}_1" for p in PARAMS], given)
            if params["method"] == "momentum":
                v1 = override(after1 - start, [f"v{p}_1" for p in PARAMS], given)
                # A fresh momentum optimizer's first velocity is -η·g; choosing g = g2 - μ·v1/η gives μ·v1 - η·g2.
                fresh, lay = self._optimizer(params), _layer(used1)
                _step(lay, fresh, g2 - params["momentum"] * v1 / params["learning_rate"])
                out["after2"], out["step2"] = _flat(lay), _flat(lay) - used1
            else:
                out["after2"] = used1 + out["step2"]
        return out

    def specs(self, params):
        out = []
        mom = params["method"] == "momentum"
        for step in (1, 2):
            if mom:
                out += [ItemSpec(f"v{p}_{step}", M(f"v_{{{lab.tex}}}^{{({step})}}", f"v_({lab.typ})^(({step}))"), f"step{step}", (k,))
                        for k, (p, lab) in enumerate(zip(PARAMS, LABELS))]
            out += [ItemSpec(f"{p}_{step}", lab + M(f"^{{({step})}}", f"^(({step}))"), f"after{step}", (k,), rounded=(not mom and step == 2), decimals=4 if not mom and step == 2 else 3)
                    for k, (p, lab) in enumerate(zip(PARAMS, LABELS))]
        return out

    def check(self, params, v):
        g1, g2 = (np.asarray(g, dtype=float) for g in params["gradients"])
        require(np.all(g1 != g2), "equal gradients in both steps")
        if params["method"] == "momentum":
            plain = v["after1"] - params["learning_rate"] * g2
            require(np.all(np.abs(plain - v["after2"]) > 1e-9), "ignoring momentum would give the right answer")
        require(np.all(np.abs(v["after2"]) > 1e-9), "a parameter lands on 0")

    def mistakes(self, params, v):
        lr = params["learning_rate"]
        g1, g2 = (np.asarray(g, dtype=float) for g in params["gradients"])
        start, a1 = np.asarray(params["start"], dtype=float), v["after1"]
        s1, s2 = v["step1"], v["step2"]
        out = {}
        for k, p in enumerate(PARAMS):
            first = {"the step not taken": start[k], "a step uphill": start[k] - s1[k]}
            second = {"step 2 not taken": a1[k], "a step uphill": a1[k] - s2[k], "step 1 taken again": a1[k] + s1[k],
                      "plain gradient descent": a1[k] - lr * g2[k]}
            if params["method"] == "momentum":
                mu = params["momentum"]
                out[f"v{p}_1"] = {"the learning rate left out": -g1[k]}
                out[f"v{p}_2"] = {"momentum ignored": -lr * g2[k], "step 1's velocity": s1[k],
                                  "μ left out (μ = 1)": s1[k] - lr * g2[k], "μ on the gradient": s1[k] - mu * lr * g2[k]}
            else:
                b1, b2 = params["beta1"], params["beta2"]
                m = b1 * (1 - b1) * g1[k] + (1 - b1) * g2[k]
                s = b2 * (1 - b2) * g1[k] ** 2 + (1 - b2) * g2[k] ** 2
                first["without bias correction"] = start[k] - lr * (1 - b1) * g1[k] / np.sqrt((1 - b2) * g1[k] ** 2)
                second["without bias correction"] = a1[k] - lr * m / np.sqrt(s)
                second["the moments restarted"] = a1[k] - lr * np.sign(g2[k])
            out[f"{p}_1"], out[f"{p}_2"] = first, second
        return {name: {why: float(w) for why, w in d.items()} for name, d in out.items()}

    def statement(self, params):
        mom = params["method"] == "momentum"
        g1, g2 = params["gradients"]
        head = ["The parameters ", eq(M("(w_1, w_2, b_1)", "(w_1, w_2, b_1)"), vec(params["start"])),
                " (a superscript counts the steps: ", M(r"w_1^{(2)}", "w_1^((2))"), " is ", sub("w", 1), " after step 2)",
                " get the gradients ", eq(M("g^{(1)}", "g^((1))"), vec(g1)), " in step 1 and ",
                eq(M("g^{(2)}", "g^((2))"), vec(g2)), " in step 2. "]
        if mom:
            head += ["Use SGD with momentum, ", eq(sym("eta"), num(params["learning_rate"])), ", ",
                     eq(sym("mu"), num(params["momentum"])), ", velocities starting at 0: ",
                     M(r"v \leftarrow \mu v - \eta g,\ \theta \leftarrow \theta + v", "v <- mu v - eta g, space theta <- theta + v"),
                     ". Give each velocity ", M(r"v_{w_1}^{(1)}, \dots, v_{b_1}^{(2)}", "v_(w_1)^((1)), ..., v_(b_1)^((2))"),
                     " and each parameter after step 1 and after step 2."]
        else:
            head += ["Use Adam with ", eq(sym("eta"), num(params["learning_rate"])), ", ", eq(sym("beta1"), num(params["beta1"])), ", ",
                     eq(sym("beta2"), num(params["beta2"])), " (ignore ε), moments starting at 0, bias-corrected: ",
                     M(r"m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2) g^2,\ \theta \leftarrow \theta - \eta \frac{m/(1-\beta_1^t)}{\sqrt{v/(1-\beta_2^t)}}",
                       "m <- beta_1 m + (1-beta_1) g, space v <- beta_2 v + (1-beta_2) g^2, space theta <- theta - eta (m\\/(1-beta_1^t))/sqrt(v\\/(1-beta_2^t))"),
                     ". Give each parameter after step 1 and after step 2 (to 4 decimals)."]
        return [head]

    def solution(self, params, v):
        blocks = []
        lr = params["learning_rate"]
        g1, g2 = (np.asarray(g, dtype=float) for g in params["gradients"])
        start = np.asarray(params["start"], dtype=float)
        for k, lab in enumerate(LABELS):
            if params["method"] == "momentum":
                mu = params["momentum"]
                v1, v2 = v["step1"][k], v["step2"][k]
                blocks.append(Display(eq(M("v^{(1)}", "v^((1))"), M(f"-{num(lr).tex}", f"-{num(lr).typ}") + sym("cdot") + pnum(g1[k]), num(v1))
                                      + M(r",\quad ", ", quad ") + eq(lab + M("^{(1)}", "^((1))"), num(start[k]) + " + " + pnum(v1), num(v["after1"][k]))))
                blocks.append(Display(eq(M("v^{(2)}", "v^((2))"), num(mu) + sym("cdot") + pnum(v1) + " - " + num(lr) + sym("cdot") + pnum(g2[k]), num(v2))
                                      + M(r",\quad ", ", quad ") + eq(lab + M("^{(2)}", "^((2))"), num(v["after1"][k]) + " + " + pnum(v2), num(v["after2"][k]))))
            else:
                b1, b2 = params["beta1"], params["beta2"]
                m2 = b1 * (1 - b1) * g1[k] + (1 - b1) * g2[k]
                s2 = b2 * (1 - b2) * g1[k] ** 2 + (1 - b2) * g2[k] ** 2
                blocks.append(Display(eq(lab + M("^{(1)}", "^((1))"), num(start[k]) + " - " + num(lr) + sym("cdot") + M(r"\operatorname{sign}(g)", "op(\"sign\")(g)"),
                                         num(v["after1"][k]))))
                blocks.append(Display(eq(M("m^{(2)}", "m^((2))"), num(m2, exact=False, digits=6)) + M(r",\quad ", ", quad ")
                                      + eq(M("v^{(2)}", "v^((2))"), num(s2, exact=False, digits=6)) + M(r",\quad ", ", quad ")
                                      + eq(lab + M("^{(2)}", "^((2))"), num(v["after1"][k]) + " - " + num(lr) + M(r"\frac{m^{(2)}/%s}{\sqrt{v^{(2)}/%s}}" % (num(1 - b1 ** 2, exact=False, digits=6).tex, num(1 - b2 ** 2, exact=False, digits=6).tex),
                                                                                                            f"(m^((2))\\/{num(1 - b1 ** 2, exact=False, digits=6).typ})/sqrt(v^((2))\\/{num(1 - b2 ** 2, exact=False, digits=6).typ})"),
                                           M(r"\approx ", "approx ") + num(v["after2"][k], exact=False))))
        return blocks
