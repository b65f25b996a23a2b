"""Notebook submissions: answer cells from the submission, everything else from the source notebook."""
import json

import pytest

from nncourse.autograder.grading import grade_file
from nncourse.autograder.registry import assignment_ids, max_score
from notebook_variants import write


def grade(course, tmp_path, name: str):
    return grade_file("layers", write(course, name, tmp_path / f"{name}.ipynb"), course)


@pytest.mark.parametrize("name,score", [("solution", 20), ("stub", 0), ("magics", 20), ("tests_deleted", 20)])
def test_notebook_scores(course, tmp_path, name, score):
    report = grade(course, tmp_path, name)
    assert report.error is None
    assert report.score == score


def test_edited_test_cells_change_nothing(course, tmp_path):
    report = grade(course, tmp_path, "tests_edited")  # its test cells print "All tests passed!"
    results = {r.name: r for r in report.results}
    assert "summed over the wrong axis" in results["dense_backward"].message
    assert report.score < 20


@pytest.mark.parametrize("name,words", [
    ("invalid", "is not a valid notebook: invalid JSON at line"),
    ("deleted_answer", "lacks the answer cell(s) answer_dense"),
    ("duplicated_answer", "has the answer cell 'answer_dense' twice"),
])
def test_broken_notebooks_get_a_clear_error(course, tmp_path, name, words):
    report = grade(course, tmp_path, name)
    assert report.score == 0
    assert words in report.error
    assert all(words in r.message for r in report.results)


def test_a_course_without_the_source_notebook_is_refused(tmp_path):
    from conftest import make_course
    from nncourse.autograder.course import CourseError
    other = make_course(tmp_path / "other")
    other.source_notebook("layers").unlink()
    with pytest.raises(CourseError, match=r"no source/layers/layers.ipynb: run `nncourse build layers`"):
        grade_file("layers", tmp_path / "x.ipynb", other)


@pytest.mark.parametrize("assignment", assignment_ids())
def test_the_course_source_notebooks_solutions_get_full_marks(course, assignment):
    """The instructor's source notebook (its answer cells hold the solution) graded against itself."""
    notebook = course.source_notebook(assignment)
    report = grade_file(assignment, notebook, course)
    assert report.score == max_score(assignment), [r.message for r in report.results if not r.passed]
    json.loads(notebook.read_text())  # still a notebook
