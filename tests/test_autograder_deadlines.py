"""Deadlines, late penalties and extensions (deadlines.yaml), and grading one late student into a graded folder.

The penalty is computed once (deadlines.penalty) and used by grade-all and, as nbgrader's late-penalty
plugin, by nbgrader's own AssignLatePenalties: grades.csv and the gradebook must record the same one.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from nncourse.autograder import batch, deadlines
from nncourse.autograder.cli import main
from nncourse.autograder.course import Course, CourseError
from nncourse.autograder.deadlines import LatePolicy, days_late, penalty
from notebook_variants import write

DUE = "2026-11-03 23:59"          # in Europe/Berlin: 22:59 UTC (CET, UTC+1, in November)
DUE_UTC = dt.datetime(2026, 11, 3, 22, 59)
DAY = 86_400


def setup_course(root: Path, late: str, extensions: str | None = None) -> Course:
    root.mkdir(parents=True, exist_ok=True)
    text = f"timezone: Europe/Berlin\ndeadlines:\n  layers: {DUE}\nlate:\n{late}"
    if extensions is not None:
        (root / "extensions.csv").write_text(extensions)
        text += "extensions: extensions.csv\n"
    (root / "deadlines.yaml").write_text(text)
    return Course(root)


PER_DAY = "  policy: per_day\n  percent_per_day: 10\n  cutoff_days: 7\n"


def stamp(folder: Path, when: dt.datetime) -> None:
    """nbgrader's timestamp.txt, in the format `nbgrader submit` writes (Exchange.timestamp_format)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))


def late_of(course: Course, student: str, when: dt.datetime, tmp_path: Path, score: float = 20.0) -> dict:
    folder = tmp_path / "submitted" / student / "layers"
    stamp(folder, when)
    timing, warning = deadlines.lateness(deadlines.load(course), "layers", student, folder, None)
    assert warning == ""
    return deadlines.apply({"score": score, "max_score": 20.0}, timing)["late"]


def test_days_late_counts_started_days():
    assert [days_late(s) for s in (0, 0.000001, 1, DAY - 1, DAY, DAY + 0.000001, 2 * DAY, 2 * DAY + 1)] == \
           [0, 1, 1, 1, 1, 2, 2, 3]


def test_exactly_at_the_deadline_is_on_time_and_one_second_after_is_a_day_late(tmp_path):
    course = setup_course(tmp_path / "course", PER_DAY)
    assert deadlines.load(course).due == {"layers": DUE_UTC}
    on_time = late_of(course, "ada", DUE_UTC, tmp_path, score=17.35)
    assert (on_time["seconds_late"], on_time["days_late"], on_time["penalty"], on_time["after"]) == (0.0, 0, 0.0, 17.35)
    second = late_of(course, "bob", DUE_UTC + dt.timedelta(seconds=1), tmp_path, score=17.35)
    # 10 % of 17.35 is 1.735, rounded half up to 1.74 (a float product would give 1.7349999... -> 1.73)
    assert (second["seconds_late"], second["days_late"], second["penalty"], second["after"]) == (1.0, 1, 1.74, 15.61)
    micro = late_of(course, "cy", DUE_UTC + dt.timedelta(days=1, microseconds=1), tmp_path)
    assert (micro["days_late"], micro["penalty"], micro["after"]) == (2, 4.0, 16.0)


def test_an_extension_moves_the_deadline(tmp_path):
    course = setup_course(tmp_path / "course", PER_DAY, "student,assignment,days\nada,layers,1.5\n")
    inside = late_of(course, "ada", DUE_UTC + dt.timedelta(hours=36), tmp_path)
    assert (inside["seconds_late"], inside["penalty"], inside["due"]) == (0.0, 0.0, "2026-11-05 10:59:00 UTC")
    after = late_of(course, "ada", DUE_UTC + dt.timedelta(hours=36, seconds=1), tmp_path)
    assert (after["days_late"], after["penalty"], after["after"]) == (1, 2.0, 18.0)
    other = late_of(course, "bob", DUE_UTC + dt.timedelta(hours=36), tmp_path)  # no extension of his own
    assert (other["days_late"], other["penalty"]) == (2, 4.0)


def test_the_cutoff_gives_zero_just_after_it(tmp_path):
    course = setup_course(tmp_path / "course", PER_DAY)
    at = late_of(course, "ada", DUE_UTC + dt.timedelta(days=7), tmp_path, score=15.5)
    assert (at["days_late"], at["penalty"], at["after"]) == (7, 10.85, 4.65)
    past = late_of(course, "bob", DUE_UTC + dt.timedelta(days=7, microseconds=1), tmp_path, score=15.5)
    assert (past["penalty"], past["after"]) == (15.5, 0.0)


def test_policies_none_and_zero_after(tmp_path):
    none = setup_course(tmp_path / "a", "  policy: none\n")
    assert late_of(none, "ada", DUE_UTC + dt.timedelta(days=30), tmp_path / "a")["penalty"] == 0.0
    zero = setup_course(tmp_path / "b", "  policy: zero_after\n  cutoff_days: 0\n")  # nbgrader's 'zero'
    assert late_of(zero, "ada", DUE_UTC, tmp_path / "b", score=12.0)["after"] == 12.0
    assert late_of(zero, "bob", DUE_UTC + dt.timedelta(seconds=1), tmp_path / "b", score=12.0)["after"] == 0.0
    grace = setup_course(tmp_path / "c", "  policy: zero_after\n  cutoff_days: 2\n")
    assert late_of(grace, "ada", DUE_UTC + dt.timedelta(days=2), tmp_path / "c")["after"] == 20.0
    assert late_of(grace, "bob", DUE_UTC + dt.timedelta(days=2, seconds=1), tmp_path / "c")["after"] == 0.0


def test_nbgraders_plugin_takes_the_same_penalty_from_a_float_sum():
    from nncourse.autograder.gradebook import CoursePenalty
    plugin = CoursePenalty(policy="per_day", percent_per_day=10.0, cutoff_days=7.0)
    policy = LatePolicy("per_day", Decimal(10), Decimal(7))
    nb_score = 0.1 + 0.2 + 3.45 + 13.6  # what nbgrader sums from the cells: 17.349999999999998
    for seconds in (1.0, DAY, DAY + 0.000001, 7 * DAY, 7 * DAY + 0.000001):
        assert plugin.late_submission_penalty("ada", nb_score, seconds) == penalty(policy, 17.35, seconds)
    assert plugin.late_submission_penalty("ada", nb_score, 1.0) == 1.74
    assert penalty(LatePolicy("per_day", Decimal(40)), 17.35, 3 * DAY) == 17.35  # never more than the score


def test_the_submission_time_falls_back_to_the_notebook_with_a_warning(tmp_path):
    folder = tmp_path / "ada" / "layers"
    folder.mkdir(parents=True)
    notebook = folder / "layers.ipynb"
    notebook.write_text("{}")
    os.utime(notebook, ns=(0, 1_790_000_000_123_456_789))
    when, source, warning = deadlines.submission_time(folder, notebook)
    assert (when, source) == (dt.datetime(2026, 9, 21, 14, 13, 20, 123456), "file time")
    assert warning == "no timestamp.txt: used the notebook's modification time"
    (folder / "timestamp.txt").write_text("yesterday\x1b[2J")
    assert "holds 'yesterday\\x1b[2J', not a time" in deadlines.submission_time(folder, notebook)[2]
    (folder / "timestamp.txt").write_text("2026-12-01 17:03:11.123456 UTC\n")
    assert deadlines.submission_time(folder, notebook) == (dt.datetime(2026, 12, 1, 17, 3, 11, 123456), "timestamp.txt", "")
    (folder / "timestamp.txt").write_text("2026-12-01 18:03:11.5 Europe/Berlin")  # nbgrader's Exchange.timezone
    assert deadlines.submission_time(folder, notebook)[0] == dt.datetime(2026, 12, 1, 17, 3, 11, 500000)


@pytest.mark.parametrize("text, message", [
    ("deadlines:\n  lyers: 2026-11-03 23:59\n", "no assignment 'lyers'"),
    ("deadlines:\n  layers: 2026-11-03\n", "has no time of day"),
    ("deadlines:\n  layers: 2026-11-03 23:59 Mars/Olympus\n", "'Mars/Olympus' is not a time zone"),
    ("deadlines:\n  layers: next friday 23:59\n", "is not a date and time"),
    ("late:\n  policy: half\n", "the late policy 'half' is not one of none, per_day, zero_after"),
    ("late:\n  policy: per_day\n", "per_day policy needs percent_per_day"),
    ("late:\n  policy: per_day\n  percent_per_day: ten\n", "percent_per_day is 'ten', not a number"),
    ("late:\n  policy: zero_after\n", "needs cutoff_days"),
    ("deadline:\n  layers: 2026-11-03 23:59\n", "unknown key(s) deadline"),
    ("extensions: missing.csv\n", "names the extensions file"),
    ("deadlines: [layers\n", "is not valid YAML"),
])
def test_a_bad_deadlines_file_gets_a_message_naming_the_problem(tmp_path, text, message):
    (tmp_path / "deadlines.yaml").write_text(text)
    with pytest.raises(CourseError, match=None) as raised:
        deadlines.load(Course(tmp_path))
    assert message in str(raised.value) and "deadlines.yaml" in str(raised.value)


@pytest.mark.parametrize("rows, message", [
    ("student,assignment,days\nada,layers,1\nada,layers,2\n", "line 3: a second extension for ada on layers"),
    ("student,assignment,days\nada,layers,two\n", "line 2's days is 'two'"),
    ("student,assignment,days\nada,lyers,1\n", "line 2: no assignment 'lyers'"),
    ("student,days\nada,1\n", "needs the columns student,assignment,days"),
])
def test_a_bad_extensions_file_names_the_line(tmp_path, rows, message):
    course = setup_course(tmp_path, PER_DAY, rows)
    with pytest.raises(CourseError) as raised:
        deadlines.load(course)
    assert message in str(raised.value) and "extensions.csv" in str(raised.value)


def read_csv(path):
    with open(path, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_one_late_student_is_graded_into_the_graded_folder_and_the_gradebook(fresh_course, monkeypatch, capsys):
    """A class graded with --gradebook; then a late submission arrives and is graded alone with --student.
    grades.csv, the feedback and nbgrader's gradebook all show the same penalties."""
    from nbgrader.api import Gradebook
    course = fresh_course
    setup_course(course.root, PER_DAY, "student,assignment,days\ncy,layers,1.5\n")
    submitted = course.root / "submitted"
    for student, name, when in [("ada", "solution", DUE_UTC),                                  # on time
                                ("bob", "tests_edited", DUE_UTC + dt.timedelta(seconds=1)),    # 18 points, 1 day late
                                ("cy", "solution", DUE_UTC + dt.timedelta(days=1))]:           # inside the extension
        write(course, name, submitted / student / "layers" / "layers.ipynb")
        stamp(submitted / student / "layers", when)
    args = ["grade-all", "layers", "--course", str(course.root), "--quiet", "--gradebook"]
    assert main(args) == 0
    out = course.root / "graded" / "layers"
    before = (out / "grades.csv").read_text()
    rows = read_csv(out / "grades.csv")
    assert {s: (r["total"], r["days_late"], r["late_penalty"], r["final"]) for s, r in rows.items()} == {
        "ada": ("20.0", "0", "0.0", "20.0"), "bob": ("18.0", "1", "1.8", "16.2"), "cy": ("20.0", "0", "0.0", "20.0")}
    assert "late penalty (10 % of the score per day late, 0 points after 7 days): 18 - 1.8 = 16.2/20" in \
        (out / "feedback" / "bob.txt").read_text()

    # The late one: three days after the deadline, and no extension.
    write(course, "solution", submitted / "zed" / "layers" / "layers.ipynb")
    stamp(submitted / "zed" / "layers", DUE_UTC + dt.timedelta(days=2, hours=3))
    graded = []
    real = batch.grade_file
    monkeypatch.setattr(batch, "grade_file", lambda a, p, c, **k: graded.append(Path(p).parts[-3]) or real(a, p, c, **k))
    capsys.readouterr()
    assert main(args + ["--student", "zed"]) == 0
    assert graded == ["zed"]
    assert "graded zed: 20/20, 6 late penalty: 14" in capsys.readouterr().out
    after = (out / "grades.csv").read_text()
    assert after.splitlines()[:4] == before.splitlines()  # the others' rows, byte for byte
    assert read_csv(out / "grades.csv")["zed"]["final"] == "14.0"
    feedback = (out / "feedback" / "zed.txt").read_text()
    assert "2 d 3 h after the deadline (2026-11-03 22:59:00 UTC): 3 days late" in feedback
    assert "20 - 6 = 14/20" in feedback

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        assert gb.find_assignment("layers").duedate == DUE_UTC
        recorded = {s.student.id: (s.score, s.late_submission_penalty) for s in gb.assignment_submissions("layers")}
        assert gb.find_submission("layers", "cy").extension == dt.timedelta(days=1.5)
    assert recorded == {"ada": (20.0, 0.0), "bob": (18.0, 1.8), "cy": (20.0, 0.0), "zed": (20.0, 6.0)}

    # A new extension changes the penalty without grading anyone again, in grades.csv and the gradebook.
    (course.root / "extensions.csv").write_text("student,assignment,days\ncy,layers,1.5\nbob,layers,1\n")
    graded.clear()
    assert main(args) == 0
    assert graded == []
    assert read_csv(out / "grades.csv")["bob"]["final"] == "18.0"
    assert "on time (deadline 2026-11-04 22:59:00 UTC with your extension of 1 days)" in (out / "feedback" / "bob.txt").read_text()
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        assert gb.find_submission("layers", "bob").late_submission_penalty == 0.0
    assert json.loads((out / "results" / "bob.json").read_text())["report"]["late"]["penalty"] == 0.0


def test_student_needs_a_graded_folder_and_a_submission(course, tmp_path, capsys):
    submitted = tmp_path / "submitted"
    write(course, "solution", submitted / "ada" / "layers" / "layers.ipynb")
    base = ["grade-all", "layers", str(submitted), "--course", str(course.root), "--quiet", "--out", str(tmp_path / "out")]
    assert main(base + ["--student", "ada"]) == 2
    assert "holds no grades.csv: grade the class first" in capsys.readouterr().err
    assert main(base + ["--student", "nobody"]) == 2
    assert "no submission from nobody" in capsys.readouterr().err


def test_deadlines_in_a_zone_by_name_or_offset():
    parse = deadlines.parse_deadline
    assert parse("2026-11-03 23:59", "Europe/Berlin", "here") == DUE_UTC
    assert parse("2026-07-03 23:59", "Europe/Berlin", "here") == dt.datetime(2026, 7, 3, 21, 59)  # summer time
    assert parse("2026-11-03 23:59 America/New_York", "Europe/Berlin", "here") == dt.datetime(2026, 11, 4, 4, 59)
    assert parse("2026-11-03T23:59:30+01:00", "UTC", "here") == dt.datetime(2026, 11, 3, 22, 59, 30)
    assert parse("2026-11-03 23:59", "UTC", "here") == dt.datetime(2026, 11, 3, 23, 59)


def test_the_template_init_writes_sets_no_deadline(course):
    assert (course.root / "deadlines.yaml").is_file()
    loaded = deadlines.load(course)
    assert (loaded.due, loaded.policy.kind, loaded.extensions) == ({}, "none", {})
    assert loaded.rule("layers") is None
