"""``nncourse grade``, ``nncourse grade-all`` and ``nncourse gradescope``: grading in the sandbox."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import course as courses
from .course import add_course_option


def _course_and_assignment(args: argparse.Namespace) -> courses.Course:
    from ..registry import assignment_ids
    course = courses.require(args.course)
    if args.assignment not in assignment_ids():
        raise courses.CourseError(f"no assignment {args.assignment!r}; the assignments are "
                                  f"{', '.join(assignment_ids())}")
    if not course.secret_file.is_file():
        course.secret(create=True)
        print(f"nncourse: made the course secret {course.secret_file} (the hidden cases come from it; "
              f"keep it with the course and away from students)", file=sys.stderr)
    text, built = course.text_source(args.assignment), course.source_notebook(args.assignment)
    if text.is_file() and built.is_file() and text.stat().st_mtime > built.stat().st_mtime:
        print(f"nncourse: {text} changed after {built} was built; grading uses the built notebook "
              f"(run `nncourse build {args.assignment}` to rebuild it)", file=sys.stderr)
    return course.activate()


def _grade(args: argparse.Namespace) -> int:
    from ..grading import grade_file, table, write_json
    course = _course_and_assignment(args)
    student, how = args.student, "folder"
    if args.gradescope_metadata and student is None:
        from ..own_numbers import gradescope_student
        student, note = gradescope_student(args.gradescope_metadata)
        how = "gradescope"
        if note:
            print(f"nncourse grade: {note}", file=sys.stderr)
    report = grade_file(args.assignment, args.submission, course, student=student, how=how)
    print(table(report))
    if args.json:
        write_json(report, args.json)
    return 0


def _grade_all(args: argparse.Namespace) -> int:
    from ..batch import BatchError, grade_all
    from ..shards import parse_shard
    course = _course_and_assignment(args)
    submitted = Path(args.submitted_dir) if args.submitted_dir else course.root / "submitted"
    if not submitted.is_dir():
        print(f"nncourse grade-all: {submitted} is not a folder (submissions go in "
              f"submitted/<student>/{args.assignment}/, as nbgrader collects them)", file=sys.stderr)
        return 2
    shard = parse_shard(args.shard) if args.shard else None
    if shard and args.student:
        raise BatchError("--student grades one submission into a merged (or unsharded) folder; "
                         "leave out --shard (or rerun the student's whole shard, which grades only what changed)")
    if shard and args.gradebook:
        raise BatchError("a shard does not write the gradebook (many shards at once would share one database): "
                         "pass --gradebook to `nncourse merge` instead")
    default = f"shard-{shard[0]}-of-{shard[1]}" if shard else ""
    out = Path(args.out) if args.out else course.root / "graded" / args.assignment / default
    rows = grade_all(args.assignment, submitted, out, course, jobs=max(1, args.jobs), progress=not args.quiet,
                     shard=shard, student=args.student)
    errors = sum(r.get("status") == "error" for r in rows)
    if args.student:
        row = next(r for r in rows if r["student"] == args.student)
        late = f", {row['late_penalty']:g} late penalty: {row['final']:g}" if "final" in row else ""
        print(f"graded {args.student}: {row['total']:g}/{row['max']:g}{late}; updated {out / 'grades.csv'} "
              f"({len(rows)} students)")
    else:
        which = f" in shard {shard[0]}/{shard[1]}" if shard else ""
        print(f"graded {len(rows)} submissions{which} ({errors} could not be graded); see {out / 'grades.csv'}")
    if args.gradebook:
        from ..gradebook import write_gradebook
        students = [args.student] if args.student else None
        unreadable = write_gradebook(course, args.assignment, submitted, out, rows, students=students)
        print(f"recorded {len(students or rows)} students' grades in the course's gradebook (the formgrader lists them)")
        if unreadable:
            print(f"  with 0 points, as nbgrader could not read their notebooks: {', '.join(unreadable)}")
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from ..gradescope import build_bundle
    course = _course_and_assignment(args)
    path = build_bundle(args.assignment, args.out, course)
    print(f"wrote {path}: upload it as the assignment's autograder on Gradescope (it holds the course "
          f"secret and the solutions' checks: share it with no student)")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("grade", help="grade one submission (.ipynb or .py) in the sandbox")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("submission", help="the student's .ipynb or .py file")
    p.add_argument("--json", metavar="OUT", help="write Gradescope's results.json here")
    p.add_argument("--student", metavar="ID",
                   help="whose work it is, for the by-hand examples' own numbers (default: the folder, "
                        "submitted/<student>/<assignment>/, else the id typed in the notebook)")
    p.add_argument("--gradescope-metadata", metavar="JSON",
                   help="Gradescope's submission_metadata.json: the student is its roster id (sid) or e-mail")
    add_course_option(p)
    p.set_defaults(func=_grade)

    p = subparsers.add_parser("grade-all", help="grade a folder of submissions (nbgrader's submitted/ layout)")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("submitted_dir", nargs="?", metavar="SUBMITTED_DIR",
                   help="submitted/<student>/<assignment>/*.ipynb (default: the course's submitted/)")
    p.add_argument("--out", metavar="DIR", help="where grades.csv and feedback go (default: graded/<assignment>)")
    p.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    p.add_argument("--gradebook", action="store_true",
                   help="also record the grades in the course's nbgrader gradebook, for the formgrader")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--shard", metavar="K/N",
                   help="grade only shard K of N (K from 0; a student is always in the same shard), into "
                        "graded/<assignment>/shard-K-of-N; then `nncourse merge` the shards")
    p.add_argument("--student", metavar="ID",
                   help="grade only this student's submission into an existing graded folder "
                        "(grades.csv, feedback and, with --gradebook, the gradebook are updated in place)")
    add_course_option(p)
    p.set_defaults(func=_grade_all)

    p = subparsers.add_parser("gradescope", help="build a Gradescope autograder bundle (.zip)")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--out", required=True, metavar="ZIP")
    add_course_option(p)
    p.set_defaults(func=_gradescope)
