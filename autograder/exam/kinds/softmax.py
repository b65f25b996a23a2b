"""Kind 6: softmax + categorical cross-entropy for one sample, and its gradient w.r.t. the logits."""
from __future__ import annotations

import numpy as np
from nncourse.reference import CategoricalCrossEntropy, SoftmaxCrossEntropy

from ..mathtext import Display, M, eq, join, num, partial, sub, sym, vec
from ..bounds import require
from ..problem import ItemSpec, Kind

# Whole-number weights k with softmax(ln k) = k / sum(k) a short decimal: the sum divides 100.
TOTALS = (8, 10, 20)


class SoftmaxCE(Kind):
    name = "softmax_ce"
    title = "Softmax and cross-entropy"

    def draw(self, rng):
        total = int(rng.choice(TOTALS))
        while True:
            cut = np.sort(rng.choice(np.arange(1, total), size=2, replace=False))
            k = np.diff(np.concatenate([[0], cut, [total]]))
            if len(set(k.tolist())) == 3:
                break
        return {"weights": k.astype(int).tolist(), "target": int(rng.integers(3))}

    def solve(self, params, given=None):
        k = np.array(params["weights"], dtype=float).reshape(-1, 1)
        target = np.array([params["target"]])
        sce = SoftmaxCrossEntropy()
        loss = sce.forward_pass(np.log(k), target)
        probs = sce.outputs.copy()
        names = [f"p{j}" for j in range(1, len(k) + 1)]
        if given and any(n in given for n in names):  # carried forward from the student's probabilities
            sce.outputs = np.array([[given.get(n, probs[j, 0])] for j, n in enumerate(names)])
            loss = CategoricalCrossEntropy().forward_pass(np.clip(sce.outputs, 1e-12, 1), target)
        return {"probs": probs, "loss": np.array(loss), "dlogits": sce.backward_pass()}

    def specs(self, params):
        n = len(params["weights"])
        out = [ItemSpec(f"p{j}", sub("p", j), "probs", (j - 1, 0)) for j in range(1, n + 1)]
        out.append(ItemSpec("L", sym("L"), "loss", (), rounded=True, decimals=3))
        out += [ItemSpec(f"dz{j}", partial(sym("L"), sub("z", j)), "dlogits", (j - 1, 0)) for j in range(1, n + 1)]
        return out

    def check(self, params, v):
        require(len(set(np.round(v["probs"].ravel(), 9))) == v["probs"].size, "equal probabilities")

    def mistakes(self, params, v):
        k, c = params["weights"], params["target"]
        p = v["probs"].ravel()
        out = {f"p{j + 1}": {"e^z not divided by the sum": float(k[j])} for j in range(len(k))}
        out["L"] = {**{f"-ln p of class {j + 1}": float(-np.log(p[j])) for j in range(len(k)) if j != c},
                    "log base 10": float(-np.log10(p[c])), "1 - p of the true class": float(1 - p[c])}
        out[f"dz{c + 1}"] = {"the one-hot not subtracted": float(p[c])}
        return out

    def statement(self, params):
        k, c = params["weights"], params["target"] + 1
        logits = M("(", "(") + join(M(rf"\ln {x}", f"ln {x}") for x in k) + ")"
        return [["A classifier's last layer gives the logits ", eq(M("z", "z"), logits),
                 " for one sample whose true class is class ", str(c), " of ", str(len(k)),
                 ". (a) Compute the softmax probabilities ", join(sub("p", j) for j in range(1, len(k) + 1)),
                 ". (b) Compute the cross-entropy loss ", eq(sym("L"), M(rf"-\ln p_{{{c}}}", f"-ln p_({c})")),
                 " (to 3 decimals). (c) Compute ", join(partial(sym("L"), sub("z", j)) for j in range(1, len(k) + 1)), "."]]

    def solution(self, params, v):
        k, c = params["weights"], params["target"] + 1
        p, d = v["probs"].ravel(), v["dlogits"].ravel()
        onehot = [1.0 if j == c - 1 else 0.0 for j in range(len(k))]
        return [Display(eq(M("p", "p"), M(r"\frac{e^{z}}{\sum_j e^{z_j}}", "e^z / (sum_j e^(z_j))"),
                           M(rf"\frac{{1}}{{{sum(k)}}}", f"1/{sum(k)}") + vec(k), vec(p))),
                Display(eq(sym("L"), M(rf"-\ln {num(p[c - 1]).tex}", f"-ln {num(p[c - 1]).typ}"), num(float(v["loss"]), exact=False))),
                Display(eq(partial(sym("L"), M("z", "z")), M(r"p - y_{\text{one-hot}}", "p - y_\"one-hot\""),
                           vec(p) + " - " + vec(onehot), vec(d)))]
