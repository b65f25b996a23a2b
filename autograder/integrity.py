"""Defences for checks that run inside the student's own kernel (nbgrader mode).

A shared kernel cannot be made safe; these catch the usual tricks: a patched numpy (e.g.
``np.allclose = lambda *a, **k: True``), a patched ``__import__``, and submitted objects that are
really the instructor's (imported from the ``nncourse`` package).
"""
from __future__ import annotations

import builtins
import os
import types

import numpy as np

_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))
#: numpy names the grader (and the reference) rely on.
NUMPY_NAMES = ("allclose", "isclose", "array", "asarray", "ascontiguousarray", "array_equal", "dot", "matmul",
               "sum", "mean", "max", "min", "abs", "exp", "log", "tanh", "sqrt", "maximum", "clip", "zeros",
               "zeros_like", "ones", "empty", "concatenate", "isfinite", "argwhere", "unravel_index", "argmax",
               "multiply", "divide", "add", "subtract", "reshape", "ravel", "frombuffer", "all", "any",
               "ndarray", "float64", "printoptions", "array2string", "errstate")
_ORIGINAL_IMPORT = builtins.__import__
_FORBIDDEN = ("nncourse",)


def _from_numpy(obj) -> bool:
    """True when ``obj`` is numpy's own: a ufunc, a C builtin, a class, or a function defined in numpy's files."""
    if isinstance(obj, np.ufunc):
        return type(obj) is np.ufunc and (getattr(type(obj), "__module__", "") == "numpy")
    if isinstance(obj, types.BuiltinFunctionType):
        return True
    if isinstance(obj, type):
        return str(getattr(obj, "__module__", "")).startswith("numpy")
    wrapped = getattr(obj, "__wrapped__", None)  # decorated functions (context managers, dispatchers)
    code = getattr(wrapped if hasattr(wrapped, "__code__") else obj, "__code__", None)
    if code is None and type(obj).__module__.startswith("numpy"):
        return True
    if code is None:
        return False
    return os.path.abspath(code.co_filename).startswith(_NUMPY_DIR)


def tampering() -> str | None:
    """A message when numpy or the import machinery has been patched in this kernel, else None."""
    for name in NUMPY_NAMES:
        obj = getattr(np, name, None)
        if obj is not None and not _from_numpy(obj):
            return (f"numpy.{name} has been replaced in this notebook, so the checks cannot trust numpy "
                    f"here. Please remove the line that assigns np.{name} and restart the kernel.")
    imp = builtins.__import__
    if imp is not _ORIGINAL_IMPORT and not isinstance(imp, types.BuiltinFunctionType):
        return "the import statement has been replaced in this notebook; please restart the kernel."
    return None


def _module_of(obj) -> str:
    return str(getattr(obj, "__module__", "") or "")


def _forbidden_module(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in _FORBIDDEN)


def _functions_of(obj):
    """The Python functions that make up ``obj``: itself, or a class's methods (and its bases')."""
    if isinstance(obj, type):
        for klass in obj.__mro__:
            if klass is object:
                continue
            yield klass
            for value in vars(klass).values():
                value = getattr(value, "__func__", value)
                if isinstance(value, property):
                    value = value.fget
                if isinstance(value, types.FunctionType):
                    yield value
    else:
        yield obj
        if not isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
            yield from _functions_of(type(obj))


def _names_in(code: types.CodeType):
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names_in(const)


def borrowed(name: str, obj) -> str | None:
    """A message when the student's ``obj`` is (or uses) the instructor's code (the ``nncourse`` package)."""
    for item in _functions_of(obj):
        if _forbidden_module(_module_of(item)):
            return (f"`{name}` comes from the `{_module_of(item)}` module (the instructor's solution), not "
                    f"from your notebook. Please write your own `{name}`.")
        code = getattr(item, "__code__", None)
        if code is None:
            continue
        scope = getattr(item, "__globals__", {})
        for used in set(_names_in(code)):
            target = scope.get(used)
            module = target.__name__ if isinstance(target, types.ModuleType) else _module_of(target)
            if target is not None and _forbidden_module(module):
                return (f"`{name}` uses `{used}` from the `{module}` module (the instructor's solution). "
                        f"Please write it yourself.")
    return None
