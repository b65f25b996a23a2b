"""Turn a submission (.ipynb or .py) into the code cells to run: the notebook as nbgrader's autograde
runs it, so that both routes grade the same code.

A notebook's answer cells (nbgrader ``solution: true``) and its free cells (no nbgrader metadata)
are the student's and run as written; every read-only cell comes from the course's SOURCE notebook,
deleted ones included, in the source's order; a test cell runs only its visible part, from the
source (so edited or deleted test cells change nothing), and never decides a score.
"""
from __future__ import annotations

import json
import re
from pathlib import Path


#: Larger notebooks are refused (an honest one with its plots is a few MB).
MAX_NOTEBOOK_MB = 64


class SubmissionError(ValueError):
    """The submission cannot be graded (not a notebook, answer cells deleted or duplicated, ...)."""


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nb = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nb if isinstance(nb, dict) else {}


def is_answer(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and bool(_nbgrader(cell).get("solution"))


def is_test(cell: dict) -> bool:
    nb = _nbgrader(cell)
    return bool(nb.get("grade")) and not nb.get("solution") or str(nb.get("grade_id", "")).startswith("test_")


def _text(cell: dict) -> str:
    """The cell's source; SubmissionError when it is not text (a notebook written by hand or by a tool)."""
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    grade_id = _nbgrader(cell).get("grade_id")
    name = f"the cell {str(grade_id)[:60]!r}" if grade_id else "a cell"
    raise SubmissionError(f"{name} has a source that is not text ({type(source).__name__}); open the notebook in "
                          f"Jupyter, save it, and submit it again")


_MAGIC = re.compile(r"^(\s*)([%!].*)$")


def strip_magics(source: str) -> str:
    """IPython-only lines (``%matplotlib inline``, ``!pip ...``) become comments; cell magics drop the cell."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join(_MAGIC.sub(r"\1pass  # \2", line) for line in source.splitlines())


def read_notebook(path: Path) -> list[dict]:
    """The notebook's cells (dicts), or SubmissionError naming what is wrong with the file."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_MB * 1024 * 1024:
        raise SubmissionError(f"{path.name} is {size / 1024 / 1024:.0f} MB; the grader reads notebooks up to "
                              f"{MAX_NOTEBOOK_MB} MB: clear the outputs (Edit → Clear Outputs of All Cells), "
                              f"save, and submit again")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionError(f"{path.name} is not a text file, so not a notebook") from None
    except json.JSONDecodeError as err:
        raise SubmissionError(f"{path.name} is not a valid notebook: invalid JSON at line {err.lineno}, "
                              f"column {err.colno} ({err.msg})") from None
    except RecursionError:
        raise SubmissionError(f"{path.name} is not a notebook: its JSON is nested too deeply") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise SubmissionError(f"{path.name} is not a notebook: it has no list of cells")
    return cells


def answers(cells: list[dict], name: str) -> dict[str, str]:
    """grade_id -> source of each answer cell; duplicates are an error."""
    found: dict[str, str] = {}
    for cell in cells:
        if is_answer(cell):
            grade_id = str(_nbgrader(cell).get("grade_id", ""))[:200]
            if grade_id in found:
                raise SubmissionError(f"{name} has the answer cell {grade_id!r} twice (a copied cell?); keep one")
            found[grade_id] = _text(cell)
    return found


def cells_to_run(submission: str | Path, source: Path) -> list[tuple[str, str]]:
    """The cells to run, as (name, code), for a submission of the assignment whose source notebook
    is ``source`` (see the module's docstring for which cell comes from where)."""
    path = Path(submission)
    if path.is_symlink():
        raise SubmissionError(f"{path.name} is a link to another file, not a submission: hand in the file itself")
    if not path.is_file():
        raise SubmissionError(f"no submission file at {path}")
    if path.suffix == ".py":
        if path.stat().st_size > MAX_NOTEBOOK_MB * 1024 * 1024:
            raise SubmissionError(f"{path.name} is larger than {MAX_NOTEBOOK_MB} MB")
        try:
            return [(path.name, path.read_bytes().decode("utf-8"))]
        except UnicodeDecodeError:
            raise SubmissionError(f"{path.name} is not a UTF-8 text file") from None
    if path.suffix != ".ipynb":
        raise SubmissionError(f"{path.name}: submit a .ipynb notebook or a .py file")
    submission_cells = read_notebook(path)
    submitted = answers(submission_cells, path.name)
    source_cells = read_notebook(source)
    expected = answers(source_cells, source.name)
    missing = [g for g in expected if g not in submitted]
    if missing:
        raise SubmissionError(f"{path.name} lacks the answer cell(s) {', '.join(missing)} (deleted, or their "
                              f"nbgrader metadata removed?); restore them from the released notebook")
    owned = [(str(_nbgrader(c).get("grade_id")), c) for c in source_cells
             if c.get("cell_type") == "code" and _nbgrader(c).get("grade_id")]
    position = {grade_id: i for i, (grade_id, _) in enumerate(owned)}
    cells, done = [], 0

    def source_cells_until(stop: int) -> None:  # the source's cells up to ``stop`` that were not run yet
        nonlocal done
        for grade_id, cell in owned[done:stop]:
            if is_answer(cell):
                cells.append((grade_id, strip_magics(submitted[grade_id])))
            elif is_test(cell):
                cells.append((grade_id, strip_magics(_visible(_text(cell)))))
            else:
                cells.append((grade_id, strip_magics(_text(cell))))
        done = max(done, stop)

    for i, cell in enumerate(submission_cells):
        if cell.get("cell_type") != "code":
            continue
        grade_id = str(_nbgrader(cell).get("grade_id", ""))[:200]
        if grade_id in position:
            source_cells_until(position[grade_id] + 1)
        elif not is_test(cell) and not is_answer(cell):  # the student's own cell (or one the source lacks)
            cells.append((f"cell {i + 1}", strip_magics(_text(cell))))
    source_cells_until(len(owned))
    return cells


def without_region(source: str, region: str) -> str:
    """``source`` without the lines between nbgrader's ``### BEGIN <region>`` and ``### END <region>``
    markers (the markers too)."""
    lines, inside = [], False
    for line in source.split("\n"):
        if line.strip() == f"### BEGIN {region}":
            inside = True
        elif line.strip() == f"### END {region}":
            inside = False
        elif not inside:
            lines.append(line)
    return "\n".join(lines)


def _visible(source: str) -> str:
    """A test cell without its hidden part (``### BEGIN/END HIDDEN TESTS``)."""
    return without_region(source, "HIDDEN TESTS")
