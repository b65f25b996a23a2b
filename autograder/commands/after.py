"""``nncourse report``, ``nncourse export`` and ``nncourse similarity``: after grading."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import course as courses
from .course import add_course_option


def _report(args: argparse.Namespace) -> int:
    from ..report import write_report
    try:
        path = write_report(args.graded_dir, args.out)
    except FileNotFoundError as err:
        print(f"nncourse report: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path} (open it in a browser; it needs no network)")
    return 0


def _export(args: argparse.Namespace) -> int:
    from ..lms import export
    try:
        problems = export(args.to, args.graded_dirs, args.roster, args.out)
    except (FileNotFoundError, ValueError) as err:
        print(f"nncourse export: {err}", file=sys.stderr)
        return 2
    for line in problems:
        print(f"  {line}")
    print(f"wrote {args.out}: import it in {'Canvas (Grades → Import)' if args.to == 'canvas' else 'Moodle (Grades → Import → CSV file; map email to Email address)'}")
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from ..similarity import CAVEAT, write_similarity
    course = courses.require(args.course).activate()
    submitted = Path(args.submitted_dir) if args.submitted_dir else course.root / "submitted"
    if not submitted.is_dir():
        print(f"nncourse similarity: {submitted} is not a folder of submissions", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else course.root / "graded" / args.assignment
    path, pairs, skipped = write_similarity(args.assignment, submitted, out, course, top=args.top)
    for line in skipped:
        print(f"  not compared: {line}")
    for p in pairs[:5]:
        print(f"  {100 * p.score:3.0f} %  {p.a} and {p.b}")
    print(f"wrote {path}. {CAVEAT}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="a class report of a graded folder: scores, mistakes ranked, ungraded")
    p.add_argument("graded_dir", metavar="GRADED_DIR", help="the folder grade-all wrote (graded/<assignment>)")
    p.add_argument("--out", metavar="HTML", help="where to write it (default: GRADED_DIR/report.html)")
    p.set_defaults(func=_report)

    p = subparsers.add_parser("export", help="grades as the CSV that Canvas's or Moodle's gradebook imports")
    p.add_argument("graded_dirs", nargs="+", metavar="GRADED_DIR", help="one graded folder per assignment")
    p.add_argument("--to", choices=["canvas", "moodle"], required=True)
    p.add_argument("--roster", required=True, metavar="CSV",
                   help="student (the nbgrader id), name, email, sis_id, login, section")
    p.add_argument("--out", required=True, metavar="CSV")
    p.set_defaults(func=_export)

    p = subparsers.add_parser("similarity", help="rank pairs of submissions by shared answer code (copydetect)")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("submitted_dir", nargs="?", metavar="SUBMITTED_DIR", help="default: the course's submitted/")
    p.add_argument("--out", metavar="DIR", help="where similarity.html goes (default: graded/<assignment>)")
    p.add_argument("--top", type=int, default=10, help="pairs shown side by side (default 10)")
    add_course_option(p)
    p.set_defaults(func=_similarity)
