"""``nncourse init``, ``nncourse build`` and ``nncourse release``: the course folder and its notebooks.

``init`` makes a ready nbgrader course folder (config, text sources, built source notebooks with
their data, course secret); ``build`` turns the text sources into nbgrader's source notebooks;
``release`` builds and then runs nbgrader's own ``generate_assignment``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .. import course as courses
from ..registry import assignment_ids


class ReleaseError(RuntimeError):
    """nbgrader could not release an assignment (its message says which and why)."""


def nbgrader_api(course: courses.Course):
    """nbgrader's Python API for the course folder, configured by its nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(courses.CONFIG, path=str(course.root)).load_config()
    config.CourseDirectory.root = str(course.root)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _ok(result: dict, what: str) -> None:
    if not result.get("success"):
        raise ReleaseError(f"nbgrader {what} failed:\n{result.get('error') or result.get('log')}")


def build(course: courses.Course, assignments: list[str] | None = None) -> list[Path]:
    """Build the source notebooks of ``assignments`` (default: all) from the course's text sources."""
    from ..authoring import build as build_one
    return [build_one(course, a) for a in assignments or assignment_ids()]


def release(course: courses.Course, assignments: list[str] | None = None) -> Path:
    """Build, then ``nbgrader generate_assignment`` each assignment; returns the course's release folder."""
    assignments = assignments or assignment_ids()
    build(course, assignments)
    api = nbgrader_api(course)
    for assignment in assignments:
        _ok(api.generate_assignment(assignment, force=True, create=True), f"generate_assignment {assignment}")
    return course.root / "release"


def _known(names: list[str]) -> list[str]:
    """``names`` if they are all assignments of the course, else a CourseError naming the others."""
    unknown = [a for a in names if a not in assignment_ids()]
    if unknown:
        raise courses.CourseError(f"no assignment {', '.join(unknown)}; the assignments are "
                                  f"{', '.join(assignment_ids())}")
    return names


def _init(args: argparse.Namespace) -> int:
    course, written = courses.init(args.course_dir, course_id=args.course_id, copy_checks=_known(args.copy_checks))
    built = build(course)
    for path in written:
        print(f"wrote {path}")
    for path in built:
        print(f"built {path}")
    print(f"\n{course.root} is an nbgrader course folder. Next, in that folder:\n"
          f"  nbgrader generate_assignment {assignment_ids()[0]}   (or `nncourse release` for all)\n"
          f"  edit authoring/<id>.py to change a notebook, then `nncourse build`")
    return 0


def _build(args: argparse.Namespace) -> int:
    course = courses.require(args.course)
    for path in build(course, _known(args.assignments)):
        print(f"built {path}")
    return 0


def _release(args: argparse.Namespace) -> int:
    course = courses.require(args.course)
    assignments = _known(args.assignments) or assignment_ids()
    try:
        target = release(course, assignments)
    except ReleaseError as err:
        print(f"nncourse release: {err}")
        return 1
    for assignment in assignments:
        print(f"released {target / assignment}")
    return 0


def add_course_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", metavar="DIR",
                        help="the course folder (default: the one this command runs in)")


def register(subparsers) -> None:
    p = subparsers.add_parser("init", help="make an nbgrader course folder with the five assignments",
                              description="Make COURSE_DIR a ready nbgrader course folder (or add what it "
                                          "lacks; existing files are kept).")
    p.add_argument("course_dir", metavar="COURSE_DIR")
    p.add_argument("--course-id", help="nbgrader's course id (default: nncourse)")
    p.add_argument("--copy-checks", nargs="+", default=[], metavar="ASSIGNMENT",
                   help="make these assignments' checks the course's own (checks/<id>.py), to edit their points")
    p.set_defaults(func=_init)

    for name, func, help_text in (
            ("build", _build, "turn the text sources (authoring/<id>.py) into nbgrader's source notebooks"),
            ("release", _release, "build, then release the student notebooks with nbgrader")):
        p = subparsers.add_parser(name, help=help_text, description=help_text)
        p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="which ones (default: all)")
        add_course_option(p)
        p.set_defaults(func=func)
