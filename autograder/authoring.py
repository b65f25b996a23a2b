"""Build each assignment's nbgrader notebook from its text source, ``authoring/<id>.py``.

The text source is a Jupytext percent-format file: ``# %%`` cells whose header carries the cell's
nbgrader metadata, kept short (``nbgrader={"grade_id": "answer_dense", "solution": true}``); test
cells hold only their visible part. ``source/<id>/<id>.ipynb``, which nbgrader reads, is built from
it by the steps in ``STEPS``, and ``source/<id>/`` gets the files the notebook opens. Nothing is
written twice: the points come from the checks, the hidden part of each test cell from the check's
name and the objects it needs, the lecture's numbers from data/worked_examples.json.
"""
from __future__ import annotations

import copy
import json
import re
import shutil
import textwrap
from fractions import Fraction
from pathlib import Path
from typing import Callable

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nncourse.reference.paths import COURSE_MATERIAL, DATA_DIR

from . import own_numbers, registry
from .course import Course, CourseError

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
#: The helpers of the visible tests, released next to every notebook.
HELPERS = COURSE_MATERIAL / "checking.py"
INCLUDE = re.compile(r"^#\| include: (.+)$", re.M)
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


class AuthoringError(CourseError):
    """A text source that cannot become a notebook; the message names the file and the cell."""


class Source:
    """One text source being built: its notebook, and where it came from (for messages)."""

    def __init__(self, course: Course, assignment: str) -> None:
        self.course, self.assignment = course, assignment
        self.path = course.text_source(assignment)
        if not self.path.is_file():
            raise AuthoringError(f"{self.path} does not exist: every assignment needs its text source "
                                 f"(run `nncourse init {course.root}` to add the course's own)")
        import jupytext
        try:
            self.nb = jupytext.read(self.path, fmt="py:percent")
        except Exception as err:  # noqa: BLE001 - jupytext's own message says what is wrong
            raise AuthoringError(f"{self.path} is not a Jupytext percent-format notebook: {err}") from None

    def fail(self, cell, problem: str) -> AuthoringError:
        grade_id = _nbgrader(cell).get("grade_id")
        where = f"cell {grade_id!r}" if grade_id else f"cell {self.nb.cells.index(cell) + 1}"
        return AuthoringError(f"{self.path}, {where}: {problem}")


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _solution_code(source: str) -> str:
    return "\n".join(line for line in source.split("\n") if line.strip() not in SOLUTION)


# ---------------------------------------------------------------------------------- the steps

def include_solutions(src: Source) -> None:
    """``#| include: other/answer_x, ...`` in an answer cell becomes those answer cells' solutions
    (the minibatch and bike notebooks reuse the earlier assignments' classes this way)."""
    def solution_of(ref: str, seen: tuple) -> str:
        assignment, _, grade_id = ref.strip().partition("/")
        if ref in seen:
            raise AuthoringError(f"{src.path}: `#| include: {ref}` includes itself")
        other = src if assignment == src.assignment else Source(src.course, assignment)
        for cell in other.nb.cells:
            if _nbgrader(cell).get("grade_id") == grade_id and _nbgrader(cell).get("solution"):
                return INCLUDE.sub(lambda m: expand(m, (*seen, ref)), _solution_code(cell.source))
        raise AuthoringError(f"{src.path}: `#| include: {ref}`: {other.path} has no answer cell {grade_id!r}")

    def expand(match, seen=()) -> str:
        return "\n\n\n".join(solution_of(ref, seen).strip("\n") for ref in match.group(1).split(","))

    for cell in src.nb.cells:
        if cell.cell_type == "code" and INCLUDE.search(cell.source):
            if not _nbgrader(cell).get("solution"):
                raise src.fail(cell, "`#| include:` works only in answer cells (solution: true)")
            cell.source = INCLUDE.sub(expand, cell.source)


def _flat(value) -> list:
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flat(item)]
    return [value]


def _num(value) -> str:
    values = _flat(value)
    if len(values) != 1:
        raise ValueError(f"num needs one number, got {len(values)}")
    return f"{values[0]:g}"


FILTERS: dict[str, Callable] = {
    "num": _num,                                                         # 1.5
    "vec": lambda value: "(" + ", ".join(f"{v:g}" for v in _flat(value)) + ")",   # (1, -1, 2)
    "frac": lambda value: (lambda f: f"\\frac{{{f.numerator}}}{{{f.denominator}}}")(
        Fraction(float(_num(value))).limit_denominator(10_000)),         # \frac{1}{100}
    "samples": lambda ex: ", ".join(                                     # $(2, 1, 1) \rightarrow 3$, ...
        "$(" + ", ".join(f"{v:g}" for v in x) + rf") \rightarrow {_num(y)}$"
        for x, y in zip(zip(*ex["inputs"]), zip(*ex["targets"]))),
    "numbered": lambda parameters, prefix: ", ".join(                   # w1 = 1, w2 = -4, ...
        f"{k} = {v:g}" for k, v in parameters.items() if k.startswith(prefix)),
    "exact": lambda value: _exact(_flat(value)[0]) if len(_flat(value)) == 1 and not isinstance(value, dict)
    else "(" + ", ".join(_exact(v) for v in (value.values() if isinstance(value, dict) else _flat(value))) + ")",
    "prefixed": lambda parameters, prefix: {                            # the w... entries only
        k: v for k, v in parameters.items() if k.startswith(prefix)},
}


def _exact(value: float) -> str:
    """A worked answer as the lecture writes it: a short decimal, or a fraction such as -4/3."""
    f = Fraction(value).limit_denominator(1000)
    return f"{value:g}" if f.denominator == 1 or abs(float(f) - value) > 1e-9 or len(f"{value:g}") <= 6 \
        else f"{f.numerator}/{f.denominator}"


def lecture_numbers(src: Source) -> None:
    """``{{ example1.inputs | vec }}`` in a markdown cell becomes the lecture's number(s)."""
    if not any(cell.cell_type == "markdown" and "{{" in cell.source for cell in src.nb.cells):
        return
    import jinja2

    class Lecture(jinja2.Environment):
        def getattr(self, obj, attribute):  # example1.update is the JSON's "update", not dict.update
            return obj[attribute] if isinstance(obj, dict) and attribute in obj else super().getattr(obj, attribute)

    env = Lecture(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    lecture = json.loads((DATA_DIR / "worked_examples.json").read_text(encoding="utf-8"))["examples"]
    for cell in src.nb.cells:
        if cell.cell_type == "markdown" and "{{" in cell.source:
            try:
                cell.source = env.from_string(cell.source).render(**lecture)
            except (jinja2.TemplateError, ValueError, TypeError, KeyError) as err:
                raise src.fail(cell, f"a lecture number could not be filled in ({err}); the names are "
                                     f"{', '.join(lecture)} (data/worked_examples.json) and the filters "
                                     f"{', '.join(FILTERS)}") from None


def complete_metadata(src: Source) -> None:
    """Short nbgrader metadata becomes nbgrader's full schema; every cell gets a stable id."""
    ids = set()
    for index, cell in enumerate(src.nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            cell["id"] = f"cell-{index + 1}"
            cell.metadata = {}
            continue
        if not meta.get("grade_id"):
            raise src.fail(cell, "nbgrader metadata needs a grade_id")
        grade_id = str(meta["grade_id"])
        if grade_id in ids:
            raise src.fail(cell, "this grade_id is used twice; every cell needs its own")
        ids.add(grade_id)
        solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))
        full = {"grade": grade, "grade_id": grade_id, "locked": bool(meta.get("locked", not solution)),
                "schema_version": 3, "solution": solution, "task": False}
        if "points" in meta:
            full["points"] = meta["points"]
        cell.metadata = {"nbgrader": full}
        cell["id"] = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)[:64]


def check_answers(src: Source) -> None:
    """Every answer cell marks its solution, so that nbgrader can replace it with the stub."""
    for cell in src.nb.cells:
        if _nbgrader(cell).get("solution"):
            if cell.cell_type != "code":
                raise src.fail(cell, "answer cells must be code cells")
            lines = [line.strip() for line in cell.source.split("\n")]
            if lines.count(SOLUTION[0]) != lines.count(SOLUTION[1]) or SOLUTION[0] not in lines:
                raise src.fail(cell, f"an answer cell needs `{SOLUTION[0]}` ... `{SOLUTION[1]}` around the solution")


def hidden_checks(src: Source) -> None:
    """Each test cell ``test_<check>`` gets the check's points; its visible part runs inside
    ``with visible_tests():`` (one message when it fails; in nbgrader's autograde it only prints, so
    that the points come from the check); then, hidden, the call of the check."""
    checks = {check.name: check for check in registry.checks_for(src.assignment)}
    origin = registry.declaration(src.assignment).origin
    tested = set()
    for cell in src.nb.cells:
        meta = _nbgrader(cell)
        if not meta.get("grade") or meta.get("solution"):
            continue
        name = meta["grade_id"].removeprefix("test_")
        if not meta["grade_id"].startswith("test_") or name not in checks:
            raise src.fail(cell, f"a test cell must be named test_<check>, for one of the checks in {origin}: "
                                 f"{', '.join('test_' + n for n in checks)}")
        check = checks[name]
        if "points" in meta and float(meta["points"]) != float(check.points):
            raise src.fail(cell, f"the cell gives {meta['points']:g} points, but {origin} gives the check "
                                 f"{name!r} {check.points:g}. Points are declared once, with the check: remove "
                                 f"\"points\" from the cell (or change the check)")
        if HIDDEN[0] in cell.source:
            raise src.fail(cell, "test cells hold only their visible part; the hidden check is added by "
                                 "`nncourse build` (remove the BEGIN/END HIDDEN TESTS block)")
        meta["points"] = check.points
        call = f'check("{src.assignment}", "{name}")'
        visible = textwrap.indent(cell.source.strip("\n"), "    ") or "    pass"
        cell.source = (f"with visible_tests():\n{visible}\n{HIDDEN[0]}\nfrom nncourse.autograder import check\n"
                       f"{call}\n{HIDDEN[1]}")
        tested.add(name)
    if tested and not any("visible_tests" in c.source for c in src.nb.cells if not _nbgrader(c).get("grade")):
        raise AuthoringError(f"{src.path}: the test cells run inside `with visible_tests():`, but no cell imports "
                             f"it: add `from checking import visible_tests` to the setup cell")
    untested = [name for name in checks if name not in tested]
    if untested:
        raise AuthoringError(f"{src.path} has no test cell for the check(s) {', '.join(untested)} of {origin}: "
                             f"add a cell with nbgrader={{\"grade_id\": \"test_{untested[0]}\", \"grade\": true}}")


#: In this order: includes first (the included code is then checked like any other); the lecture's
#: numbers before anything reads the text; the metadata completed before the steps that rely on it.
STEPS = [include_solutions, lecture_numbers, complete_metadata, check_answers, hidden_checks]


def build_notebook(course: Course, assignment: str) -> nbformat.NotebookNode:
    """The source notebook of ``assignment`` from the course's text source (nothing is written)."""
    src = Source(course, assignment)
    for step in STEPS:
        step(src)
    cells = []
    for cell in src.nb.cells:
        make = new_markdown_cell if cell.cell_type == "markdown" else new_code_cell
        cells.append(make(cell.source, id=cell["id"], metadata=cell.metadata))
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def data_files(assignment: str) -> list[Path]:
    """The files released next to the notebook: the declared data, and the test cells' helpers."""
    files = [HELPERS]
    for name in registry.assignment_of(assignment).data:
        if not (DATA_DIR / name).is_file():
            raise AuthoringError(f"{registry.declaration(assignment).origin} declares the data file {name!r}, "
                                 f"but {DATA_DIR} has no such file")
        files.append(DATA_DIR / name)
    return files


def build(course: Course, assignment: str) -> Path:
    """Write ``source/<id>/<id>.ipynb`` and the files it opens; returns the notebook's path."""
    nb = build_notebook(course, assignment)
    folder = course.source_folder(assignment)
    folder.mkdir(parents=True, exist_ok=True)
    for path in data_files(assignment):
        target = folder / path.name
        if not target.is_file() or target.read_bytes() != path.read_bytes():
            shutil.copyfile(path, target)
    numbers = own_numbers.contents(assignment)  # each student's numbers for the by-hand examples
    target = folder / own_numbers.FILE
    if numbers is not None and (not target.is_file() or target.read_text(encoding="utf-8") != numbers):
        target.write_text(numbers, encoding="utf-8")
    text = nbformat.writes(nb) + "\n"
    target = course.source_notebook(assignment)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target


# ---------------------------------------------------------------------------------- example submissions

def _drop_region(source: str, begin: str, end: str, *, keep_inside: bool) -> str:
    lines, inside = [], False
    for line in source.split("\n"):
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif keep_inside or not inside:
            lines.append(line)
    return "\n".join(lines)


def as_submitted(source_nb: nbformat.NotebookNode, answers: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The source notebook as a student's finished work: solutions kept, hidden tests gone, and
    ``answers`` ({grade_id: code}) in place of those answer cells."""
    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if meta.get("solution") and meta["grade_id"] in (answers or {}):
            cell.source = answers[meta["grade_id"]]
        elif meta.get("solution"):
            cell.source = _drop_region(cell.source, *SOLUTION, keep_inside=True)
        elif meta.get("grade"):
            cell.source = _drop_region(cell.source, *HIDDEN, keep_inside=False).rstrip("\n")
    return nb


def example_answers(assignment: str, source_nb: nbformat.NotebookNode) -> dict[str, str]:
    """The typical-mistake answers of ``assignments/examples.py`` ({grade_id: code}), made from the
    solutions of ``source_nb``."""
    import runpy
    mistakes = runpy.run_path(str(COURSE_MATERIAL / "examples.py"))["MISTAKES"].get(assignment, {})
    solutions = {_nbgrader(c)["grade_id"]: _solution_code(c.source) for c in source_nb.cells
                 if _nbgrader(c).get("solution")}
    answers = {}
    for grade_id, mistake in mistakes.items():
        if isinstance(mistake, str):
            answers[grade_id] = mistake
            continue
        code = solutions[grade_id]
        for old, new in mistake:
            if code.count(old) != 1:
                raise AuthoringError(f"{COURSE_MATERIAL / 'examples.py'}: the mistake for {assignment} {grade_id} "
                                     f"expects {old!r} once in its solution")
            code = code.replace(old, new)
        answers[grade_id] = code
    return answers
