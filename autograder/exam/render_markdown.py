"""Markdown with LaTeX math ($…$, $$…$$): each student's exam and the worked solutions."""
from __future__ import annotations

from typing import Callable

from .kinds import kind
from .mathtext import Display, M, num
from .problem import Problem
from .text import solution, statement
from .versions import Version


def blocks_md(blocks) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Display):
            out.append(f"$$ {block.math.tex} $$")
        else:
            out.append("".join(f"${p.tex}$" if isinstance(p, M) else p for p in block))
    return "\n\n".join(out)


def statement_md(p: Problem) -> str:
    return p.cached("statement_md", lambda: blocks_md(statement(p)))


def solution_md(p: Problem) -> str:
    return p.cached("solution_md", lambda: blocks_md(solution(p)))


def key_md(p: Problem) -> str:
    return p.cached("key_md", lambda: ", ".join(f"${i.label_tex}$ = {M_num(i)}" for i in p.items))


def exam_md(version: Version, title: str, solutions: bool = False,
            diagrams: Callable[[Problem], str | None] | None = None) -> str:
    """``diagrams`` gives the link to a problem's own diagram (None: no diagram)."""
    head = f"# {title}{' — solutions' if solutions else ''}\n\nVersion **{version.version_id}** · {version.student}\n"
    parts = [head]
    for p in version.problems:
        k = kind(p.kind)
        parts.append(f"## Problem {p.number}: {k.title} ({p.points:g} points)\n")
        link = diagrams(p) if diagrams else None
        if link:
            parts.append(f"![network diagram]({link})\n")
        parts.append(statement_md(p))
        if solutions:
            parts.append("\n**Solution.**\n\n" + solution_md(p))
            parts.append("\n**Key:** " + key_md(p))
        else:
            parts.append("\nAnswers (the answers CSV's column in brackets): "
                         + ", ".join(f"${i.label_tex}$ (`{i.name}`)" for i in p.items))
        parts.append("")
    return "\n".join(parts) + "\n"


def M_num(item) -> str:
    return f"${num(item.value, exact=not item.rounded).tex}$"
