"""Cell makers with nbgrader metadata, so every assignment is written the same way.

An assignment is a list of cells made here. ``answer`` cells may carry a ``mistake`` (the code a
typical wrong submission has instead); the builder uses it for the example submissions.
"""
from __future__ import annotations

import re
import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

MISTAKE_KEY = "typical_mistake"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _id(grade_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)[:64]


def text(grade_id: str, source: str):
    """A read-only markdown cell."""
    return new_markdown_cell(_clean(source), id=_id(grade_id), metadata=_meta(grade_id, locked=True))


def given(grade_id: str, source: str):
    """Read-only code the student runs but does not change (imports, data, demos)."""
    return new_code_cell(_clean(source), id=_id(grade_id), metadata=_meta(grade_id, locked=True))


def answer(name: str, source: str, mistake: str | None = None):
    """An answer cell (grade_id ``answer_<name>``); ``source`` holds ``### BEGIN/END SOLUTION``."""
    grade_id = f"answer_{name}"
    cell = new_code_cell(_clean(source), id=_id(grade_id), metadata=_meta(grade_id, solution=True))
    if mistake is not None:
        cell.metadata[MISTAKE_KEY] = _clean(mistake)  # popped by the builder before saving
    return cell


def scratch(grade_id: str, source: str = ""):
    """A free code cell for the student's own experiments (no nbgrader metadata: never graded)."""
    return new_code_cell(_clean(source), id=_id(grade_id))


def test(assignment: str, check: str, points: int, visible: str, objects: str):
    """The autograded test cell of one check: visible lecture checks, then the hidden check."""
    hidden = (f"### BEGIN HIDDEN TESTS\nfrom autograder import check\n"
              f"check({assignment!r}, {check!r}, {objects})\n### END HIDDEN TESTS").replace("'", '"')
    grade_id = f"test_{check}"
    source = _clean(visible) + "\n" + hidden
    return new_code_cell(source, id=_id(grade_id),
                         metadata=_meta(grade_id, grade=True, locked=True, points=points))


def notebook(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


# The read-only helpers at the top of every notebook: friendly feedback against the lecture's numbers.
HELPERS = '''
import warnings


def show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings from your code appear as ordinary output (a warning is not a mistake; nbgrader
    would count anything on a test cell's error stream as a failure)."""
    print(f"{category.__name__}: {message}")


warnings.showwarning = show_warning


def defined(name):
    """The object you defined as `name`, or a friendly message if it is not there yet."""
    if name not in globals():
        raise AssertionError(f"`{name}` is not defined yet: write it in its answer cell and run that cell "
                             "(Shift+Enter), then run this test again.")
    return globals()[name]


def attempt(what, function, *args, **kwargs):
    """Call your code; a part that still raises NotImplementedError gets a friendly message."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"{what} is not written yet: replace `raise NotImplementedError()` "
                             "with your code.") from None


def entry(answer, key, name):
    """answer[key], with a friendly message if the key is missing or still empty."""
    if not isinstance(answer, dict) or key not in answer:
        raise AssertionError(f"{name} needs the key {key!r}.")
    if answer[key] is None or answer[key] is ...:
        raise AssertionError(f"{name}[{key!r}] is still empty: fill in your number(s).")
    return answer[key]


def expect(what, got, want, tol=1e-6, shape=False):
    """Compare your numbers with the expected ones (and the shape, if asked) and say what differs."""
    want = np.asarray(want, dtype=float)
    try:
        values = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be numbers, got {got!r}") from None
    if shape and values.shape != want.shape:
        raise AssertionError(f"{what} should have shape {want.shape}, got shape {values.shape}")
    if values.size != want.size:
        raise AssertionError(f"{what} should hold {want.size} number(s), got {values.size}: {values}")
    close = np.isclose(values.ravel(), want.ravel(), rtol=tol, atol=tol)
    if not close.all():
        if want.size <= 6:
            raise AssertionError(f"{what}: expected {np.round(want.ravel(), 6).tolist()}, "
                                 f"got {np.round(values.ravel(), 6).tolist()}")
        first = int(np.argmin(close))
        raise AssertionError(f"{what}: {np.sum(~close)} of {want.size} numbers differ; the first at "
                             f"position {np.unravel_index(first, want.shape)}: expected {want.ravel()[first]:.6g}, "
                             f"got {values.ravel()[first]:.6g}")
    print(f"\\u2713 {what}")
'''

LECTURE_JSON = '''
# The lecture's worked examples (Examples 1-3) as numbers, from the file next to this notebook.
with open("worked_examples.json", encoding="utf-8") as file:
    lecture = json.load(file)["examples"]
'''


def setup_cell(imports: str, *, with_lecture: bool = True) -> list:
    """Read-only cells: the imports and feedback helpers, then (if used) the lecture's numbers."""
    cells = [given("setup", _clean(imports) + "\n\n\n" + _clean(HELPERS))]
    if with_lecture:
        cells.append(given("lecture", LECTURE_JSON))
    return cells
