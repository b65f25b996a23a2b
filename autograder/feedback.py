"""Compare what the student's code returned with what was expected, and name the mistake.

Runs in the parent only (it never sees student objects, only decoded plain data). Values agree
when every entry is within ``rtol`` of the expected one, relative to the largest expected
magnitude: ``|got - expected| <= rtol * max(|expected|)`` (with a floor of 1e-9).

Every message is a :class:`Mistake`: the sentence a student reads, and a tag that names the kind of
mistake for reports. The generic kinds (a transpose, a sign, a sum for a mean, ...) are named by
``checking.diagnose``, the same function the notebooks' visible tests use.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from nncourse.assignments import checking

from .driver import Missing, Opaque

RTOL = checking.RTOL
#: Tags that say only that something is wrong, not what (the rest name the mistake).
GENERIC = ("differs", "carried_forward", "shape", "not_finite", "wrong_type", "error", "missing", "timeout", "interfered",
           "unavailable", "not_graded")


class Mistake(str):
    """A message for the student, with ``tag``: the kind of mistake, machine-readable."""

    def __new__(cls, message: str, tag: str) -> "Mistake":
        made = super().__new__(cls, message)
        made.tag = tag
        return made


def tag_of(message) -> str:
    return getattr(message, "tag", "differs")


def shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def short(value, digits: int = 6) -> str:
    """A compact printout: numbers to ``digits`` significant figures, big arrays abridged."""
    if isinstance(value, np.ndarray):
        if value.size > 12:
            return f"array of shape {shape_text(value.shape)}"
        with np.printoptions(precision=digits, suppress=True):
            return np.array2string(value, separator=", ").replace("\n", "")
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}"
    if isinstance(value, (list, tuple)):
        return ("a list" if isinstance(value, list) else "a tuple") + f" of {len(value)}"
    return repr(value)[:80]


def type_text(value) -> str:
    if isinstance(value, Opaque):
        return f"a {value.type_name} object"
    if isinstance(value, np.ndarray):
        return f"an array of shape {shape_text(value.shape)}"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def close(got: np.ndarray, expected: np.ndarray, rtol: float = RTOL) -> bool:
    if got.shape != expected.shape:
        return False
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    return bool(np.all(np.abs(got - expected) <= max(rtol * scale, 1e-9)))


def _numeric(got, name: str, want: str) -> tuple[np.ndarray | None, Mistake | None]:
    """``got`` as a float array, or a message saying why it is not usable."""
    def no(message: str, tag: str = "wrong_type"):
        return None, Mistake(message, tag)
    if isinstance(got, Missing):
        return no(f"`{name}` was not set", "not_set")
    if got is None and want == "array":
        return no(f"`{name}` is None: did the code forget to return (or store) it?", "returned_none")
    if got is None:
        return no(f"`{name}` is still empty (None): fill in your number(s)", "empty")
    if isinstance(got, Opaque) or isinstance(got, (str, dict)):
        return no(f"`{name}` is {type_text(got)}; expected numbers")
    if want == "array" and isinstance(got, (list, tuple)):
        return no(f"`{name}` is a Python {type(got).__name__}; return a numpy array (for example np.array(...)) "
                  f"so that shapes and arithmetic work", "not_an_array")
    if want == "array" and not isinstance(got, np.ndarray):
        return no(f"`{name}` is {type_text(got)}; expected a numpy array", "not_an_array")
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return no(f"`{name}` is {type_text(got)} that cannot be read as numbers")
    if want == "scalar":
        if array.size != 1:
            return no(f"`{name}` has shape {shape_text(array.shape)}; expected a single number (a float)", "not_scalar")
        array = array.reshape(())
    return array, None


def compare(name: str, got, expected, *, rtol: float = RTOL, want: str = "array",
            batch: int | None = None, alternates: Sequence[tuple] = (),
            nan_hint: str = "", nan_tag: str = "not_finite") -> Mistake | None:
    """None when ``got`` matches ``expected``; otherwise a :class:`Mistake` naming the problem.

    ``want``: "array" (a numpy array), "scalar" (one number) or "numbers" (any sequence of numbers).
    ``batch``: the batch size, to recognise sums taken where means were wanted (and vice versa).
    ``alternates``: results of known wrong formulas, each as (result, message, tag).
    """
    expected = np.asarray(expected, dtype=np.float64)
    array, problem = _numeric(got, name, want)
    if problem:
        return problem
    if want == "numbers":
        array = array.reshape(-1)
        expected = expected.reshape(-1)
    for alternate, message, *tag in alternates:
        alternate = np.asarray(alternate, dtype=np.float64)
        same_as_expected = alternate.shape == expected.shape and close(alternate, expected, rtol)
        if alternate.shape == array.shape and close(array, alternate, rtol) and not same_as_expected:
            return Mistake(f"`{name}`: {message}", tag[0] if tag else "named")
    if array.shape == expected.shape and not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0]) if array.ndim else ()
        return Mistake(f"`{name}` contains {array[bad]} (NaN or inf) at index {bad}. {nan_hint}".strip(), nan_tag)
    found = checking.diagnose(name, array, expected, batch=batch, rtol=rtol)
    if found is None:
        return None
    tag, message = found
    if tag == "differs":
        scale = float(np.max(np.abs(expected))) or 1.0
        message += (f" (largest error {float(np.max(np.abs(array - expected))) / scale:.2g} relative to the "
                    f"largest value; tolerance {rtol:g})")
    return Mistake(message, tag)


def error_text(error: dict) -> Mistake:
    """An exception raised by student code, as one kind sentence (with the notebooks' hint, if any)."""
    kind, message, where = error.get("__error__"), error.get("message", ""), error.get("where", "")
    at = f" (in {where})" if where else ""
    if kind == "NotImplementedError":
        return Mistake(f"not implemented yet: the code still raises NotImplementedError{at}", "not_written")
    if kind == "SystemExit":
        return Mistake(f"the code called sys.exit(); please remove it{at}", "exit")
    if kind == "MemoryError":
        return Mistake(f"the code ran out of memory{at}", "memory")
    hint = checking.explain(kind, message)
    return Mistake(f"the code raised {kind}: {message}{at}" + (f". {hint[0].upper()}{hint[1:]}" if hint else ""),
                   "error")
