"""The contract: a check reads only what the notebook asks for.

Each check's cases are run on the notebook's own solution, whose classes record every attribute the
grader's driver reads from them; every name read (and every object a check needs) must appear in the
released notebook, in its text or in the docstrings the student gets. So a check cannot score an
attribute or a method the notebook never mentions.
"""
from __future__ import annotations

import re
import sys

import nbformat
import pytest

from nncourse.autograder import driver
from nncourse.autograder.registry import assignment_ids, checks_for
from notebook_variants import solution_namespace


def _recording(cls, log: set):
    """A subclass of the student's class that notes each attribute the driver reads from it."""
    def __getattribute__(self, name):
        if sys._getframe(1).f_code.co_filename == driver.__file__:
            log.add(name)
        return super(recorded, self).__getattribute__(name)
    recorded = type(cls.__name__, (cls,), {"__getattribute__": __getattribute__})
    return recorded


def _solution_namespace(course, assignment: str) -> dict:
    namespace = solution_namespace(course, assignment)
    if assignment == "bike_sharing":  # the trained network, untrained: only its interface matters here
        namespace["network"] = namespace["Network"]([namespace["Dense"](56, 8), namespace["ReLU"](),
                                                      namespace["Dense"](8, 1)])
    return namespace


def _released_text(course, assignment: str) -> str:
    release = course.root / "release" / assignment / f"{assignment}.ipynb"
    if not release.is_file():
        from nncourse.autograder.commands.course import release as release_all
        release_all(course, [assignment])
    return "\n".join(cell.source for cell in nbformat.read(str(release), 4).cells)


@pytest.mark.parametrize("assignment", assignment_ids())
def test_every_check_reads_only_what_the_released_notebook_names(course, assignment):
    namespace = _solution_namespace(course, assignment)
    text = _released_text(course, assignment)
    for check in checks_for(assignment):
        log: set = set()
        objects = {}
        for name in check.needs:
            obj = namespace[name]
            if isinstance(obj, type):
                obj = _recording(obj, log)
            elif type(obj).__module__ == "__main__":  # an instance of the notebook's class (the network)
                obj.__class__ = _recording(type(obj), log)
            objects[name] = obj
        plan = {"needs": list(check.needs), "cases": [case.request() for case in check.cases()]}
        result = driver.run_check(objects, plan)
        assert all("__error__" not in case for case in result["cases"]), (check.name, result["cases"])
        read = {name for name in log if not name.startswith("__")}
        unnamed = [name for name in sorted(read | set(check.needs)) if not re.search(rf"\b{re.escape(name)}\b", text)]
        assert not unnamed, f"{assignment}/{check.name} reads {unnamed}, which the released notebook never names"
        assert check.needs, check.name
