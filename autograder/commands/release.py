"""``nncourse release``: regenerate every student notebook with ``nbgrader generate_assignment``.

The data each assignment reads is copied next to its source notebook first (the lecture's
worked examples everywhere; the bike-sharing table and its explanation for ``bike_sharing``), so
nbgrader releases it beside the notebook. nbgrader runs in a scratch copy of the course (its
gradebook and log stay out of the repository) and ``release/`` is then replaced by the result.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "assignments"
DATA = REPO / "data"
ASSIGNMENTS = ["gradients", "layers", "activations", "minibatch", "bike_sharing"]

#: Files released next to each notebook: {assignment: [data file names]} ("*" = every assignment).
DATA_FILES = {"*": ["worked_examples.json"], "bike_sharing": ["hour.csv", "bike-share-explanation.md"]}


class ReleaseError(RuntimeError):
    """nbgrader could not release an assignment (its message says which and why)."""


def data_files(assignment: str) -> list[Path]:
    names = DATA_FILES["*"] + DATA_FILES.get(assignment, [])
    return [DATA / name for name in names if (DATA / name).is_file()]


def copy_data(course: Path, assignments: list[str] = ASSIGNMENTS) -> None:
    """Put each assignment's data files into ``source/<id>/`` (nbgrader releases them from there)."""
    for assignment in assignments:
        folder = course / "source" / assignment
        if not (folder / f"{assignment}.ipynb").is_file():
            raise ReleaseError(f"no source notebook {folder / (assignment + '.ipynb')}")
        for path in data_files(assignment):
            target = folder / path.name
            if not target.is_file() or target.read_bytes() != path.read_bytes():
                shutil.copyfile(path, target)


def nbgrader_api(course: Path):
    """nbgrader's Python API for the course folder ``course``, configured by its nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.Exchange.root = str(course / "exchange")
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _ok(result: dict, what: str) -> None:
    if not result.get("success"):
        raise ReleaseError(f"nbgrader {what} failed:\n{result.get('error') or result.get('log')}")


def scratch_course(course: Path, into: Path) -> Path:
    """A copy of the course's config and sources (with their data) in ``into``."""
    copy_data(course)
    into.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(course / "nbgrader_config.py", into / "nbgrader_config.py")
    shutil.copytree(course / "source", into / "source", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return into


def generate(course: Path, assignments: list[str] = ASSIGNMENTS, api=None):
    """``nbgrader generate_assignment`` for each assignment inside the course folder ``course``."""
    api = api or nbgrader_api(course)
    for assignment in assignments:
        _ok(api.generate_assignment(assignment, force=True, create=True), f"generate_assignment {assignment}")
    return api


def release(course: Path = COURSE, assignments: list[str] = ASSIGNMENTS, out: Path | None = None) -> Path:
    """Regenerate ``release/`` (of ``course``, or of ``out`` if given); returns that release folder."""
    course = Path(course).resolve()
    target = Path(out or course) / "release"
    with tempfile.TemporaryDirectory(prefix="nncourse-release-") as tmp:
        scratch = scratch_course(course, Path(tmp) / "course")
        generate(scratch, assignments)
        for assignment in assignments:
            shutil.rmtree(target / assignment, ignore_errors=True)
            shutil.copytree(scratch / "release" / assignment, target / assignment)
    return target


def _run(args: argparse.Namespace) -> int:
    course = Path(args.course)
    if not (course / "nbgrader_config.py").is_file():
        print(f"nncourse release: {course} is not a course folder (no nbgrader_config.py)")
        return 2
    unknown = [a for a in args.assignments if a not in ASSIGNMENTS]
    if unknown:
        print(f"nncourse release: no assignment {', '.join(unknown)}; choose from {', '.join(ASSIGNMENTS)}")
        return 2
    try:
        target = release(course, args.assignments or ASSIGNMENTS)
    except ReleaseError as err:
        print(f"nncourse release: {err}")
        return 1
    for assignment in args.assignments or ASSIGNMENTS:
        print(f"released {target / assignment}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("release", help="regenerate the student notebooks with nbgrader",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help=f"which to release (default: all of {', '.join(ASSIGNMENTS)})")
    parser.add_argument("--course", default=str(COURSE), help="the nbgrader course folder (default: %(default)s)")
    parser.set_defaults(func=_run)
