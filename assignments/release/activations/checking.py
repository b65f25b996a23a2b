"""Helpers for the notebooks' test cells: friendly messages when your numbers differ from the lecture's.

This file comes with every notebook of the course; keep it next to the notebook. You do not need to
read it (but you may): the test cells call `defined`, `attempt`, `entry` and `expect`.
"""
import sys
import warnings

import numpy as np


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings from your code appear as ordinary output (a warning is not a mistake; nbgrader would
    count anything on a test cell's error stream as a failure)."""
    print(f"{category.__name__}: {message}")


warnings.showwarning = _show_warning


def defined(name):
    """The object you defined as `name`, or a friendly message if it is not there yet."""
    names = sys._getframe(1).f_globals  # the notebook's own variables (the test cell's globals)
    if name not in names:
        raise AssertionError(f"`{name}` is not defined yet: write it in its answer cell and run that cell "
                             "(Shift+Enter), then run this test again.")
    return names[name]


def attempt(what, function, *args, **kwargs):
    """Call your code; a part that still raises NotImplementedError gets a friendly message."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"{what} is not written yet: replace `raise NotImplementedError()` "
                             "with your code.") from None


def entry(answer, key, name):
    """answer[key], with a friendly message if the key is missing or still empty."""
    if not isinstance(answer, dict) or key not in answer:
        raise AssertionError(f"{name} needs the key {key!r}.")
    if answer[key] is None or answer[key] is ...:
        raise AssertionError(f"{name}[{key!r}] is still empty: fill in your number(s).")
    return answer[key]


def expect(what, got, want, tol=1e-6, shape=False):
    """Compare your numbers with the expected ones (and the shape, if asked) and say what differs."""
    want = np.asarray(want, dtype=float)
    try:
        values = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be numbers, got {got!r}") from None
    if shape and values.shape != want.shape:
        raise AssertionError(f"{what} should have shape {want.shape}, got shape {values.shape}")
    if values.size != want.size:
        raise AssertionError(f"{what} should hold {want.size} number(s), got {values.size}: {values}")
    close = np.isclose(values.ravel(), want.ravel(), rtol=tol, atol=tol)
    if not close.all():
        if want.size <= 6:
            raise AssertionError(f"{what}: expected {np.round(want.ravel(), 6).tolist()}, "
                                 f"got {np.round(values.ravel(), 6).tolist()}")
        first = int(np.argmin(close))
        raise AssertionError(f"{what}: {np.sum(~close)} of {want.size} numbers differ; the first at "
                             f"position {np.unravel_index(first, want.shape)}: expected {want.ravel()[first]:.6g}, "
                             f"got {values.ravel()[first]:.6g}")
    print(f"\u2713 {what}")
