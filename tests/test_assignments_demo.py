"""`nncourse demo`'s grading step: the shipped example submissions through the standalone grader."""
from __future__ import annotations

import pytest

from autograder.commands import demo, release as rel


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, demo.grade_examples(out)


def test_solutions_get_full_marks_and_mistakes_lose_points(graded):
    out, reports = graded
    for assignment in rel.ASSIGNMENTS:
        solution, mistakes = reports[assignment, "solution"], reports[assignment, "mistakes"]
        assert not isinstance(solution, str), solution
        assert solution.score == solution.max_score > 0, (assignment, solution.scores())
        assert 0 < mistakes.score < mistakes.max_score, (assignment, mistakes.scores())
        for kind in demo.KINDS:
            text = (out / "feedback" / assignment / f"{kind}.txt").read_text(encoding="utf-8")
            assert assignment in text and "total" in text


def test_grade_table_lists_every_assignment(graded):
    _, reports = graded
    table = demo.grade_table(reports)
    for assignment in rel.ASSIGNMENTS:
        assert assignment in table
    assert "20/20" in table and "30/30" in table
