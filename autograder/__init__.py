"""Checks defined once, used by nbgrader test cells and by the sandboxed grader.

In a notebook's hidden test cell::

    from nncourse.autograder import check
    check("layers", "dense_backward", Dense)

The module refuses to have ``check`` replaced or deleted (a student could otherwise turn every
check into a no-op from an answer cell); see docs/grader.md for what this mode can and cannot defend.
"""
from __future__ import annotations

import sys
import types

from .kernel import check
from .registry import assignment_ids, checks_for, get

__all__ = ["check", "checks_for", "get", "assignment_ids"]


class _Guarded(types.ModuleType):
    def __setattr__(self, name: str, value) -> None:
        if name in __all__ and name in self.__dict__:
            raise AttributeError(f"nncourse.autograder.{name} cannot be replaced")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in __all__:
            raise AttributeError(f"nncourse.autograder.{name} cannot be deleted")
        super().__delattr__(name)


sys.modules[__name__].__class__ = _Guarded
