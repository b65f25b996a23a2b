"""nbgrader's own autograde, with the course's config, against the tricks that fooled it.

Tried with nbgrader 0.9.6 before this package: a student who set ``np.allclose = lambda *a, **k: True``
or imported an installed reference solution got full marks, and a harmless ``warnings.warn`` in the
student's code scored 0. Here each trick is a real submission of the ``layers`` assignment, run by
``nbgrader autograde`` in a scratch course. (Final grades still come from the sandboxed grader.)
"""
from __future__ import annotations

import copy
import shutil

import nbformat
import pytest

pytest.importorskip("nbgrader")

from autograder.commands import release as rel  # noqa: E402

ASSIGNMENT = "layers"
SOLUTION = rel.COURSE / "examples" / ASSIGNMENT / "solution.ipynb"


def _edit(nb, grade_id: str, change) -> None:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = change(cell.source)
            return
    raise AssertionError(f"no cell {grade_id}")


def _patcher(nb):
    """Wrong d-weights, and numpy's comparisons patched to always agree."""
    _edit(nb, "answer_dense", lambda s: s.replace("np.dot(dvalues, self.inputs.T)", "np.zeros_like(self.weights)"))
    _edit(nb, "answer_network", lambda s: s + "\n\nnp.allclose = lambda *a, **k: True\n"
          "np.testing.assert_allclose = lambda *a, **k: None\n")


def _importer(nb):
    """The instructor's reference classes instead of the student's own."""
    _edit(nb, "answer_dense", lambda s: "from reference import Dense")
    _edit(nb, "answer_network", lambda s: "from reference import Network")


def _warner(nb):
    """A correct solution whose forward pass emits a harmless warning."""
    _edit(nb, "answer_dense", lambda s: "import warnings\n" + s.replace(
        "        self.inputs = batch_inputs\n",
        "        warnings.warn('just checking')\n        self.inputs = batch_inputs\n", 1))


STUDENTS = {"patcher": _patcher, "importer": _importer, "warner": _warner}


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    root = rel.scratch_course(rel.COURSE, tmp_path_factory.mktemp("hostile") / "course")
    api = rel.generate(root, [ASSIGNMENT])
    solution = nbformat.read(str(SOLUTION), 4)
    for student, trick in STUDENTS.items():
        folder = root / "submitted" / student / ASSIGNMENT
        shutil.copytree(root / "release" / ASSIGNMENT, folder)
        nb = copy.deepcopy(solution)
        trick(nb)
        nbformat.write(nb, str(folder / f"{ASSIGNMENT}.ipynb"))
        rel._ok(api.autograde(ASSIGNMENT, student, force=True, create=True), f"autograde {student}")
    result = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            nb = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            result[student] = {g.name: g.score for g in nb.grades if g.max_score}
    return result


def test_patched_numpy_does_not_earn_the_points(scores):
    assert scores["patcher"]["test_dense_backward"] == 0
    assert scores["patcher"]["test_network_backward"] == 0


def test_the_installed_reference_earns_nothing(scores):
    assert sum(scores["importer"].values()) == 0, scores["importer"]


def test_a_harmless_warning_costs_nothing(scores):
    assert sum(scores["warner"].values()) == 20, scores["warner"]
