"""Notebook submissions: answer cells from the submission, everything else from the source notebook."""
import json
from pathlib import Path

import pytest

from autograder.grading import grade_file
from autograder.submission import REPO
from autograder_corpus import ASSIGNMENTS, MAX, SUBMISSIONS

NOTEBOOKS = SUBMISSIONS / "notebooks"
SOURCE = NOTEBOOKS / "source"


def grade(name: str):
    return grade_file("layers", NOTEBOOKS / "layers" / f"{name}.ipynb", source_dir=SOURCE)


@pytest.mark.parametrize("name,score", [("solution", 20), ("stub", 0), ("magics", 20), ("tests_deleted", 20)])
def test_notebook_scores(name, score):
    report = grade(name)
    assert report.error is None
    assert report.score == score


def test_edited_test_cells_change_nothing():
    report = grade("tests_edited")  # its test cells print "All tests passed!" and its d-biases are wrong
    results = {r.name: r for r in report.results}
    assert "summed over the wrong axis" in results["dense_backward"].message
    assert report.score < 20


@pytest.mark.parametrize("name,words", [
    ("invalid", "is not a valid notebook: invalid JSON at line"),
    ("deleted_answer", "lacks the answer cell(s) answer_dense"),
    ("duplicated_answer", "has the answer cell 'answer_dense' twice"),
])
def test_broken_notebooks_get_a_clear_error(name, words):
    report = grade(name)
    assert report.score == 0
    assert words in report.error
    assert all(words in r.message for r in report.results)


def test_submission_without_a_source_notebook_runs_its_own_cells(tmp_path):
    report = grade_file("layers", NOTEBOOKS / "layers" / "solution.ipynb", source_dir=tmp_path)
    assert report.score == 20
    assert "was not found" in report.notes[0]


REAL = [a for a in ASSIGNMENTS if (REPO / "assignments" / "source" / a / f"{a}.ipynb").is_file()]


@pytest.mark.parametrize("assignment", REAL)
def test_the_course_source_notebooks_solutions_get_full_marks(assignment):
    """The instructor's source notebook (its answer cells hold the solution) graded against itself."""
    notebook = REPO / "assignments" / "source" / assignment / f"{assignment}.ipynb"
    report = grade_file(assignment, notebook)
    assert report.score == MAX[assignment], [r.message for r in report.results if not r.passed]
    json.loads(notebook.read_text())  # still a notebook
