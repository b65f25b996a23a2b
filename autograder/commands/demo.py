"""``nncourse demo``: the whole course in one go, in about a minute, offline.

1. releases every assignment with nbgrader into a fresh course folder;
2. grades the example submissions shipped in ``assignments/examples/<id>/`` (the solution and one
   with typical mistakes) with the sandboxed standalone grader, writing each one's feedback;
3. prints the grade table and where the feedback is;
4. writes a sample exam with its answer key (when the exam generator is installed).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from . import release as rel

EXAMPLES = rel.COURSE / "examples"
KINDS = ["solution", "mistakes"]


def grade_examples(out: Path, assignments: list[str] = rel.ASSIGNMENTS) -> dict[tuple[str, str], object]:
    """Grade every example submission; feedback goes to ``out/feedback/<id>/<kind>.txt`` and ``.json``.

    Returns {(assignment, kind): report or the error text if that assignment cannot be graded}.
    """
    from autograder.grading import grade_file, table, write_json

    reports: dict[tuple[str, str], object] = {}
    for assignment in assignments:
        folder = out / "feedback" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            submission = EXAMPLES / assignment / f"{kind}.ipynb"
            try:
                report = grade_file(assignment, submission)
            except Exception as err:  # an assignment whose checks are not installed yet, etc.
                reports[assignment, kind] = f"{type(err).__name__}: {err}"
                continue
            (folder / f"{kind}.txt").write_text(table(report) + "\n", encoding="utf-8")
            write_json(report, folder / f"{kind}.json")
            reports[assignment, kind] = report
    return reports


def grade_table(reports: dict, assignments: list[str] = rel.ASSIGNMENTS) -> str:
    """assignment | solution | mistakes, as "score/max"."""
    width = max(len(a) for a in assignments)
    lines = [f"{'assignment':<{width}}  {'solution':>10}  {'mistakes':>10}", "-" * (width + 24)]
    problems = []
    for assignment in assignments:
        cells = []
        for kind in KINDS:
            report = reports.get((assignment, kind))
            if report is None or isinstance(report, str):
                cells.append("—")
                if report:
                    problems.append(f"{assignment} ({kind}) not graded: {report}")
            else:
                cells.append(f"{report.score:g}/{report.max_score:g}")
        lines.append(f"{assignment:<{width}}  {cells[0]:>10}  {cells[1]:>10}")
    return "\n".join(lines + problems)


def sample_exam(out: Path) -> Path | None:
    """The exam generator's sample (two versions with a key), or None if it is not available."""
    try:
        from autograder import exam
    except ImportError:
        return None
    write = getattr(exam, "write_sample_exam", None)
    if write is None:
        return None
    folder = out / "exam"
    result = write(folder, seed=0, versions=2)
    return Path(result) if isinstance(result, (str, Path)) else folder


def run(out: Path) -> int:
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    print(f"1. Releasing the five assignments with nbgrader into {out / 'course'} ...", flush=True)
    released = rel.release(rel.COURSE, out=out / "course")
    for assignment in rel.ASSIGNMENTS:
        print(f"   {released / assignment / (assignment + '.ipynb')}")
    print("2. Grading the example submissions (solution, typical mistakes) in the sandbox ...", flush=True)
    reports = grade_examples(out)
    print()
    print(grade_table(reports))
    print()
    print(f"   Feedback for each submission: {out / 'feedback'}/<assignment>/<solution|mistakes>.txt "
          f"(and Gradescope's .json)")
    print("3. Sample exam ...", flush=True)
    exam = sample_exam(out)
    print(f"   written to {exam}" if exam else "   (the exam generator is not installed yet: skipped)")
    print(f"\nDone in {time.monotonic() - started:.0f} s. Everything is in {out}")
    solutions_full = all(not isinstance(r, str) and r.score == r.max_score
                         for (a, kind), r in reports.items() if kind == "solution")
    return 0 if solutions_full else 1


def _run(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="nncourse-demo-"))
    return run(out)


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="release, grade the example submissions, write a sample exam",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="folder for the demo's course, feedback and exam (default: a new temp folder)")
    parser.set_defaults(func=_run)
