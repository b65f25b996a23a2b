"""Both routes give the same score: nbgrader's own autograde and nncourse's grade-all, on the same notebooks.

The notebooks: each assignment's solution, a correct variant written another way, and realistic
single-bug submissions that earn partial credit (nbgrader records the hidden check's score as the
test cell's partial credit) or none. Every test cell must get the same points by both routes.
"""
from __future__ import annotations

import csv
import shutil

import nbformat
import pytest

from nncourse.autograder.authoring import as_submitted
from nncourse.autograder.cli import main
from nncourse.autograder.registry import checks_for

pytestmark = pytest.mark.xdist_group("both_routes")

#: student -> (assignment, {answer cell: [(old, new)]}), edits of the notebook's own solution.
SUBMISSIONS = {
    "gradients_solution": ("gradients", {}),
    "gradients_loops": ("gradients", {"answer_neuron_gradient": [
        ("return dL_dyhat * np.asarray(x, dtype=float), float(dL_dyhat)",
         "return np.array([dL_dyhat * xi for xi in x]), float(dL_dyhat)")]}),
    "gradients_no_bias": ("gradients", {"answer_batch_gradient": [("yhat = np.dot(w, X) + b", "yhat = np.dot(w, X)")]}),
    "gradients_rows": ("gradients", {"answer_batch_gradient": [("/ X.shape[1]", "/ X.shape[0]")],
                                     "answer_gradient_descent_step": [("w - learning_rate * dw", "w + learning_rate * dw")]}),
    "layers_solution": ("layers", {}),
    "layers_matmul": ("layers", {"answer_dense": [("np.dot(self.weights, batch_inputs)", "self.weights @ batch_inputs")]}),
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


def _answers(source, edits: dict) -> dict:
    from nncourse.autograder.authoring import _solution_code
    answers = {}
    for grade_id, changes in edits.items():
        code = next(_solution_code(c.source) for c in source.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        for old, new in changes:
            assert code.count(old) == 1, (grade_id, old)
            code = code.replace(old, new)
        answers[grade_id] = code
    return answers


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
        nbformat.write(as_submitted(source, _answers(source, edits)), str(folder / f"{assignment}.ipynb"))
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
    assert all(sum(ours[s].values()) == sum(c.points for c in checks_for(a)) for s, (a, edits) in SUBMISSIONS.items()
               if s.endswith(("solution", "loops", "matmul")))
