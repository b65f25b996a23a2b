"""The check type and the registry: every check is defined once, by assignment and name.

A check builds its cases in the parent (inputs for the driver plus the expected values, computed with
``reference/``), the driver runs the inputs through the student's objects somewhere (the notebook's
kernel or the sandbox child), and :func:`judge` compares the outputs here, in the parent.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .feedback import compare, error_text

ASSIGNMENTS = ("gradients", "layers", "activations", "minibatch", "bike_sharing")
#: Hidden cases come from this seed; a course may set NNCOURSE_GRADER_SEED to vary them per term.
DEFAULT_SEED = 20240613


def grader_seed() -> int:
    return int(os.environ.get("NNCOURSE_GRADER_SEED", DEFAULT_SEED))


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

    def request(self) -> dict:
        return {"op": self.op, "args": self.args}


@dataclass(frozen=True)
class Check:
    assignment: str
    name: str
    points: float
    needs: tuple[str, ...]
    build: Callable[[np.random.Generator], list[Case]]
    what: str = ""
    unavailable: Callable[[], str | None] = lambda: None  # a reason when the check cannot run here

    def cases(self, seed: int | None = None) -> list[Case]:
        seed = grader_seed() if seed is None else seed
        rng = np.random.default_rng([seed, sum(map(ord, f"{self.assignment}/{self.name}"))])
        return self.build(rng)


@dataclass
class CheckResult:
    assignment: str
    name: str
    score: float
    max_score: float
    message: str
    status: str = "graded"  # graded | missing | error | timeout | unavailable

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score - 1e-9


_REGISTRY: dict[str, dict[str, Check]] = {}
_LOADED: set[str] = set()


def register(check: Check) -> Check:
    _REGISTRY.setdefault(check.assignment, {})[check.name] = check
    return check


def checks_for(assignment: str) -> list[Check]:
    """The assignment's checks in the order they were defined."""
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"unknown assignment {assignment!r}; the assignments are {', '.join(ASSIGNMENTS)}")
    if assignment not in _LOADED:
        importlib.import_module(f"autograder.checks.{assignment}")
        _LOADED.add(assignment)
    return list(_REGISTRY.get(assignment, {}).values())


def get(assignment: str, name: str) -> Check:
    checks = {c.name: c for c in checks_for(assignment)}
    if name not in checks:
        raise KeyError(f"{assignment} has no check {name!r}; its checks are {', '.join(checks)}")
    return checks[name]


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
        hint = f" {case.hint}" if case.hint and outputs["__error__"] != "NotImplementedError" else ""
        return 0.0, [error_text(outputs) + hint]
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
    """Score one check from the driver's result for it (untrusted, already decoded)."""
    def done(fraction: float, message: str, status: str = "graded") -> CheckResult:
        return CheckResult(check.assignment, check.name, round(check.points * fraction, 2), check.points,
                           message, status)

    if not isinstance(result, dict):
        return done(0, "the grader got no usable answer for this check", "error")
    if "missing" in result:
        names = ", ".join(f"`{n}`" for n in result["missing"])
        note = result.get("note", "")
        return done(0, f"{names} is not defined, so this check could not run.{' ' + note if note else ''}",
                    "missing")
    if "failure" in result:
        return done(0, str(result["failure"]), result.get("status", "error"))
    outcomes = result.get("cases")
    if not isinstance(outcomes, list) or len(outcomes) != len(cases):
        return done(0, "the grader got an incomplete answer for this check", "error")
    fractions, first = [], None
    for case, outputs in zip(cases, outcomes):
        fraction, wrong = judge_case(case, outputs if isinstance(outputs, dict) else {})
        fractions.append(fraction)
        if wrong and first is None:
            first = (case, wrong)
    fraction = sum(fractions) / len(fractions)
    right = sum(f == 1 for f in fractions)
    if first is None:
        counted = "the one case" if len(cases) == 1 else f"all {len(cases)} cases"
        return done(1.0, f"✓ {check.name}: {counted} right")
    case, wrong = first
    lines = [f"✗ {check.name}: {right} of {len(cases)} cases right. First problem, on {case.label}:",
             f"  called: {case.call}"]
    lines += [f"  - {w}" for w in wrong[:4]]
    return done(fraction, "\n".join(lines))
