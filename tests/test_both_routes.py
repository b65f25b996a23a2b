"""Both routes give the same score: nbgrader's own autograde and nncourse's grade-all, on the same notebooks.

The notebooks: each assignment's solution, correct code written other ways (loops, `@`, einsum,
float32, other numpy and pandas idioms, d-values returned but not kept), and realistic
single-bug submissions that earn partial credit (nbgrader records the hidden check's score as the
test cell's partial credit) or none. Every test cell must get the same points by both routes.
"""
from __future__ import annotations

import csv
import json
import shutil

import nbformat
import pytest

from nncourse.assignments.checking import numbers_for
from nncourse.autograder.cli import main
from nncourse.autograder.own_numbers import SHIPPED
from nncourse.autograder.registry import checks_for
from notebook_variants import edited

#: A classmate's numbers, typed into another student's Example 1 (copied with their work).
_COPIED = numbers_for(json.loads((SHIPPED / "gradients.json").read_text()), "gradients_solution")["example1"]

pytestmark = pytest.mark.xdist_group("both_routes")

#: student -> (assignment, {answer cell: [(old, new)]}), edits of the notebook's own solution.
SUBMISSIONS = {
    "gradients_solution": ("gradients", {}),
    "gradients_no_bias": ("gradients", {"answer_batch_gradient": [("yhat = np.dot(w, X) + b", "yhat = np.dot(w, X)")]}),
    "gradients_rows": ("gradients", {"answer_batch_gradient": [("/ X.shape[1]", "/ X.shape[0]")],
                                     "answer_gradient_descent_step": [("w - learning_rate * dw", "w + learning_rate * dw")]}),
    "gradients_copied": ("gradients", {"answer_example1": [('mine = numbers["example1"]', f"mine = {_COPIED!r}")]}),
    "gradients_carried": ("gradients", {"answer_example3": [("u3 * w[11] + b[4]", "u3 * w[11]")]}),
    "layers_solution": ("layers", {}),
    "layers_mean": ("layers", {"answer_dense": [("np.sum(dvalues, axis=1, keepdims=True)",
                                                  "np.mean(dvalues, axis=1, keepdims=True)")]}),
    "layers_stale": ("layers", {"answer_dense": [("        self.inputs = batch_inputs\n",
                                                   "        if not hasattr(self, 'inputs'):\n"
                                                   "            self.inputs = batch_inputs\n")],
                                "answer_network": [("grad = layer.backward_pass(grad)", "layer.backward_pass(grad)")]}),
    "activations_solution": ("activations", {}),
    "activations_mistakes": ("activations", {
        "answer_relu": [("dvalues * (self.inputs > 0)", "dvalues * (dvalues > 0)")],
        "answer_cce": [("-self.targets / self.predictions / self.predictions.shape[1]",
                        "-self.targets / self.predictions")]}),
    "activations_clipped": ("activations", {"answer_softmax_cce": [
        ("return float(np.sum(self.targets * (log_sum - logits)) / logits.shape[1])",
         "return float(-np.sum(self.targets * np.log(np.clip(self.outputs, 1e-7, 1 - 1e-7))) / logits.shape[1])")]}),
    "minibatch_solution": ("minibatch", {}),
    "minibatch_mistakes": ("minibatch", {
        "answer_mini_batches": [("np.random.default_rng(seed).permutation", "np.random.permutation")],
        "answer_adam": [("m_hat = m / (1 - self.beta1 ** t)", "m_hat = m")],
        "answer_fit": [("in mini_batches(inputs, targets, batch_size, seed + epoch)",
                        "in mini_batches(inputs, targets, batch_size, seed)")]}),
    "bike_sharing_leak": ("bike_sharing", {
        "answer_standardise": [("(train[column].mean(), train[column].std())",
                                "(pd.concat([train, validation])[column].mean(), "
                                "pd.concat([train, validation])[column].std())")]}),
}

#: Correct code written other ways than the solution: full marks by both routes.
CORRECT = {
    "gradients_ok_loops": ("gradients", {"answer_neuron_gradient": [
        ("return dL_dyhat * np.asarray(x, dtype=float), float(dL_dyhat)",
         "return np.array([dL_dyhat * xi for xi in x]), float(dL_dyhat)")]}),
    "gradients_ok_einsum": ("gradients", {
        "answer_batch_gradient": [("yhat = np.dot(w, X) + b", "yhat = np.asarray(w) @ X + b"),
                                  ("return np.dot(X, dL_dyhat), float(np.sum(dL_dyhat))",
                                   "return np.einsum('ib,b->i', X, dL_dyhat), dL_dyhat.sum()")],
        "answer_two_layer_gradients": [("dW2 = dvalues @ H.T", "dW2 = np.einsum('ob,hb->oh', dvalues, H)"),
                                       ("dvalues = 2 * (Yhat - Y) / Y.size",
                                        "dvalues = 2 * (Yhat - Y) / (Y.shape[0] * Y.shape[1])"),
                                       ("db1 = np.sum(dH, axis=1, keepdims=True)", "db1 = dH.sum(axis=1)[:, None]")]}),
    "gradients_ok_float32": ("gradients", {"answer_two_layer_gradients": [
        ("H = W1 @ X + b1", "X, Y, W1, b1, W2, b2 = (a.astype(np.float32) for a in (X, Y, W1, b1, W2, b2))\n"
                            "    H = W1 @ X + b1")]}),
    "layers_ok_matmul": ("layers", {"answer_dense": [("np.dot(self.weights, batch_inputs)", "self.weights @ batch_inputs")]}),
    "layers_ok_einsum": ("layers", {
        "answer_dense": [("self.dweights = np.dot(dvalues, self.inputs.T)",
                          "self.dweights = np.einsum('nb,ib->ni', dvalues, self.inputs)"),
                         ("self.dbiases = np.sum(dvalues, axis=1, keepdims=True)",
                          "self.dbiases = dvalues.sum(axis=1).reshape(-1, 1)"),
                         ("        self.inputs = batch_inputs\n", "        self.inputs = batch_inputs.copy()\n")],
        "answer_network": [("for layer in reversed(self.layers):", "for layer in self.layers[::-1]:")]}),
    "layers_ok_loops": ("layers", {"answer_dense": [
        ("self.dbiases = np.sum(dvalues, axis=1, keepdims=True)",
         "self.dbiases = np.zeros((dvalues.shape[0], 1))\n"
         "        for column in range(dvalues.shape[1]):\n"
         "            self.dbiases[:, 0] += dvalues[:, column]")]}),
    "activations_ok_returned_only": ("activations", {
        "answer_relu": [("self.dinputs = dvalues * (self.inputs > 0)\n        return self.dinputs",
                         "return np.where(self.inputs > 0, dvalues, 0.0)"),
                        ("return np.maximum(0, batch_values)", "return batch_values * (batch_values > 0)")],
        "answer_sigmoid": [("self.outputs = 1 / (1 + np.exp(-batch_values))",
                            "self.outputs = 0.5 * (1 + np.tanh(batch_values / 2))"),
                           ("self.dinputs = dvalues * self.outputs * (1 - self.outputs)\n        return self.dinputs",
                            "return dvalues * self.outputs * (1 - self.outputs)")],
        "answer_tanh": [("self.dinputs = dvalues * (1 - self.outputs ** 2)\n        return self.dinputs",
                         "return dvalues - dvalues * self.outputs * self.outputs")]}),
    "activations_ok_jacobian": ("activations", {
        "answer_softmax": [("        s = self.outputs\n"
                            "        self.dinputs = s * (dvalues - np.sum(s * dvalues, axis=0, keepdims=True))\n"
                            "        return self.dinputs",
                            "        dinputs = np.empty_like(dvalues, dtype=float)\n"
                            "        for i in range(dvalues.shape[1]):\n"
                            "            s = self.outputs[:, i:i + 1]\n"
                            "            dinputs[:, i] = (np.diagflat(s) - s @ s.T) @ dvalues[:, i]\n"
                            "        return dinputs")],
        "answer_mse": [("return float(np.mean(self.residuals ** 2))",
                        "return np.sum(self.residuals ** 2) / self.residuals.size"),
                       ("self.dinputs = 2 * self.residuals / self.residuals.size\n        return self.dinputs",
                        "return 2 / np.prod(self.residuals.shape) * self.residuals")]}),
    "activations_ok_log_softmax": ("activations", {
        "answer_cce": [("self.targets = one_hot(targets, predictions.shape[0])",
                        "targets = np.asarray(targets)\n"
                        "        self.targets = np.eye(predictions.shape[0])[targets].T if targets.ndim == 1 else targets"),
                       ("return float(-np.sum(self.targets * np.log(self.predictions)) / predictions.shape[1])",
                        "return -np.mean(np.sum(self.targets * np.log(self.predictions), axis=0))")],
        "answer_softmax_cce": [("return float(np.sum(self.targets * (log_sum - logits)) / logits.shape[1])",
                                "log_probs = logits - log_sum\n"
                                "        return -np.sum(self.targets * log_probs, axis=0).mean()")]}),
    "minibatch_ok_dicts": ("minibatch", {
        "answer_mini_batches": [("order = np.random.default_rng(seed).permutation(inputs.shape[1])",
                                 "order = np.arange(inputs.shape[1])\n    np.random.RandomState(seed).shuffle(order)")],
        "answer_sgd": [("        for layer in layers:\n            if not self.momentum:",
                        "        self.__dict__.setdefault('velocities', {})\n"
                        "        for layer in layers:\n            if not self.momentum:"),
                       ("            if not hasattr(layer, \"weight_velocity\"):\n"
                        "                layer.weight_velocity = np.zeros_like(layer.weights)\n"
                        "                layer.bias_velocity = np.zeros_like(layer.biases)\n"
                        "            layer.weight_velocity = self.momentum * layer.weight_velocity - self.learning_rate * layer.dweights\n"
                        "            layer.bias_velocity = self.momentum * layer.bias_velocity - self.learning_rate * layer.dbiases\n"
                        "            layer.weights = layer.weights + layer.weight_velocity\n"
                        "            layer.biases = layer.biases + layer.bias_velocity",
                        "            vw, vb = self.velocities.get(id(layer), (0.0, 0.0))\n"
                        "            vw = self.momentum * vw - self.learning_rate * layer.dweights\n"
                        "            vb = self.momentum * vb - self.learning_rate * layer.dbiases\n"
                        "            self.velocities[id(layer)] = (vw, vb)\n"
                        "            layer.weights += vw\n"
                        "            layer.biases += vb")],
        "answer_fit": [("trainable = [layer for layer in network.layers if hasattr(layer, \"weights\")]",
                        "trainable = [layer for layer in network.layers if isinstance(layer, Dense)]"),
                       ("        total = 0.0\n", "        batch_losses, sizes = [], []\n"),
                       ("            total += loss.forward_pass(network.forward_pass(x_batch), y_batch) * x_batch.shape[1]\n",
                        "            batch_losses.append(loss.forward_pass(network.forward_pass(x_batch), y_batch))\n"
                        "            sizes.append(x_batch.shape[1])\n"),
                       ("        losses.append(total / inputs.shape[1])",
                        "        losses.append(np.average(batch_losses, weights=sizes))")]}),
    "minibatch_ok_adam_t_per_step": ("minibatch", {"answer_adam": [
        ("m_hat = m / (1 - self.beta1 ** t)\n                v_hat = v / (1 - self.beta2 ** t)\n"
         "                setattr(layer, name, getattr(layer, name) - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon))",
         "step = self.learning_rate * (m / (1 - self.beta1 ** t)) / (np.sqrt(v / (1 - self.beta2 ** t)) + self.epsilon)\n"
         "                setattr(layer, name, getattr(layer, name) - step)")]}),
    "bike_sharing_ok_other_pandas": ("bike_sharing", {
        "answer_split_by_date": [("days = data[\"dteday\"].dt.normalize()", "days = data[\"dteday\"].dt.floor(\"D\")")],
        "answer_standardise": [("scaled = []\n    for frame in (train, validation, test):\n        frame = frame.copy()\n"
                                "        for column, (mean, std) in scaling.items():\n"
                                "            frame[column] = (frame[column] - mean) / std\n        scaled.append(frame)",
                                "scaled = [frame.assign(**{c: (frame[c] - m) / s for c, (m, s) in scaling.items()})\n"
                                "              for frame in (train, validation, test)]")],
        "answer_to_arrays": [("inputs = frame[FEATURE_COLUMNS].to_numpy(dtype=float).T",
                              "inputs = np.array(frame[FEATURE_COLUMNS].values.T, dtype=np.float32)")]}),
}
SUBMISSIONS.update(CORRECT)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    from conftest import make_course
    from nncourse.autograder.commands.course import _ok, nbgrader_api
    from nbgrader.api import Gradebook
    course = make_course(tmp_path_factory.mktemp("routes") / "course")
    assignments = sorted({a for a, _ in SUBMISSIONS.values()})
    assert main(["release", *assignments, "--course", str(course.root)]) == 0
    for student, (assignment, edits) in SUBMISSIONS.items():
        source = nbformat.read(str(course.source_notebook(assignment)), 4)
        folder = course.root / "submitted" / student / assignment
        shutil.copytree(course.root / "release" / assignment, folder)
        nbformat.write(edited(source, edits), str(folder / f"{assignment}.ipynb"))
    api = nbgrader_api(course)
    for assignment in assignments:
        _ok(api.autograde(assignment, "*", force=True, create=True), f"autograde {assignment}")
    nbgrader, ours = {}, {}
    with Gradebook(api.coursedir.db_url) as gb:
        for student, (assignment, _) in SUBMISSIONS.items():
            nb = gb.find_submission_notebook(assignment, assignment, student)
            nbgrader[student] = {g.name.removeprefix("test_"): g.score for g in nb.grades}
    for assignment in assignments:
        assert main(["grade-all", assignment, "--course", str(course.root), "--quiet"]) == 0
        with open(course.root / "graded" / assignment / "grades.csv", newline="") as handle:
            for row in csv.DictReader(handle):
                if SUBMISSIONS[row["student"]][0] == assignment:
                    ours[row["student"]] = {c.name: float(row[c.name]) for c in checks_for(assignment)}
    return nbgrader, ours


@pytest.mark.parametrize("student", SUBMISSIONS)
def test_nbgrader_and_nncourse_give_every_test_cell_the_same_points(both, student):
    nbgrader, ours = both
    assert nbgrader[student] == pytest.approx(ours[student], abs=1e-9), (nbgrader[student], ours[student])


def test_the_corpus_has_partial_credit_and_full_marks(both):
    _, ours = both
    partial = [s for s, scores in ours.items() for name, score in scores.items()
               if 0 < score < next(c.points for c in checks_for(SUBMISSIONS[s][0]) if c.name == name)]
    assert len(partial) >= 5


@pytest.mark.parametrize("student", [s for s in SUBMISSIONS if s.endswith("solution") or s in CORRECT])
def test_correct_code_gets_full_marks_by_both_routes(both, student):
    nbgrader, ours = both
    full = {c.name: c.points for c in checks_for(SUBMISSIONS[student][0])}
    assert ours[student] == full
    assert nbgrader[student] == full


def test_numbers_that_are_not_the_students_own_lose_the_by_hand_points_by_both_routes(both):
    """Example 1 worked with a classmate's numbers earns nothing; Example 3 with ŷ's bias left out keeps
    the credit of every later number that follows from it (error carried forward), by both routes."""
    nbgrader, ours = both
    assert nbgrader["gradients_copied"]["example1"] == ours["gradients_copied"]["example1"] == 0
    assert ours["gradients_copied"]["example2"] == 3
    # of Example 3's 20 numbers only ŷ itself is wrong: every later one follows from it
    assert nbgrader["gradients_carried"]["example3"] == ours["gradients_carried"]["example3"] == pytest.approx(3.8)
