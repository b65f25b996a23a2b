"""Helpers for the notebooks' test cells: friendly messages when your numbers differ from the lecture's.

This file comes with every notebook of the course; keep it next to the notebook. You do not need to
read it (but you may). The test cells run their checks inside `with visible_tests():` and call
`defined`, `attempt`, `entry`, `expect`, `expect_shape` and `numerical_dinputs`. The grader names mistakes with the
same words (`diagnose` and `explain` are shared with it).
"""
import os
import sys
import traceback
import warnings

import numpy as np

RTOL = 1e-5


# ---------------------------------------------------------------------------------- naming a mistake

def _shape(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _close(got, want, rtol=RTOL) -> bool:
    if got.shape != want.shape:
        return False
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    return bool(np.all(np.abs(got - want) <= max(rtol * scale, 1e-9)))


def _short(value) -> str:
    if isinstance(value, np.ndarray) and value.size > 12:
        return f"an array of shape {_shape(value.shape)}"
    with np.printoptions(precision=6, suppress=True):
        return np.array2string(np.asarray(value), separator=", ").replace("\n", "")


def shape_problem(name, got_shape, want_shape, numbers_right=False):
    """(tag, message) for an array of shape ``got_shape`` where ``want_shape`` was expected."""
    got_shape, want_shape = tuple(got_shape), tuple(want_shape)
    g, w = _shape(got_shape), _shape(want_shape)
    if len(got_shape) == 2 and got_shape == want_shape[::-1]:
        return "transposed", (f"`{name}` has shape {g} where {w} was expected: a missing (or extra) transpose "
                              f"(in the lecture's layout a sample is a column)")
    if len(want_shape) == 2 and want_shape[1] == 1 and want_shape[0] > 1 and (
            got_shape[-1:] != want_shape[:1] and (len(got_shape) <= 1 or got_shape[0] == 1)):
        return "wrong_axis", (f"`{name}` has shape {g} where {w} was expected: it looks like a sum over the "
                              f"wrong axis; sum over the batch (axis=1, keepdims=True)")
    if np.prod(got_shape) == np.prod(want_shape):
        right = " The numbers are right" if numbers_right else ""
        keep = " (keepdims=True keeps the column shape)" if len(want_shape) == 2 and want_shape[1] == 1 else ""
        return "shape", f"`{name}` has shape {g}, expected {w}.{right}{keep}".rstrip(".") + "."
    return "shape", f"`{name}` has shape {g}, expected {w}"


def diagnose(name, got, want, batch=None, rtol=RTOL):
    """None when the arrays ``got`` and ``want`` agree, else (tag, message): the kind of mistake a
    difference of this shape or size usually is, in the lecture's words."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        right = got.size == want.size and _close(got.reshape(want.shape), want, rtol)
        return shape_problem(name, got.shape, want.shape, right)
    if not np.all(np.isfinite(got)):
        return "not_finite", f"`{name}` contains NaN or inf"
    if _close(got, want, rtol):
        return None
    if np.any(want != 0):
        if _close(got, -want, rtol):
            return "sign", f"`{name}` has the right size but the wrong sign: a sign error"
        if batch and batch > 1 and _close(got, want * batch, rtol):
            return "not_averaged", (f"`{name}` is exactly {batch} times too large ({batch} is the batch size): a "
                                    f"sum where a mean was needed (divide by the batch size)")
        if batch and batch > 1 and _close(got, want / batch, rtol):
            return "averaged", (f"`{name}` is exactly {batch} times too small ({batch} is the batch size): a mean "
                                f"where a sum over the batch was needed")
        if _close(got, want * 2, rtol):
            return "factor_2", f"`{name}` is exactly twice the expected value: a factor 2 too many"
        if _close(got, want / 2, rtol):
            return "half", (f"`{name}` is exactly half the expected value: the factor 2 from the derivative of "
                            f"(ŷ - y)² is missing")
        ratio = _common_ratio(got, want, rtol)
        if ratio is not None:
            return "scaled", (f"`{name}` is {ratio:.4g} times the expected value, every entry of it: the right "
                              f"direction with a wrong factor (check what the mean divides by)")
    diff = np.abs(got - want)
    where = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.ndim else ()
    at = f" at index {where}" if where else ""
    return "differs", f"`{name}` differs{at}: got {_short(got[where])}, expected {_short(want[where])}"


def _common_ratio(got, want, rtol):
    """r when got = r · want for one r (not ±1) over at least two nonzero entries, else None."""
    nonzero = want != 0
    if np.count_nonzero(nonzero) < 2 or np.any(got[~nonzero] != 0):
        return None
    ratio = float(np.median(got[nonzero] / want[nonzero]))
    if ratio == 0 or abs(abs(ratio) - 1) < 1e-6 or not _close(got, ratio * want, rtol):
        return None
    return ratio


def explain(kind, message):
    """A hint for an exception your code raised, or "" (the grader gives the same hints)."""
    if kind == "NotImplementedError":
        return "not written yet: replace `raise NotImplementedError()` with your code"
    if kind == "AttributeError" and "'inputs'" in message:
        return "the backward pass needs the inputs forward_pass saw: keep them in forward_pass (self.inputs = ...)"
    if kind == "AttributeError" and "'outputs'" in message:
        return "the backward pass needs the outputs: keep them in forward_pass (self.outputs = ...)"
    if kind == "AttributeError" and "'NoneType'" in message:
        return "a function returned None: did it forget to `return` its result?"
    if kind == "ValueError" and ("not aligned" in message or "mismatch" in message or "broadcast" in message):
        return ("the shapes do not fit together: check which matrix is transposed, and that the layers run "
                "in reverse order in the backward pass")
    if kind == "TypeError" and "not iterable" in message:
        return "return the values as a tuple, as the docstring says"
    return ""


# ---------------------------------------------------------------------------------- the test cells

class VisibleTestFailed(AssertionError):
    """A visible test that found a mistake: shown as its message alone, without a traceback."""

    def _render_traceback_(self):  # IPython's hook for how an exception is shown
        return [str(self)]


class visible_tests:
    """The test cell's own checks on the lecture's numbers. A failure shows one message (no traceback).

    When nbgrader grades the notebook (autograde), a failure is printed instead, and the cell's
    points come from the grader's check that follows, as when `nncourse grade` grades it.
    """

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is None:
            return False
        if isinstance(error, AssertionError):
            message = str(error)
        else:
            message = _raised(error, tb)
        if os.environ.get("NBGRADER_EXECUTION") == "autograde":
            print(f"\u2717 {message}")
            return True
        raise VisibleTestFailed(f"\u2717 {message}") from None


def _raised(error, tb) -> str:
    """'X raised TypeError: ... (your cell, line 4: ...)' with a hint."""
    where = ""
    for frame in traceback.extract_tb(tb):
        if os.path.abspath(frame.filename) != os.path.abspath(__file__):
            where = f" (line {frame.lineno}: {(frame.line or '').strip()})"
    hint = explain(type(error).__name__, str(error))
    return f"your code raised {type(error).__name__}: {error}{where}" + (f". {hint[0].upper()}{hint[1:]}" if hint else "")


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings from your code appear as ordinary output (a warning is not a mistake; nbgrader would
    count anything on a test cell's error stream as a failure)."""
    print(f"{category.__name__}: {message}")


if __name__ == "checking":  # in a notebook (the grader imports this file too, and keeps its warnings)
    warnings.showwarning = _show_warning


def defined(name):
    """The object you defined as `name`, or a friendly message if it is not there yet."""
    names = sys._getframe(1).f_globals  # the notebook's own variables (the test cell's globals)
    if name not in names:
        raise AssertionError(f"`{name}` is not defined yet: write it in its answer cell and run that cell "
                             "(Shift+Enter), then run this test again.")
    return names[name]


def attempt(what, function, *args, **kwargs):
    """Call your code; whatever it raises becomes one friendly message (with a hint where there is one)."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"{what} is not written yet: replace `raise NotImplementedError()` "
                             "with your code.") from None
    except Exception as error:  # noqa: BLE001 - anything your code raises
        raise AssertionError(f"{what}: {_raised(error, error.__traceback__)}") from None


def entry(answer, key, name):
    """answer[key], with a friendly message if the key is missing or still empty."""
    if not isinstance(answer, dict) or key not in answer:
        raise AssertionError(f"{name} needs the key {key!r}.")
    if answer[key] is None or answer[key] is ...:
        raise AssertionError(f"{name}[{key!r}] is still empty: fill in your number(s).")
    return answer[key]


def expect(what, got, want, tol=1e-6, shape=False, batch=None, hint=""):
    """Compare your numbers with the expected ones and say what differs (and what that usually means,
    or ``hint``: what the lecture says about it)."""
    want = np.asarray(want, dtype=float)
    try:
        values = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be numbers, got {got!r}") from None
    if not shape and values.size == want.size:
        values = values.reshape(want.shape)
    problem = diagnose(what, values, want, batch=batch, rtol=tol)
    if problem:
        shown = "" if want.size > 6 else (f" (expected {np.round(want.ravel(), 6).tolist()}, "
                                          f"got {np.round(values.ravel(), 6).tolist()})")
        raise AssertionError(problem[1] + shown + (f". {hint}" if hint and problem[0] == "differs" else ""))
    print(f"\u2713 {what}")


def expect_shape(what, got, shape):
    """Compare the shape of your array with the expected one (and say what a wrong one usually means)."""
    if tuple(np.shape(got)) != tuple(shape):
        raise AssertionError(shape_problem(what, np.shape(got), shape)[1])
    print(f"\u2713 {what}")


def numerical_dinputs(forward, values, dvalues, h=1e-6):
    """d-values pushed back through `forward` by finite differences: what a backward pass should give."""
    values = np.array(values, dtype=float)
    dinputs = np.zeros_like(values)
    for index in np.ndindex(values.shape):
        up, down = values.copy(), values.copy()
        up[index] += h
        down[index] -= h
        dinputs[index] = np.sum((forward(up) - forward(down)) * dvalues) / (2 * h)
    return dinputs
