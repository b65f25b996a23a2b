"""Compare what the student's code returned with what was expected, and name the mistake.

Runs in the parent only (it never sees student objects, only decoded plain data). Values agree
when every entry is within ``rtol`` of the expected one, relative to the largest expected
magnitude: ``|got - expected| <= rtol * max(|expected|)`` (with a floor of 1e-9).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .driver import Missing, Opaque

RTOL = 1e-5


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


def _numeric(got, name: str, want: str) -> tuple[np.ndarray | None, str | None]:
    """``got`` as a float array, or a message saying why it is not usable."""
    if isinstance(got, Missing):
        return None, f"`{name}` was not set"
    if got is None and want == "array":
        return None, f"`{name}` is None: did the code forget to return (or store) it?"
    if got is None:
        return None, f"`{name}` is still empty (None): fill in your number(s)"
    if isinstance(got, Opaque) or isinstance(got, (str, dict)):
        return None, f"`{name}` is {type_text(got)}; expected numbers"
    if want == "array" and isinstance(got, (list, tuple)):
        return None, (f"`{name}` is a Python {type(got).__name__}; return a numpy array "
                      f"(for example np.array(...)) so that shapes and arithmetic work")
    if want == "array" and not isinstance(got, np.ndarray):
        return None, f"`{name}` is {type_text(got)}; expected a numpy array"
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"`{name}` is {type_text(got)} that cannot be read as numbers"
    if want == "scalar":
        if array.size != 1:
            return None, (f"`{name}` has shape {shape_text(array.shape)}; expected a single number "
                          f"(a float)")
        array = array.reshape(())
    return array, None


def compare(name: str, got, expected, *, rtol: float = RTOL, want: str = "array",
            batch: int | None = None, alternates: Sequence[tuple[np.ndarray, str]] = (),
            nan_hint: str = "") -> str | None:
    """None when ``got`` matches ``expected``; otherwise a message naming the problem.

    ``want``: "array" (a numpy array), "scalar" (one number) or "numbers" (any sequence of numbers).
    ``batch``: the batch size, to recognise sums taken where means were wanted (and vice versa).
    ``alternates``: results of known wrong formulas, each with the message that names the mistake.
    """
    expected = np.asarray(expected, dtype=np.float64)
    array, problem = _numeric(got, name, want)
    if problem:
        return problem
    if want == "numbers":
        array = array.reshape(-1)
        expected = expected.reshape(-1)
    for alternate, message in alternates:
        alternate = np.asarray(alternate, dtype=np.float64)
        same_as_expected = alternate.shape == expected.shape and close(alternate, expected, rtol)
        if alternate.shape == array.shape and close(array, alternate, rtol) and not same_as_expected:
            return f"`{name}`: {message}"
    if array.shape != expected.shape:
        got_s, want_s = shape_text(array.shape), shape_text(expected.shape)
        if array.ndim == 2 and array.shape == expected.shape[::-1]:
            return (f"`{name}` has shape {got_s} where {want_s} was expected: a missing (or extra) "
                    f"transpose. In the lecture's layout samples are columns")
        if expected.ndim == 2 and expected.shape[1] == 1 and expected.shape[0] > 1 and (
                array.shape[-1] != expected.shape[0] and (array.ndim == 1 or array.shape[0] == 1)):
            return (f"`{name}` has shape {got_s} where {want_s} was expected: it looks like a sum over the wrong "
                    f"axis; sum over the batch (axis=1, keepdims=True)")
        if array.size == expected.size:
            same = close(array.reshape(expected.shape), expected, rtol)
            hint = " The numbers are right" if same else ""
            keep = " (keepdims=True keeps the column shape)" if expected.ndim == 2 and expected.shape[1] == 1 else ""
            return f"`{name}` has shape {got_s}, expected {want_s}.{hint}{keep}".rstrip(".") + "."
        return f"`{name}` has shape {got_s}, expected {want_s}"
    if not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0]) if array.ndim else ()
        return f"`{name}` contains {array[bad]} (NaN or inf) at index {bad}. {nan_hint}".strip()
    if close(array, expected, rtol):
        return None
    if np.any(expected != 0) and close(array, -expected, rtol):
        return f"`{name}` has the right size but the wrong sign: a sign error"
    if batch and batch > 1 and np.any(expected != 0):
        if close(array, expected * batch, rtol):
            return (f"`{name}` is exactly {batch} times too large ({batch} is the batch size): it looks like "
                    f"a sum where a mean was needed (divide by the batch size)")
        if close(array, expected / batch, rtol):
            return (f"`{name}` is exactly {batch} times too small ({batch} is the batch size): it looks like "
                    f"a mean where a sum over the batch was needed")
    if np.any(expected != 0):
        if close(array, expected * 2, rtol):
            return f"`{name}` is exactly twice the expected value: a factor 2 too many"
        if close(array, expected / 2, rtol):
            return (f"`{name}` is exactly half the expected value: the factor 2 from the derivative of "
                    f"(ŷ - y)² is missing")
    diff = np.abs(array - expected)
    where = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.ndim else ()
    scale = float(np.max(np.abs(expected))) or 1.0
    at = f" at index {where}" if where else ""
    return (f"`{name}` differs{at}: got {short(array[where])}, expected {short(expected[where])} "
            f"(largest error {float(diff.max()) / scale:.2g} relative to the largest value; "
            f"tolerance {rtol:g})")


def error_text(error: dict) -> str:
    """An exception raised by student code, as one kind sentence."""
    kind, message, where = error.get("__error__"), error.get("message", ""), error.get("where", "")
    at = f" (in {where})" if where else ""
    if kind == "NotImplementedError":
        return f"not implemented yet: the code still raises NotImplementedError{at}"
    if kind == "SystemExit":
        return f"the code called sys.exit(); please remove it{at}"
    if kind == "MemoryError":
        return f"the code ran out of memory{at}"
    return f"the code raised {kind}: {message}{at}"
