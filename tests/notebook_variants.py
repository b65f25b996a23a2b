"""Notebook submissions of ``layers`` as students hand them in, made from the course's own source notebook.

Each variant is the solution as submitted with one thing done to it (by a student, or by accident):
``write(course, name, path)`` writes it. Made at test time, so they always match the notebook.
"""
from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import nbformat

from nncourse.autograder.authoring import SOLUTION, _solution_code, as_submitted

STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def _grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _stubbed(source: str) -> str:
    """The answer as released: each solution region becomes the stub, indented like it."""
    out, inside = [], False
    for line in source.split("\n"):
        if line.strip() == SOLUTION[0]:
            inside = True
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + stub for stub in STUB.split("\n")]
        elif line.strip() == SOLUTION[1]:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _cells(nb, keep=lambda cell: True):
    nb.cells = [cell for cell in nb.cells if keep(cell)]
    return nb


def variant(course, name: str, assignment: str = "layers") -> str:
    """The notebook ``name`` of ``assignment`` as JSON text."""
    source = nbformat.read(str(course.source_notebook(assignment)), as_version=4)
    nb = as_submitted(source)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")]
    if name == "stub":
        for cell, original in zip(answers, [c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]):
            cell.source = _stubbed(original.source)
    elif name == "magics":
        answers[0].source = "%matplotlib inline\n!pip install numpy\n" + answers[0].source
    elif name == "tests_deleted":
        _cells(nb, lambda cell: cell not in tests)
    elif name == "tests_edited":  # every test cell says it passed; the d-biases are summed over the neurons
        for cell in tests:
            cell.source = 'print("All tests passed!")'
        dense = next(c for c in answers if _grade_id(c) == "answer_dense")
        dense.source = dense.source.replace("np.sum(dvalues, axis=1, keepdims=True)", "np.sum(dvalues, axis=0, keepdims=True)")
    elif name == "deleted_answer":
        _cells(nb, lambda cell: _grade_id(cell) != "answer_dense")
    elif name == "duplicated_answer":
        dense = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == "answer_dense")
        twin = copy.deepcopy(nb.cells[dense])
        twin["id"] = twin["id"] + "-copy"
        nb.cells.insert(dense + 1, twin)
    elif name == "invalid":
        return nbformat.writes(nb)[:-200]  # cut off: not JSON any more
    elif name != "solution":
        raise KeyError(name)
    text = nbformat.writes(nb)
    json.loads(text)
    return text


def write(course, name: str, path: Path, assignment: str = "layers") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(variant(course, name, assignment), encoding="utf-8")
    return path


def edited(source, edits: dict) -> nbformat.NotebookNode:
    """The source notebook as submitted, with each answer cell's solution changed by its (old, new) edits
    ({grade_id: [(old, new), ...]}); each old text must occur exactly once."""
    answers = {}
    for grade_id, changes in edits.items():
        code = next(_solution_code(c.source) for c in source.cells if _grade_id(c) == grade_id)
        for old, new in changes:
            assert code.count(old) == 1, (grade_id, old)
            code = code.replace(old, new)
        answers[grade_id] = code
    return as_submitted(source, answers)


#: answer cells that train networks (or plot them): not needed to define a notebook's objects
TRAINING = {"answer_train", "answer_plot", "answer_compare"}


def solution_namespace(course, assignment: str, skip=TRAINING) -> dict:
    """The source notebook's code cells but its test cells (and ``skip``), run in-process from its folder,
    as a student's finished notebook: the namespace they leave."""
    import matplotlib
    matplotlib.use("Agg")
    folder = course.source_folder(assignment)
    nb = nbformat.read(str(course.source_notebook(assignment)), 4)
    here, namespace = os.getcwd(), {"__name__": "__main__"}
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        for cell in nb.cells:
            grade_id = _grade_id(cell)
            if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade") or grade_id in skip:
                continue
            exec(compile(cell.source, grade_id or "cell", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(here)
        sys.path.remove(str(folder))
    return namespace
