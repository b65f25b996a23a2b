"""``check(...)``: run one check inside the notebook's kernel (nbgrader mode).

Convenience only: a shared kernel cannot be isolated. Final grades come from the standalone grader
(``nncourse grade``), which runs the student's code in a sandboxed child process.
"""
from __future__ import annotations

import contextlib
import io
import sys
import warnings
from pathlib import Path

import numpy as np

from . import course, driver, integrity
from .registry import get, judge

_COURSE: list = []  # the course folder this kernel runs in, found once


def _use_course() -> None:
    """nbgrader runs the notebook inside the course folder (source/, autograded/...): use its checks
    and its secret, as the standalone grader does."""
    if not _COURSE:
        _COURSE.append(course.find())
        if _COURSE[0] is not None:
            _COURSE[0].activate()


def _silenced():
    """Warnings off, numpy's floating-point complaints off, and stdout/stderr captured."""
    stack = contextlib.ExitStack()
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    stack.enter_context(np.errstate(all="ignore"))
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


def _student(assignment: str, typed: str):
    """Whose numbers: as the notebook's own cell decides (checking.whose_numbers: in nbgrader's
    autograde, the student of autograded/<student>/<assignment>/), with the course's numbers."""
    from nncourse.assignments import checking
    from .own_numbers import student_for
    sid, how = checking.whose_numbers(typed)
    found = _COURSE[0] if _COURSE else None
    folder = found.source_folder(assignment) if found is not None else Path.cwd()
    if not (folder / checking.NUMBERS_FILE).is_file():
        folder = Path.cwd()
    return student_for(assignment, folder, student_id=sid if how != "typed" else None, typed=typed,
                       how="folder" if how == "grading" else how)


def run_in_kernel(assignment: str, name: str, objects: tuple, typed: str = ""):
    """The :class:`CheckResult` of one check on objects from the caller's kernel (``typed``: the id
    typed in the notebook, MY_ID)."""
    from .registry import CheckResult
    _use_course()
    check = get(assignment, name)

    def fail(message: str, status: str = "error") -> CheckResult:
        return CheckResult(assignment, name, 0.0, check.points, message, status)

    reason = check.unavailable()
    if reason:
        return fail(reason, "unavailable")
    if len(objects) != len(check.needs):
        need = ", ".join(check.needs)
        return fail(f"check({assignment!r}, {name!r}, ...) needs {len(check.needs)} object(s): {need}; "
                    f"got {len(objects)}")
    problem = integrity.tampering()
    if problem:
        return fail(problem, "tampered")
    for label, obj in zip(check.needs, objects):
        found = integrity.borrowed(label, obj)
        for layer in getattr(obj, "layers", []) if not isinstance(obj, type) else []:
            found = found or integrity.borrowed(f"{label}.layers", layer)
        if found:
            return fail(found, "borrowed")
    cases = check.cases(student=_student(assignment, typed) if check.per_student else None)
    plan = {"needs": list(check.needs), "cases": [case.request() for case in cases]}
    with _silenced():
        data = driver.pack(driver.bounded(driver.run_check(dict(zip(check.needs, objects)), plan)))
    problem = integrity.tampering()  # student code may have patched numpy while it ran
    if problem:
        return fail(problem, "tampered")
    try:
        result = driver.unpack(data, untrusted=True)
    except (ValueError, KeyError, TypeError) as err:
        return fail(f"the grader could not read what your code returned ({err})")
    return judge(check, cases, result)


class CheckFailed(AssertionError):
    """A check that scored nothing: the notebook shows its message alone, without a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for how an exception is shown
        return [str(self)]


def missing_result(assignment: str, name: str, missing: list[str]):
    """What the standalone grader says when the notebook lacks objects the check needs."""
    _use_course()
    check = get(assignment, name)
    return judge(check, [], {"missing": missing})


def check(assignment: str, name: str, *objects) -> float | None:
    """Run the check ``name`` of ``assignment`` on the student's objects (in the check's NEEDS order;
    none given: the ones of those names in the calling notebook).

    Full marks: prints one "✓" line and returns None. Partial marks: prints the feedback and returns
    the score, the cell's value, which nbgrader records as the cell's partial score (so nbgrader's
    autograde and ``nncourse grade`` give the same points). No marks: raises CheckFailed with the
    feedback, which nbgrader scores 0.
    """
    _use_course()
    if not objects:  # the hidden test cell names only the check: its objects are the notebook's own
        names, needs = sys._getframe(1).f_globals, get(assignment, name).needs
        missing = [need for need in needs if need not in names]
        typed = names.get("MY_ID") if isinstance(names.get("MY_ID"), str) else ""
        result = (missing_result(assignment, name, missing) if missing
                  else run_in_kernel(assignment, name, tuple(names[need] for need in needs), typed))
    else:
        result = run_in_kernel(assignment, name, objects)
    points = f"[{result.score:g}/{result.max_score:g} points]"
    if result.passed:
        sys.stdout.write(f"{result.message} ({result.max_score:g} points)\n")
        return None
    if result.score <= 0:
        raise CheckFailed(f"{points} {result.message}")
    sys.stdout.write(f"{points} {result.message}\n")
    return result.score
