"""Each student's own numbers for the by-hand examples, drawn by the exam generator's problem kinds.

An assignment declares which of its examples each student works with their own numbers, and the
problem kind that draws them (``Assignment(own_numbers={"example1": "gd_step", ...})``). For each
such example the course ships ``your_numbers.json`` next to the notebook: ``VERSIONS`` versions drawn
by the kind (hand-computable, degenerate ones redrawn, exactly as in the exams) and the lecture's own
numbers. A student's version is ``checking.numbers_index`` of their id: a public hash, which the
released notebook computes itself (it imports no part of this package, which holds the solutions).
The grader reads the same file and solves the student's version with the kind, so that the notebook,
both grading routes and the exam grader (error carried forward) agree.

Drawing 4,096 versions of three examples takes about 7 s, so the package ships them
(``assignments/numbers/<id>.json``); ``nncourse build`` copies that file, or draws anew where a
course declares other examples or kinds.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from nncourse.assignments import checking
from nncourse.reference.paths import COURSE_MATERIAL, DATA_DIR

from . import registry

#: Versions drawn per example: a classmate has the same numbers for one example with chance 1/4096.
VERSIONS = 4096
FORMAT = 1
SHIPPED = COURSE_MATERIAL / "numbers"
FILE = checking.NUMBERS_FILE


# ---------------------------------------------------------------------------------- the notebook's form

def _rows(a) -> list:
    return np.asarray(a, dtype=float).tolist()


@dataclass(frozen=True)
class Form:
    """How a kind's parameters read in the notebook: named lists of numbers in the lecture's order."""

    fields: tuple[tuple[str, tuple[int, ...]], ...]
    to_notebook: Callable[[Mapping], dict]
    to_params: Callable[[Mapping], dict]


def _gd_step_params(n: Mapping) -> dict:
    return {"inputs": [[v] for v in n["x"]], "targets": [[n["y"]]], "weights": [list(n["w"])],
            "biases": [[n["b"]]], "learning_rate": n.get("learning_rate", 0.01)}


def _batch_params(n: Mapping) -> dict:
    return {"inputs": np.asarray(n["samples"], dtype=float).T.tolist(), "targets": [list(n["targets"])],
            "weights": [list(n["w"])], "biases": [[n["b"]]]}


def _two_layer_params(n: Mapping) -> dict:
    w, b = np.asarray(n["w"], dtype=float), np.asarray(n["b"], dtype=float)
    hidden, out = len(b) - len(n["targets"]), len(n["targets"])
    inputs = len(n["x"])
    # the lecture numbers each layer's weights column by column (w1 = x1 -> u1, w2 = x1 -> u2, ...)
    W1 = w[:hidden * inputs].reshape((hidden, inputs), order="F")
    W2 = w[hidden * inputs:].reshape((out, hidden), order="F")
    return {"activation": "identity", "inputs": [[v] for v in n["x"]], "targets": [[v] for v in n["targets"]],
            "hidden_weights": _rows(W1), "hidden_biases": _rows(b[:hidden, None]),
            "output_weights": _rows(W2), "output_biases": _rows(b[hidden:, None])}


def _flat(a) -> list:
    return np.asarray(a, dtype=float).ravel().tolist()


FORMS: dict[str, Form] = {
    "gd_step": Form(
        (("x", (3,)), ("y", ()), ("w", (3,)), ("b", ())),
        lambda p: {"x": _flat(p["inputs"]), "y": _flat(p["targets"])[0], "w": _flat(p["weights"]),
                   "b": _flat(p["biases"])[0]},
        _gd_step_params),
    "batch_gradient": Form(
        (("samples", (3, 3)), ("targets", (3,)), ("w", (3,)), ("b", ())),
        lambda p: {"samples": np.asarray(p["inputs"], dtype=float).T.tolist(), "targets": _flat(p["targets"]),
                   "w": _flat(p["weights"]), "b": _flat(p["biases"])[0]},
        _batch_params),
    "two_layer": Form(
        (("x", (2,)), ("targets", (2,)), ("w", (12,)), ("b", (5,))),
        lambda p: {"x": _flat(p["inputs"]), "targets": _flat(p["targets"]),
                   "w": np.asarray(p["hidden_weights"], dtype=float).ravel(order="F").tolist()
                   + np.asarray(p["output_weights"], dtype=float).ravel(order="F").tolist(),
                   "b": _flat(p["hidden_biases"]) + _flat(p["output_biases"])},
        _two_layer_params),
}


def _short(v: float) -> float | int:
    """A drawn number as the notebook shows it: whole numbers as ints, no float noise."""
    v = round(float(v), 6) + 0.0
    return int(v) if v.is_integer() else v


def _encode(kind_name: str, numbers: Mapping) -> list:
    return [_short(v) for name, _ in FORMS[kind_name].fields for v in np.ravel(numbers[name])]


def lecture_params(example: str, kind_name: str) -> dict:
    """The lecture's own numbers of ``example`` as the kind's parameters (the exam kinds' own readers)."""
    from nncourse.reference.examples import load_examples

    from .exam.kinds import kind, neuron, twolayer
    ex = load_examples(DATA_DIR / "worked_examples.json")["examples"][example]
    if kind_name == "two_layer":
        return twolayer.from_example(ex)
    return neuron.from_example(kind(kind_name), ex)


# ---------------------------------------------------------------------------------- the file

def _rng(assignment: str, example: str) -> np.random.Generator:
    """Public: the versions are no secret (each student sees their own)."""
    digest = hashlib.sha256(f"nncourse own numbers/{assignment}/{example}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def draw(assignment: str, own: Mapping[str, str], versions: int = VERSIONS) -> dict:
    """The contents of ``your_numbers.json``: for each example, ``versions`` distinct versions drawn
    by its kind (none of them the lecture's) and the lecture's own numbers."""
    from .exam.kinds import kind
    examples = {}
    for example, kind_name in own.items():
        if kind_name not in FORMS:
            raise registry.DeclarationError(f"{assignment}: own numbers for {example!r} need a kind the notebook "
                                            f"can show; choose from {', '.join(FORMS)}")
        form, k, rng = FORMS[kind_name], kind(kind_name), _rng(assignment, example)
        given = lecture_params(example, kind_name)
        lecture = _encode(kind_name, form.to_notebook(given))
        seen, drawn = {tuple(lecture)}, []
        while len(drawn) < versions:
            params, _ = k.variant(rng)
            flat = _encode(kind_name, form.to_notebook(params))
            if tuple(flat) not in seen:
                seen.add(tuple(flat))
                drawn.append(flat)
        constants = {"learning_rate": given["learning_rate"]} if kind_name == "gd_step" else {}
        examples[example] = {"kind": kind_name, "fields": [[n, list(s)] for n, s in form.fields],
                             "constants": constants, "lecture": lecture, "versions": drawn}
    return {"format": FORMAT, "assignment": assignment, "examples": examples}


def _fits(pool: Mapping, assignment: str, own: Mapping[str, str]) -> bool:
    return (pool.get("format") == FORMAT and pool.get("assignment") == assignment
            and {e: s.get("kind") for e, s in pool.get("examples", {}).items()} == dict(own))


def contents(assignment: str) -> str | None:
    """The text of the assignment's ``your_numbers.json`` (None: it has no own numbers): the shipped
    file when it fits the declaration (with the lecture's numbers as data/worked_examples.json has
    them now), else drawn now."""
    own = registry.assignment_of(assignment).own_numbers
    if not own:
        return None
    shipped = SHIPPED / f"{assignment}.json"
    if shipped.is_file():
        text = shipped.read_text(encoding="utf-8")
        pool = json.loads(text)
        if _fits(pool, assignment, own):
            changed = False
            for example, spec in pool["examples"].items():
                lecture = _encode(spec["kind"], FORMS[spec["kind"]].to_notebook(lecture_params(example, spec["kind"])))
                if lecture != spec["lecture"]:
                    if lecture in spec["versions"]:  # the new lecture numbers are some student's: draw anew
                        return dumps(draw(assignment, own))
                    spec["lecture"], changed = lecture, True
            return dumps(pool) if changed else text
    return dumps(draw(assignment, own))


def dumps(pool: Mapping) -> str:
    """One version per line: the file diffs as text and stays readable."""
    lines = ["{" + f'"format": {pool["format"]}, "assignment": {json.dumps(pool["assignment"])}, "examples": {{']
    for i, (example, spec) in enumerate(pool["examples"].items()):
        head = {k: v for k, v in spec.items() if k != "versions"}
        lines.append(f"{json.dumps(example)}: {json.dumps(head)[:-1]}, \"versions\": [")
        lines += [json.dumps(v) + ("," if j < len(spec["versions"]) - 1 else "") for j, v in enumerate(spec["versions"])]
        lines.append("]}" + ("," if i < len(pool["examples"]) - 1 else ""))
    lines.append("}}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- whose numbers

@dataclass(frozen=True)
class Student:
    """Whose numbers the by-hand checks use: the submission's student (``id``, "" for the lecture's
    numbers) and the id typed in the notebook (to name it when the two differ)."""

    id: str = ""
    typed: str = ""
    pool: Mapping | None = field(default=None, compare=False, repr=False)
    how: str = ""  # where ``id`` came from: "folder", "typed", "gradescope", ... ("" for none)

    def numbers(self, example: str, student_id: str | None = None) -> dict | None:
        """The notebook's numbers of ``example`` for ``student_id`` (default: this student; "" for the
        lecture's), or None when the assignment draws no own numbers for it."""
        if self.pool is None or example not in self.pool.get("examples", {}):
            return None
        return checking.numbers_for(self.pool, self.id if student_id is None else student_id)[example]

    def params(self, example: str, student_id: str | None = None) -> dict | None:
        numbers = self.numbers(example, student_id)
        if numbers is None:
            return None
        return FORMS[self.pool["examples"][example]["kind"]].to_params(numbers)

    def kind_of(self, example: str) -> str:
        return self.pool["examples"][example]["kind"]


NOBODY = Student()


def load_pool(folder: Path) -> dict | None:
    path = Path(folder) / FILE
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return None


_TYPED = re.compile(r"""^MY_ID\s*=\s*(?:"([^"\\\n]{0,200})"|'([^'\\\n]{0,200})')\s*(?:#.*)?$""", re.M)


def typed_id(cells: list[tuple[str, str]] | list[str]) -> str:
    """The id a student typed in the notebook (a line ``MY_ID = "..."``), read from the code's text,
    never run (the last such line counts, as it would when the cells run)."""
    found = ""
    for cell in cells:
        source = cell[1] if isinstance(cell, tuple) else cell
        for match in _TYPED.finditer(source) if "MY_ID" in source else ():
            found = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
    return found


def student_for(assignment: str, folder: Path | None, *, student_id: str | None, typed: str = "",
                how: str = "folder") -> Student:
    """The Student of a submission: ``student_id`` when the grader knows it (nbgrader's folder,
    Gradescope), else the typed id; the pool from the course's source ``folder``."""
    if not registry.assignment_of(assignment).own_numbers:
        return NOBODY
    pool = load_pool(folder) if folder is not None else None
    if pool is None:
        text = contents(assignment)
        pool = json.loads(text) if text else None
    sid, how = (student_id, how) if student_id else ((typed, "typed") if typed else ("", ""))
    return Student(sid.strip(), typed.strip(), pool, how)


def submitted_student(path: Path, assignment: str) -> str | None:
    """``<student>`` of a path ``.../submitted/<student>/<assignment>/<file>`` (nbgrader's layout)."""
    parts = Path(os.path.abspath(path)).parts
    if len(parts) >= 4 and parts[-4] in ("submitted", "autograded") and parts[-2] == assignment:
        return parts[-3]
    return None


def gradescope_student(metadata: str | Path) -> tuple[str | None, str]:
    """(the student's id, a note) from Gradescope's submission_metadata.json: the roster's student id
    ("sid"), else the e-mail address; None when the file cannot say (the id typed in the notebook is used)."""
    try:
        users = json.loads(Path(metadata).read_text(encoding="utf-8")).get("users") or []
    except (OSError, ValueError, AttributeError):
        return None, f"no readable {Path(metadata).name}"
    for user in users if isinstance(users, list) else []:
        if isinstance(user, dict):
            for key in ("sid", "email"):
                if isinstance(user.get(key), str) and user[key].strip():
                    return user[key].strip(), ("" if len(users) == 1 else "a group submission: "
                                               "the numbers of its first member were used")
    return None, f"{Path(metadata).name} names no student"


def main() -> None:
    """Write the shipped files again (after a problem kind changed): ``python -m nncourse.autograder.own_numbers``."""
    SHIPPED.mkdir(exist_ok=True)
    for assignment in registry.assignment_ids():
        own = registry.assignment_of(assignment).own_numbers
        if own:
            path = SHIPPED / f"{assignment}.json"
            path.write_text(dumps(draw(assignment, own)), encoding="utf-8")
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
