"""``nncourse grade``, ``nncourse grade-all`` and ``nncourse gradescope``."""
from __future__ import annotations

import argparse
import sys

from ..registry import ASSIGNMENTS


def register(subparsers) -> None:
    p = subparsers.add_parser("grade", help="grade one submission (.ipynb or .py) in the sandbox")
    p.add_argument("assignment", choices=ASSIGNMENTS)
    p.add_argument("submission", help="the student's .ipynb or .py file")
    p.add_argument("--json", metavar="OUT", help="write Gradescope's results.json here")
    p.add_argument("--source", metavar="DIR", help="folder of source notebooks (default assignments/source)")
    p.set_defaults(func=_grade)

    p = subparsers.add_parser("grade-all", help="grade a folder of submissions (nbgrader's submitted/ layout)")
    p.add_argument("assignment", choices=ASSIGNMENTS)
    p.add_argument("submitted_dir", help="submitted/<student>/<assignment>/*.ipynb")
    p.add_argument("--out", required=True, metavar="DIR", help="where grades.csv and feedback go")
    p.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    p.add_argument("--source", metavar="DIR", help="folder of source notebooks (default assignments/source)")
    p.add_argument("--gradebook", metavar="PATH", help="also write the scores into this nbgrader gradebook.db")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_grade_all)

    p = subparsers.add_parser("gradescope", help="build a Gradescope autograder bundle (.zip)")
    p.add_argument("assignment", choices=ASSIGNMENTS)
    p.add_argument("--out", required=True, metavar="ZIP")
    p.add_argument("--source", metavar="DIR", help="folder of source notebooks (default assignments/source)")
    p.set_defaults(func=_gradescope)


def _grade(args: argparse.Namespace) -> int:
    from ..grading import grade_file, table, write_json
    report = grade_file(args.assignment, args.submission, source_dir=args.source)
    print(table(report))
    if args.json:
        write_json(report, args.json)
    return 0


def _grade_all(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..batch import grade_all
    if not Path(args.submitted_dir).is_dir():
        print(f"nncourse grade-all: {args.submitted_dir} is not a folder", file=sys.stderr)
        return 2
    rows = grade_all(args.assignment, args.submitted_dir, args.out, jobs=max(1, args.jobs),
                     source_dir=args.source, progress=not args.quiet)
    errors = sum(r.get("status") == "error" for r in rows)
    print(f"graded {len(rows)} submissions ({errors} could not be graded); see {Path(args.out) / 'grades.csv'}")
    if args.gradebook:
        from ..gradebook import write_gradebook
        n = write_gradebook(args.gradebook, args.assignment, rows)
        print(f"wrote {n} students' scores into {args.gradebook}")
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from ..gradescope import build_bundle
    path = build_bundle(args.assignment, args.out, source_dir=args.source)
    print(f"wrote {path}: upload it as the assignment's autograder on Gradescope")
    return 0
