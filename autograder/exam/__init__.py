"""The exam generator: per-student randomised backprop problems with hand-computable numbers,
answer keys from ``nncourse.reference``, PDF/Markdown/Moodle/QTI outputs, and grading.

Writing exams needs the ``exam`` extra (``pip install "nncourse[exam]"``: typst, pikepdf,
pillow); grading answers against a key needs nothing more than the package.

>>> from nncourse.autograder.exam import write_sample_exam
>>> paths = write_sample_exam("out/sample_exam", seed=0, versions=2)   # doctest: +SKIP
"""
from __future__ import annotations

import importlib
import importlib.util

#: name -> the module that defines it (imported on first use, so grading needs no PDF libraries)
_EXPORTS = {"grade_csv": "grading", "write_grades": "grading", "read_key": "keyfile", "KINDS": "kinds",
            "make_versions": "versions", "write_exam": "writer", "write_sample_exam": "writer"}
#: The libraries of the ``exam`` extra, by import name.
EXTRA = ("typst", "pikepdf", "PIL")

__all__ = list(_EXPORTS)


def missing_extra() -> list[str]:
    """The exam extra's libraries that are not installed here."""
    return [name for name in EXTRA if importlib.util.find_spec(name) is None]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
