"""Markdown with LaTeX math ($…$, $$…$$): each student's exam and the worked solutions."""
from __future__ import annotations

from .kinds import kind
from .mathtext import Display, M
from .versions import Version


def blocks_md(blocks) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Display):
            out.append(f"$$ {block.math.tex} $$")
        else:
            out.append("".join(f"${p.tex}$" if isinstance(p, M) else p for p in block))
    return "\n\n".join(out)


def exam_md(version: Version, title: str, solutions: bool = False, diagrams: dict | None = None) -> str:
    head = f"# {title}{' — solutions' if solutions else ''}\n\nVersion **{version.version_id}** · {version.student}\n"
    parts = [head]
    for p in version.problems:
        k = kind(p.kind)
        parts.append(f"## Problem {p.number}: {k.title} ({p.points:g} points)\n")
        if diagrams and p.kind in diagrams:
            parts.append(f"![network diagram]({diagrams[p.kind]})\n")
        parts.append(blocks_md(k.statement(p.params)))
        if solutions:
            parts.append("\n**Solution.**\n\n" + blocks_md(k.solution(p.params, _arrays(p.values))))
            parts.append("\n**Key:** " + ", ".join(f"${i.label_tex}$ = {M_num(i)}" for i in p.items))
        else:
            parts.append("\nAnswers: " + ", ".join(f"`{i.name}`" for i in p.items))
        parts.append("")
    return "\n".join(parts) + "\n"


def M_num(item) -> str:
    from .mathtext import num
    return f"${num(item.value, exact=not item.rounded).tex}$"


def _arrays(values: dict) -> dict:
    import numpy as np
    return {k: np.array(v, dtype=float) if not isinstance(v, dict) else v for k, v in values.items()}
