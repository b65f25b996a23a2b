"""Every assignment: the solution gets full marks, the stub gets zero with a message per check, and each
realistic wrong submission loses points on the right check with the right diagnosis (graded in the sandbox)."""
import pytest

from nncourse.autograder.grading import grade_file
from nncourse.autograder.feedback import GENERIC
from nncourse.autograder.registry import max_score
from autograder_corpus import ASSIGNMENTS, WRONG, submission


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_gets_full_marks(course, assignment):
    report = grade_file(assignment, submission(assignment, "solution"), course)
    assert report.error is None
    assert report.score == max_score(assignment) == report.max_score, [r.message for r in report.results if not r.passed]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stub_gets_zero_with_a_message_per_check(course, assignment):
    report = grade_file(assignment, submission(assignment, "stub"), course)
    assert report.score == 0
    for result in report.results:
        assert result.score == 0
        assert any(words in result.message for words in ("not implemented yet", "is not defined", "still empty")), \
            result.message


@pytest.mark.parametrize("assignment,stem,check,tag", WRONG, ids=[f"{a}/{s}" for a, s, _, _ in WRONG])
def test_wrong_submission_loses_points_on_its_check_with_its_diagnosis(course, assignment, stem, check, tag):
    report = grade_file(assignment, submission(assignment, stem), course)
    result = {r.name: r for r in report.results}[check]
    assert result.score < result.max_score
    assert result.diagnosis == tag, result.message
    assert report.score < max_score(assignment)


def test_the_corpus_has_many_wrong_submissions_per_assignment_and_most_are_named():
    for assignment in ASSIGNMENTS:
        assert sum(a == assignment for a, *_ in WRONG) >= 12, assignment
    named = [tag for *_, tag in WRONG if tag not in GENERIC]
    assert len(named) / len(WRONG) >= 0.9


def test_grading_twice_gives_the_same_result(course):
    for stem in ("solution", "dbiases_mean"):
        first = grade_file("layers", submission("layers", stem), course)
        second = grade_file("layers", submission("layers", stem), course)
        assert [(r.name, r.score, r.message) for r in first.results] == \
               [(r.name, r.score, r.message) for r in second.results]
    assert first.score == pytest.approx(18.4, abs=0.01)  # dbiases_mean: d-biases wrong in 4 of 5 cases: 6.4/8
