"""The exam generator: per-student randomised backprop problems with hand-computable numbers,
answer keys from ``reference``, PDF/Markdown/Moodle/QTI outputs, and grading.

>>> from autograder.exam import write_sample_exam
>>> paths = write_sample_exam("out/sample_exam", seed=0, versions=2)   # doctest: +SKIP
"""
from .grading import grade_csv, write_grades
from .keyfile import read_key
from .kinds import KINDS
from .versions import make_versions
from .writer import write_exam, write_sample_exam

__all__ = ["KINDS", "make_versions", "write_exam", "write_sample_exam", "read_key", "grade_csv", "write_grades"]
