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


# ---------------------------------------------------------------------------------- your own numbers

#: The numbers each student works by hand, drawn for the course by the exam generator (next to the notebook).
NUMBERS_FILE = "your_numbers.json"
#: nbgrader's exchange folder (its default Exchange.root): where it exists, nbgrader hands work in
#: under this machine's user name.
EXCHANGE = "/srv/nbgrader/exchange"


def numbers_index(assignment, example, student_id, size):
    """Which of the ``size`` drawn versions of ``example`` belongs to ``student_id``: a public hash of
    the assignment, the example and the id (no secret: everyone can see their own numbers; what
    matters is that a neighbour's differ). Spaces around the id and upper/lower case do not count."""
    import hashlib
    text = f"{assignment}/{example}/{str(student_id).strip().casefold()}".encode("utf-8", "replace")
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") % int(size)


def _user_name():
    try:
        import pwd
        return pwd.getpwuid(os.getuid())[0]
    except (ImportError, KeyError, OSError):
        return ""


def whose_numbers(typed=""):
    """(id, how) for the numbers to show: the grader's student when the notebook is being graded;
    else the JupyterHub or nbgrader-exchange user name (the name nbgrader hands work in under: the
    machine's user, or the hub's where everyone is "jovyan"); else the id typed in the notebook;
    else ("", "none"), which means the lecture's numbers."""
    typed = str(typed or "").strip()
    graded = os.environ.get("NNCOURSE_STUDENT", "").strip()
    if graded:
        return graded, "grading"
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":  # nbgrader runs autograded/<student>/<assignment>/
        parts = os.path.abspath(os.getcwd()).split(os.sep)
        if len(parts) >= 3 and parts[-3] == "autograded":
            return parts[-2], "grading"
        return (typed, "typed") if typed else ("", "none")
    hub, user = os.environ.get("JUPYTERHUB_USER", "").strip(), _user_name()
    if hub:
        return (hub if user in ("", "jovyan") else user), "hub"
    if user and os.path.isdir(EXCHANGE):
        return user, "exchange"
    return (typed, "typed") if typed else ("", "none")


def decode(spec, flat):
    """One version's numbers from its flat list, shaped as the file's ``fields`` say."""
    out, at = {}, 0
    for name, shape in spec["fields"]:
        count = int(np.prod(shape)) if shape else 1
        values = flat[at:at + count]
        at += count
        out[name] = np.array(values, dtype=float).reshape(shape).tolist() if shape else values[0]
    out.update(spec.get("constants", {}))
    return out


def numbers_for(pool, student_id):
    """Every example's numbers for ``student_id`` ("" or None: the lecture's), from the file's contents."""
    out = {}
    for example, spec in pool["examples"].items():
        if student_id:
            flat = spec["versions"][numbers_index(pool["assignment"], example, student_id, len(spec["versions"]))]
        else:
            flat = spec["lecture"]
        out[example] = decode(spec, flat)
    return out


class YourNumbers(dict):
    """Your numbers, one dict per example (``numbers["example1"]["x"]``); ``id`` is whose they are
    ("" for the lecture's)."""

    id = ""


def _shown(value):
    if isinstance(value, list):
        return "(" + ", ".join(_shown(v) for v in value) + ")"
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def your_numbers(typed=""):
    """Your numbers for the by-hand examples (from ``your_numbers.json`` next to this notebook), printed."""
    import json
    with open(NUMBERS_FILE, encoding="utf-8") as file:
        pool = json.load(file)
    student, how = whose_numbers(typed)
    numbers = YourNumbers(numbers_for(pool, student))
    numbers.id = student
    if how == "none":
        print("No student id yet, so these are the lecture's own numbers (its worked examples, with the "
              "answers below). Type your student id in the cell above and run both cells again: the "
              "grader checks your answers against the numbers drawn for your id.")
    else:
        said = {"hub": "you are signed in to the course's JupyterHub", "exchange": "your user name here",
                "typed": "the id you typed", "grading": "the submission being graded"}[how]
        print(f"Your numbers, for the id {student!r} ({said}):")
        if typed and how in ("hub", "exchange") and str(typed).strip().casefold() != student.casefold():
            print(f"  (You typed {str(typed).strip()!r}, but nbgrader hands your work in as {student!r}, "
                  f"so these are {student!r}'s numbers.)")
    for example, values in numbers.items():
        print(f"  {example}: " + ", ".join(f"{k} = {_shown(v)}" for k, v in values.items()))
    if how != "none":
        print("Work the examples out with these numbers; the grader checks your answers against them.")
    return numbers


def by_hand(name, answer, numbers, lecture_answers):
    """The test of a by-hand example. With the lecture's numbers (no id): each entry against the
    lecture's answers. With your own numbers: that every entry is there and holds as many numbers
    as asked (the grader checks their values when you hand in), and that they are not the lecture's."""
    counts = {key: np.size(value) for key, value in lecture_answers.items()}
    if not getattr(numbers, "id", ""):
        for key, want in lecture_answers.items():
            expect(f"{name}[{key!r}]", entry(answer, key, name), want)
        return
    same = []
    for key, count in counts.items():
        try:
            values = np.asarray(entry(answer, key, name), dtype=float).ravel()
        except (TypeError, ValueError):
            raise AssertionError(f"{name}[{key!r}] should be {'a number' if count == 1 else f'{count} numbers'}, "
                                 f"got {entry(answer, key, name)!r}") from None
        if values.size != count:
            raise AssertionError(f"{name}[{key!r}] should hold {count} number(s); it holds {values.size}")
        if not np.all(np.isfinite(values)):
            raise AssertionError(f"{name}[{key!r}] contains NaN or inf")
        want = np.asarray(lecture_answers[key], dtype=float).ravel()
        same.append(bool(np.allclose(values, want, rtol=1e-6, atol=1e-9)))
    if sum(same) > len(same) / 2:
        raise AssertionError(f"{name} holds the lecture's answers, but your numbers are not the lecture's: work "
                             f"it out with your own numbers (printed near the top, for the id {numbers.id!r})")
    print(f"\u2713 {name} has every number. The grader checks them against your own numbers "
          f"(id {numbers.id!r}) when you hand it in.")
