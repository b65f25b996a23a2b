"""``nncourse exam``: generate per-student exams with keys, and grade students' numeric answers."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("exam", help="generate randomised exams with answer keys; grade answers")
    sub = parser.add_subparsers(dest="exam_command", metavar="ACTION")
    gen = sub.add_parser("generate", help="write PDFs, Markdown, key.json, Moodle XML and Canvas QTI")
    gen.add_argument("--seed", type=int, default=0, help="exam seed (same seed, same exam)")
    gen.add_argument("--versions", type=int, default=2, help="number of versions when no roster is given")
    gen.add_argument("--roster", type=Path, help="CSV of students (column 'student'): one version each")
    gen.add_argument("--out", type=Path, required=True, help="output folder")
    gen.add_argument("--title", default="Neural networks: exam")
    gen.add_argument("--kinds", help="comma-separated problem kinds (default: all seven)")
    gen.add_argument("--no-pdf", action="store_true", help="skip the PDFs (fastest)")
    gen.add_argument("--no-solutions-pdf", action="store_true",
                     help="skip solutions.pdf (about half the PDF time; solutions.md keeps every step)")
    gen.add_argument("--jobs", type=int, help="threads compiling PDFs (default: one more than the cores)")
    gen.set_defaults(func=_generate)
    grade = sub.add_parser("grade", help="score ANSWERS.csv against each student's own version")
    grade.add_argument("key", type=Path, help="key.json written by 'exam generate'")
    grade.add_argument("answers", type=Path, help="CSV: student, version, then one column per answer (see answers_template.csv)")
    grade.add_argument("--out", type=Path, default=Path("grades.csv"))
    grade.add_argument("--carry-forward", action="store_true",
                       help="check later parts against the student's own earlier values (error carried forward)")
    grade.set_defaults(func=_grade)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _generate(args: argparse.Namespace) -> int:
    from nncourse.autograder.exam import missing_extra
    if missing_extra():
        print(f"nncourse exam generate: writing exams needs the exam extra ({', '.join(missing_extra())} "
              f"missing here): pip install \"nncourse[exam]\"", file=sys.stderr)
        return 2
    from nncourse.autograder.exam.versions import DEFAULT_KINDS
    from nncourse.autograder.exam.writer import read_roster, write_exam

    try:
        kinds = tuple(k.strip() for k in args.kinds.split(",")) if args.kinds else DEFAULT_KINDS
        from nncourse.autograder.exam.kinds import kind
        for k in kinds:
            kind(k)
        if args.versions < 1:
            raise ValueError(f"--versions must be at least 1, got {args.versions}")
        if args.jobs is not None and args.jobs < 1:
            raise ValueError(f"--jobs must be at least 1, got {args.jobs}")
        students = read_roster(args.roster) if args.roster else None
        start = time.perf_counter()
        paths = write_exam(args.out, seed=args.seed, students=students, versions=args.versions, kinds=kinds,
                           title=args.title, pdf=not args.no_pdf, jobs=args.jobs,
                           solutions_pdf=not args.no_solutions_pdf)
    except (KeyError, ValueError, FileNotFoundError) as err:
        print(f"nncourse exam generate: {err.args[0] if err.args else err}", file=sys.stderr)
        return 2
    print(f"wrote the exam to {args.out} in {time.perf_counter() - start:.1f} s:")
    for name, path in paths.items():
        print(f"  {name:17s} {path}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from nncourse.autograder.exam.grading import grade_csv, write_grades
    from nncourse.autograder.exam.keyfile import read_key

    try:
        results = grade_csv(read_key(args.key), args.answers, carry_forward=args.carry_forward)
    except (ValueError, FileNotFoundError) as err:
        print(f"nncourse exam grade: {err}", file=sys.stderr)
        return 2
    write_grades(results, args.out)
    flagged = [r for r in results if r.message]
    print(f"graded {len(results)} students -> {args.out}")
    for r in flagged:
        print(f"  {r.student}: {r.message}")
    return 0
