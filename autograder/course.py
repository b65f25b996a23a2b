"""A course folder: nbgrader's course layout plus what nncourse adds to it.

    COURSE/
      nbgrader_config.py        nbgrader's settings (this file is what marks a course folder)
      authoring/<id>.py         each notebook as text (Jupytext); `nncourse build` turns it into
      source/<id>/<id>.ipynb    the notebook nbgrader reads, with the data files it opens
      checks/<id>.py            optional: the course's own assignments (or replacements, by id)
      deadlines.yaml            each assignment's deadline, the late policy, the extensions file
      .nncourse/secret          the course secret: hidden test cases are drawn from it
      release/ submitted/ autograded/ feedback/ gradebook.db      nbgrader's own folders

Every ``nncourse`` command works on the course folder it is run in (or above it), or on ``--course``.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from nncourse.reference.paths import COURSE_MATERIAL

from . import registry

CONFIG = "nbgrader_config.py"


class CourseError(ValueError):
    """No usable course folder (the message says what is missing and what to run)."""


@dataclass(frozen=True)
class Course:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def authoring(self) -> Path:
        return self.root / "authoring"

    @property
    def checks(self) -> Path:
        return self.root / "checks"

    @property
    def secret_file(self) -> Path:
        return self.root / ".nncourse" / "secret"

    def text_source(self, assignment: str) -> Path:
        return self.authoring / f"{assignment}.py"

    def source_folder(self, assignment: str) -> Path:
        return self.root / "source" / assignment

    def source_notebook(self, assignment: str) -> Path:
        return self.source_folder(assignment) / f"{assignment}.ipynb"

    def built_source(self, assignment: str) -> Path:
        """The source notebook, or a CourseError saying how to build it."""
        notebook = self.source_notebook(assignment)
        if not notebook.is_file():
            raise CourseError(f"{self.root} has no {notebook.relative_to(self.root)}: "
                              f"run `nncourse build {assignment}` there first")
        return notebook

    def secret(self, create: bool = False) -> bytes:
        """The course secret (created with ``create``); students never see it."""
        path = self.secret_file
        if not path.is_file():
            if not create:
                raise CourseError(f"{self.root} has no course secret ({path.relative_to(self.root)}): "
                                  f"run `nncourse init {self.root}` to create one")
            path.parent.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
        return bytes.fromhex(path.read_text().strip())

    def seed(self) -> int:
        """The hidden cases' seed: a number derived from the secret (the same secret, the same cases)."""
        return int.from_bytes(hashlib.sha256(b"nncourse hidden cases\0" + self.secret()).digest()[:8], "big")

    def secret_id(self) -> str:
        """Which secret drew the hidden cases, without revealing it: a fingerprint, or "public seed"."""
        if not self.secret_file.is_file():
            return "public seed"
        return "course secret " + hashlib.sha256(b"nncourse secret id\0" + self.secret()).hexdigest()[:12]

    def activate(self) -> "Course":
        """Use this course's checks and secret for everything graded from now on in this process."""
        registry.use_course_checks(self.checks)
        registry.use_seed(self.seed() if self.secret_file.is_file() else None)
        return self


def find(start: str | Path | None = None) -> Course | None:
    """The course folder at ``start`` (default: the current folder) or the nearest one above it."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG).is_file():
            return Course(folder)
    return None


def require(course: str | Path | None = None) -> Course:
    """``--course DIR`` if given, else the course folder this command runs in; activated."""
    if course is not None:
        root = Path(course).resolve()
        if not (root / CONFIG).is_file():
            raise CourseError(f"{root} is not a course folder (it has no {CONFIG}); "
                              f"make one with `nncourse init {course}`")
        return Course(root).activate()
    found = find()
    if found is None:
        raise CourseError(f"{Path.cwd()} is not in a course folder (no {CONFIG} here or above): "
                          "run this inside your course folder, pass --course DIR, "
                          "or make a course with `nncourse init DIR`")
    return found.activate()


def init(root: str | Path, *, course_id: str | None = None, copy_checks: tuple[str, ...] = ()
         ) -> tuple[Course, list[Path]]:
    """Make ``root`` a course folder, or add what it lacks; never overwrites a file. ``copy_checks``:
    assignments whose package checks module becomes the course's own (to edit). Returns what was written."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    course, written = Course(root), []
    if not course.config.is_file():
        text = (COURSE_MATERIAL / CONFIG).read_text(encoding="utf-8")
        if course_id:
            text = text.replace('c.CourseDirectory.course_id = "nncourse"',
                                f"c.CourseDirectory.course_id = {course_id!r}")
        course.config.write_text(text, encoding="utf-8")
        written.append(course.config)
    course.authoring.mkdir(exist_ok=True)
    for text_source in sorted((COURSE_MATERIAL / "authoring").glob("*.py")):
        target = course.authoring / text_source.name
        if not target.exists():
            shutil.copyfile(text_source, target)
            written.append(target)
    if not course.secret_file.is_file():
        course.secret(create=True)
        written.append(course.secret_file)
    deadlines = root / "deadlines.yaml"
    if not deadlines.exists():  # a commented template: no deadline until the instructor writes one
        shutil.copyfile(Path(__file__).parent / "templates" / "deadlines.yaml", deadlines)
        written.append(deadlines)
    for assignment in copy_checks:
        origin = Path(registry.declaration(assignment).origin)
        target = course.checks / f"{assignment}.py"
        if not target.exists():
            course.checks.mkdir(exist_ok=True)
            shutil.copyfile(origin, target)
            written.append(target)
    return course.activate(), written
