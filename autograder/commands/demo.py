"""``nncourse demo``: the whole course in one go, offline, in about half a minute.

1. makes a course folder with ``nncourse init`` and releases every assignment with nbgrader;
2. hands in two example submissions per assignment, as nbgrader's ``submitted/`` holds them: the
   solution, and one with typical mistakes (``assignments/examples.py``);
3. grades them with the sandboxed standalone grader (``grade-all``) and prints the grade table;
4. writes a sample exam with its answer key (with the ``exam`` extra installed).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from .. import course as courses
from ..registry import assignment_ids, max_score
from .course import release

STUDENTS = ("solution", "mistakes")  # the example students, in the table's order


def hand_in(course: courses.Course, assignments: list[str]) -> Path:
    """Write the example submissions into the course's submitted/<student>/<id>/<id>.ipynb."""
    import nbformat

    from ..authoring import as_submitted, example_answers
    submitted = course.root / "submitted"
    for assignment in assignments:
        source = nbformat.read(str(course.built_source(assignment)), as_version=4)
        for student, answers in (("solution", {}), ("mistakes", example_answers(assignment, source))):
            folder = submitted / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(as_submitted(source, answers), str(folder / f"{assignment}.ipynb"))
    return submitted


def grade_examples(course: courses.Course, assignments: list[str], *, jobs: int = 2) -> dict[str, list[dict]]:
    """grade-all for each assignment into ``graded/<id>/``; returns {assignment: grades.csv rows}."""
    from ..batch import grade_all
    return {a: grade_all(a, course.root / "submitted", course.root / "graded" / a, course, jobs=jobs,
                         progress=False) for a in assignments}


def grade_table(rows: dict[str, list[dict]]) -> str:
    """assignment | solution | mistakes, as "score/max"."""
    width = max(len(a) for a in rows)
    lines = [f"{'assignment':<{width}}  " + "  ".join(f"{s:>10}" for s in STUDENTS), "-" * (width + 24)]
    for assignment, graded in rows.items():
        scores = {row["student"]: row for row in graded}
        cells = [f"{scores[s]['total']:g}/{max_score(assignment):g}" if s in scores else "—" for s in STUDENTS]
        lines.append(f"{assignment:<{width}}  " + "  ".join(f"{c:>10}" for c in cells))
    return "\n".join(lines)


def sample_exam(out: Path) -> Path | None:
    """The exam generator's sample (two versions with a key), or None without the exam extra."""
    from .. import exam
    if exam.missing_extra():
        return None
    exam.write_sample_exam(out / "exam", seed=0, versions=2)
    return out / "exam"


def run(out: Path) -> int:
    started = time.monotonic()
    assignments = assignment_ids()
    print(f"1. Making a course folder and releasing the assignments with nbgrader: {out / 'course'}", flush=True)
    course, _ = courses.init(out / "course")
    released = release(course, assignments)
    for assignment in assignments:
        print(f"   {released / assignment / (assignment + '.ipynb')}")
    print("2. Handing in two example submissions per assignment (the solution, typical mistakes) ...", flush=True)
    hand_in(course, assignments)
    print("3. Grading them in the sandbox (nncourse grade-all) ...", flush=True)
    rows = grade_examples(course, assignments)
    print()
    print(grade_table(rows))
    print()
    print(f"   grades.csv and each student's feedback: {course.root / 'graded'}/<assignment>/")
    from ..report import write_report
    reports = [write_report(course.root / "graded" / a) for a in assignments]
    print(f"   the class report of each (nncourse report): {reports[0]}, ...")
    print("4. Sample exam ...", flush=True)
    exam = sample_exam(out)
    print(f"   written to {exam}" if exam else '   skipped: it needs the exam extra (pip install "nncourse[exam]")')
    print(f"\nDone in {time.monotonic() - started:.0f} s. Everything is in {out}")
    solutions_full = all(row["total"] == max_score(a) for a, graded in rows.items()
                         for row in graded if row["student"] == "solution")
    return 0 if solutions_full else 1


def _run(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="nncourse-demo-"))
    return run(out.resolve())


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="a course folder, released, two example submissions graded, "
                                                "a sample exam", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="folder for the demo's course and exam (default: a new temp folder)")
    parser.set_defaults(func=_run)
