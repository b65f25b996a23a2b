"""`nncourse demo`: a course folder made and released, two example submissions per assignment handed
in and graded by grade-all, the table printed."""
from __future__ import annotations

import csv
import re

import pytest

from nncourse.autograder.commands import demo
from nncourse.autograder.registry import assignment_ids, max_score


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, demo.run(out)


def test_the_demo_grades_the_solutions_full_and_the_mistakes_partly(ran, capsys):
    out, status = ran
    assert status == 0
    for assignment in assignment_ids():
        with open(out / "course" / "graded" / assignment / "grades.csv", newline="") as handle:
            rows = {row["student"]: row for row in csv.DictReader(handle)}
        assert float(rows["solution"]["total"]) == max_score(assignment)
        assert 0 < float(rows["mistakes"]["total"]) < max_score(assignment), assignment
        feedback = (out / "course" / "graded" / assignment / "feedback" / "mistakes.txt").read_text()
        assert assignment in feedback and "total" in feedback
        assert (out / "course" / "release" / assignment / f"{assignment}.ipynb").is_file()


def test_the_table_lists_every_assignment(ran):
    out, _ = ran
    rows = {a: [{"student": "solution", "total": max_score(a)}, {"student": "mistakes", "total": 1.5}]
            for a in assignment_ids()}
    table = demo.grade_table(rows)
    for assignment in assignment_ids():
        assert re.search(rf"{assignment}\s+{max_score(assignment):g}/{max_score(assignment):g}\s+1.5/", table)


def test_the_demo_writes_a_sample_exam(ran):
    out, _ = ran
    assert (out / "exam" / "key.json").is_file()


def test_the_demo_ends_with_each_class_report(ran):
    out, _ = ran
    for assignment in assignment_ids():
        page = (out / "course" / "graded" / assignment / "report.html").read_text()
        assert re.search(r'id="graded">2<', page), assignment  # the solution and the mistakes
