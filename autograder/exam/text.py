"""A problem's statement, worked solution and diagram, built once per problem: an exam writes each
of them several times (student and solutions copies, Markdown, Typst, Moodle, QTI)."""
from __future__ import annotations

import numpy as np

from .kinds import kind
from .problem import Problem


def arrays(values: dict) -> dict:
    """The key's JSON values back as arrays (what ``Kind.solution`` reads)."""
    return {k: np.array(v, dtype=float) if not isinstance(v, dict) else v for k, v in values.items()}


def statement(p: Problem) -> list:
    return p.cached("statement", lambda: kind(p.kind).statement(p.params))


def solution(p: Problem) -> list:
    return p.cached("solution", lambda: kind(p.kind).solution(p.params, arrays(p.values)))


def diagram(p: Problem):
    return p.cached("diagram", lambda: kind(p.kind).diagram(p.params))
