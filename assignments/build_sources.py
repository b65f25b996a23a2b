"""Write the five source notebooks and their example submissions from ``assignments/builder/``.

    python assignments/build_sources.py [--out DIR]

The committed ``source/<id>/<id>.ipynb`` are what nbgrader uses; this script is how they are
edited (one place per assignment, text and code side by side). It also writes
``examples/<id>/solution.ipynb`` (the solution, as a student would submit it: no hidden tests) and
``examples/<id>/mistakes.ipynb`` (typical mistakes in some answers), which ``nncourse demo`` grades.
The lecture's numbers in the problem statements come from ``data/worked_examples.json``.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from builder import ASSIGNMENTS  # noqa: E402
from builder.cells import MISTAKE_KEY, notebook  # noqa: E402

WORKED_EXAMPLES = HERE.parent / "data" / "worked_examples.json"


def _drop_region(source: str, begin: str, end: str, *, keep_inside: bool) -> str:
    lines, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif keep_inside or not inside:
            lines.append(line)
    return "\n".join(lines)


def submission(source_nb, mistakes: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The source as a student's finished notebook: no hidden tests, no solution markers."""
    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = _drop_region(cell.source, "### BEGIN SOLUTION", "### END SOLUTION", keep_inside=True)
        if meta.get("grade") and not meta.get("solution"):
            cell.source = _drop_region(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS",
                                       keep_inside=False).rstrip("\n")
    for cell in nb.cells:
        if cell.get("id") in (mistakes or {}):
            cell.source = mistakes[cell.id]
    return nb


def build(assignment: str, lecture: dict) -> tuple[nbformat.NotebookNode, dict[str, str]]:
    """(source notebook, {cell id: typical-mistake code})."""
    cells = ASSIGNMENTS[assignment].cells(lecture)
    mistakes = {}
    for cell in cells:
        code = cell.metadata.pop(MISTAKE_KEY, None)
        if code is not None:
            mistakes[cell.id] = code
    return notebook(cells), mistakes


def write_all(out: Path) -> list[Path]:
    lecture = json.loads(WORKED_EXAMPLES.read_text(encoding="utf-8"))["examples"]
    written = []
    for assignment in ASSIGNMENTS:
        source_nb, mistakes = build(assignment, lecture)
        nbformat.validate(source_nb)
        targets = {
            out / "source" / assignment / f"{assignment}.ipynb": source_nb,
            out / "examples" / assignment / "solution.ipynb": submission(source_nb),
            out / "examples" / assignment / "mistakes.ipynb": submission(source_nb, mistakes),
        }
        for path, nb in targets.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(path))
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="course folder to write into (default: assignments/)")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
