"""The assignment and check types, and the registry: every assignment is declared once, in its module.

An assignment's module (``autograder/checks/<id>.py``, or ``checks/<id>.py`` in a course folder)
declares ``ASSIGNMENT = Assignment(...)`` (its data files, limits and preloads) and registers its
checks with their points. Everything else (the list of assignments, release, the sandbox's files,
the points in the notebooks' test cells, the demo) is derived from these declarations.

A check builds its cases in the parent (inputs for the driver plus the expected values, computed with
``nncourse.reference``), the driver runs the inputs through the student's objects somewhere (the
notebook's kernel or the sandbox child), and :func:`judge` compares the outputs here, in the parent.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .feedback import GENERIC, Mistake, compare, error_text, tag_of
from .sandbox import Limits

#: The public seed: hidden cases come from a course's secret (see course.py) and fall back to this
#: one only where no course folder is in use (the test suite, a notebook outside any course).
DEFAULT_SEED = 20240613


@dataclass(frozen=True)
class Assignment:
    """Everything about one assignment except its text and its checks (which register themselves)."""

    id: str
    order: int                                   # its place in the lecture, for listings
    data: tuple[str, ...] = ("worked_examples.json",)  # files in data/ that the notebook opens
    limits: Limits = field(default_factory=Limits)     # the sandbox's limits when grading it
    preload: tuple[str, ...] = ()                # modules the sandbox imports before it closes
    #: examples each student works by hand with their own numbers -> the exam kind that draws them
    own_numbers: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass
class Part:
    """One compared output of a case: ``path`` leads into the driver's outputs."""

    label: str
    path: tuple
    expected: Any
    options: dict = field(default_factory=dict)
    what: str = ""  # the container, for messages such as "what neuron_gradient returned"


@dataclass
class Case:
    label: str                 # "the lecture's Example 3" or "hidden case 2"
    op: str                    # the driver op to run
    args: dict                 # inputs only: this is all that the student's side sees
    call: str                  # what was called, for the feedback
    parts: list[Part] = field(default_factory=list)
    judge: Callable[[dict], list[str | None]] | None = None  # custom: one message (None = ok) per part
    hint: str = ""  # added to the feedback when the student's code raised an exception
    hint_tag: str = ""  # the mistake such an exception means here (its diagnosis), if it has a name

    def request(self) -> dict:
        return {"op": self.op, "args": self.args}


class Partial(list):
    """A custom judge's verdict with its own partial credit: the messages of what is wrong, and the
    fraction of the case that is right (see :func:`judge_case`)."""

    def __init__(self, fraction: float, messages: list) -> None:
        super().__init__(messages)
        self.fraction = fraction


@dataclass(frozen=True)
class Check:
    assignment: str
    name: str
    points: float
    needs: tuple[str, ...]
    build: Callable[..., list[Case]]  # build(rng), or build(rng, student) for a per-student check
    what: str = ""
    unavailable: Callable[[], str | None] = lambda: None  # a reason when the check cannot run here
    per_student: bool = False  # its cases use the student's own numbers (own_numbers.Student)

    def cases(self, seed: int | None = None, student=None) -> list[Case]:
        seed = case_seed() if seed is None else seed
        rng = np.random.default_rng([seed, sum(map(ord, f"{self.assignment}/{self.name}"))])
        if self.per_student:
            from .own_numbers import NOBODY
            return self.build(rng, student or NOBODY)
        return self.build(rng)


@dataclass
class CheckResult:
    assignment: str
    name: str
    score: float
    max_score: float
    message: str
    status: str = "graded"  # graded | missing | error | timeout | unavailable | interfered | tampered
    diagnosis: str = ""     # the mistake's tag (feedback.Mistake), "" when the check passed
    wrong_cases: tuple[str, ...] = ()  # the labels of the cases that went wrong ("hidden case 2", ...)

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score - 1e-9


@dataclass
class Declaration:
    """One assignment module's declaration: its Assignment and its checks, in the order registered."""

    assignment: Assignment
    checks: dict[str, Check]
    origin: str  # the module's file, for messages


_REGISTERED: dict[str, list[Check]] = {}  # module name -> the checks it registered (whenever it was imported)
_DECLARED: dict[str, Declaration] = {}  # module file (and version) -> its declaration
_ACTIVE: dict[str, Declaration] | None = None
_COURSE_CHECKS: Path | None = None      # the course folder's checks/ in use, if any


def register(check: Check) -> Check:
    """Called by an assignment module for each of its checks, in the order they are listed."""
    _REGISTERED.setdefault(sys._getframe(1).f_globals.get("__name__", ""), []).append(check)
    return check


def _declare(origin: Path, load: Callable[[], Any], key: str | None = None) -> Declaration:
    key = key or str(origin)
    if key not in _DECLARED:
        module = load()
        assignment = getattr(module, "ASSIGNMENT", None)
        if not isinstance(assignment, Assignment):
            raise DeclarationError(f"{origin} declares no ASSIGNMENT = Assignment(...)")
        if assignment.id != origin.stem:
            raise DeclarationError(f"{origin} declares the assignment {assignment.id!r}; "
                                   f"its file must be named {assignment.id}.py")
        checks: dict[str, Check] = {}
        for check in _REGISTERED.get(module.__name__, []):
            if check.assignment != assignment.id:
                raise DeclarationError(f"{origin}: the check {check.name!r} is registered for "
                                       f"{check.assignment!r}, not for {assignment.id!r}")
            if check.name in checks:
                raise DeclarationError(f"{origin} registers the check {check.name!r} twice")
            checks[check.name] = check
        _DECLARED[key] = Declaration(assignment, checks, str(origin))
    return _DECLARED[key]


class DeclarationError(ValueError):
    """An assignment module that does not declare itself as the registry needs."""


def _package_declarations() -> list[Declaration]:
    from . import checks
    found = []
    for info in sorted(pkgutil.iter_modules(checks.__path__), key=lambda i: i.name):
        name = f"{checks.__name__}.{info.name}"
        origin = Path(checks.__path__[0]) / f"{info.name}.py"
        found.append(_declare(origin, lambda name=name: importlib.import_module(name)))
    return found


def _course_declarations(folder: Path) -> list[Declaration]:
    """The course's own assignment modules (``checks/<id>.py``), imported by path."""
    found = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue

        def load(path=path):
            _REGISTERED.pop(f"nncourse_course_checks.{path.stem}", None)  # an edited module registers anew
            spec = importlib.util.spec_from_file_location(f"nncourse_course_checks.{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
        stat = path.stat()  # an edited module is imported again (a long-lived process, the tests)
        found.append(_declare(path.resolve(), load, f"{path.resolve()}@{stat.st_mtime_ns}/{stat.st_size}"))
    return found


def use_course_checks(folder: Path | None) -> None:
    """Add (or replace, by id) assignments from a course folder's ``checks/``; None: the package's only."""
    global _ACTIVE, _COURSE_CHECKS
    folder = Path(folder).resolve() if folder is not None and Path(folder).is_dir() else None
    if folder is not None or _COURSE_CHECKS is not None:  # (re)read: the course's modules may have changed
        _COURSE_CHECKS, _ACTIVE = folder, None


def _active() -> dict[str, Declaration]:
    global _ACTIVE
    if _ACTIVE is None:
        active = {d.assignment.id: d for d in _package_declarations()}
        if _COURSE_CHECKS is not None:
            active.update({d.assignment.id: d for d in _course_declarations(_COURSE_CHECKS)})
        _ACTIVE = dict(sorted(active.items(), key=lambda item: (item[1].assignment.order, item[0])))
    return _ACTIVE


def assignment_ids() -> list[str]:
    """Every assignment's id, in the lecture's order."""
    return list(_active())


def declaration(assignment: str) -> Declaration:
    active = _active()
    if assignment not in active:
        raise KeyError(f"unknown assignment {assignment!r}; the assignments are {', '.join(active)}")
    return active[assignment]


def assignment_of(assignment: str) -> Assignment:
    return declaration(assignment).assignment


def checks_for(assignment: str) -> list[Check]:
    """The assignment's checks in the order they were registered."""
    return list(declaration(assignment).checks.values())


def max_score(assignment: str) -> float:
    return float(sum(c.points for c in checks_for(assignment)))


def get(assignment: str, name: str) -> Check:
    checks = declaration(assignment).checks
    if name not in checks:
        raise KeyError(f"{assignment} has no check {name!r}; its checks are {', '.join(checks)}")
    return checks[name]


_SEED: int | None = None


def use_seed(seed: int | None) -> None:
    """The seed of the hidden cases from now on (a course's, from its secret); None: the public seed."""
    global _SEED
    _SEED = seed


def case_seed() -> int:
    return DEFAULT_SEED if _SEED is None else _SEED


def follow(outputs, path: tuple, what: str):
    """Walk ``path`` into the outputs; a wrong container becomes a message instead of a crash."""
    value = outputs
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, (list, tuple)):
                return None, f"{what} should be a tuple or list, but it is {_kind(value)}"
            if step >= len(value):
                return None, f"{what} has {len(value)} item(s); item {step + 1} was expected"
            value = value[step]
        else:
            if not isinstance(value, dict):
                return None, f"{what} should be a dict, but it is {_kind(value)}"
            if step not in value:
                return None, f"{what} has no key {step!r}"
            value = value[step]
    return value, None


def _kind(value) -> str:
    from .feedback import type_text
    return type_text(value)


def judge_case(case: Case, outputs: dict) -> tuple[float, list[str]]:
    """(fraction of the case's parts that are right, messages for the wrong ones)."""
    if "__error__" in outputs:
        raised = outputs["__error__"] != "NotImplementedError"
        hint = f" {case.hint}" if case.hint and raised else ""
        text = error_text(outputs)
        return 0.0, [Mistake(text + hint, case.hint_tag if case.hint_tag and raised else text.tag)]
    if case.judge is not None:
        verdicts = case.judge(outputs)
    else:
        verdicts = []
        for part in case.parts:
            value, problem = follow(outputs, part.path, part.what or "the result")
            verdicts.append(problem or compare(part.label, value, part.expected, **part.options))
    wrong = [v for v in verdicts if v]
    if hasattr(verdicts, "fraction"):  # a judge that gives partial credit itself
        return float(verdicts.fraction), wrong
    return (1 - len(wrong) / len(verdicts)) if verdicts else 1.0, wrong


def judge(check: Check, cases: Sequence[Case], result: dict) -> CheckResult:
    """Score one check from the driver's result for it (untrusted, already decoded). Where several
    cases went wrong, the feedback shows the first one whose mistake has a name."""
    def done(fraction: float, message: str, status: str = "graded", diagnosis: str = "",
             wrong_cases: tuple[str, ...] = ()) -> CheckResult:
        return CheckResult(check.assignment, check.name, round(check.points * fraction, 2), check.points,
                           message, status, diagnosis, wrong_cases)

    if not isinstance(result, dict):
        return done(0, "the grader got no usable answer for this check", "error", "error")
    if "missing" in result:
        names = ", ".join(f"`{n}`" for n in result["missing"])
        note = result.get("note", "")
        return done(0, f"{names} is not defined, so this check could not run.{' ' + note if note else ''}",
                    "missing", "missing")
    if "failure" in result:
        status = result.get("status", "error")
        return done(0, str(result["failure"]), status, status)
    outcomes = result.get("cases")
    if not isinstance(outcomes, list) or len(outcomes) != len(cases):
        return done(0, "the grader got an incomplete answer for this check", "error", "error")
    fractions, wrongs = [], []
    for case, outputs in zip(cases, outcomes):
        try:
            fraction, wrong = judge_case(case, outputs if isinstance(outputs, dict) else {})
        except Exception as err:  # noqa: BLE001 - an answer shaped as no check expects: wrong, not a crash
            fraction, wrong = 0.0, [Mistake(f"the answer could not be compared ({type(err).__name__}); return "
                                            f"the numbers and arrays the docstring asks for", "wrong_type")]
        fractions.append(fraction)
        if wrong:
            wrongs.append((case, wrong))
    fraction = sum(fractions) / len(fractions)
    right = sum(f == 1 for f in fractions)
    if not wrongs:
        counted = "the one case" if len(cases) == 1 else f"all {len(cases)} cases"
        return done(1.0, f"✓ {check.name}: {counted} right")
    named = [(case, wrong) for case, wrong in wrongs if any(tag_of(w) not in GENERIC for w in wrong)]
    case, wrong = (named or wrongs)[0]
    tags = [tag_of(w) for w in wrong]
    diagnosis = next((tag for tag in tags if tag not in GENERIC), tags[0])
    head = (f"✗ {check.name}, on {case.label}:" if len(cases) == 1 else
            f"✗ {check.name}: {right} of {len(cases)} cases right. First problem, on {case.label}:")
    lines = [head,
             f"  called: {case.call}"]
    lines += [f"  - {w}" for w in wrong[:4]]
    return done(fraction, "\n".join(lines), diagnosis=diagnosis, wrong_cases=tuple(c.label for c, _ in wrongs))
