"""Canvas QTI 1.2 via text2qti: one question group per problem ("pick: 1"), one numerical question per
sub-answer block. text2qti rejects accepted values below 1e-4 in magnitude, so every answer is written
as a range whose ends keep clear of that (a 0 answer becomes [-tol, tol] with tol >= 1e-4)."""
from __future__ import annotations

import re
from typing import Sequence

from text2qti.config import Config
from text2qti.qti import QTI
from text2qti.quiz import Quiz

from .kinds import kind
from .moodle import tolerance
from .render_markdown import blocks_md
from .versions import Version

_MIN = 1.01e-4


def answer_range(item) -> tuple[float, float]:
    tol = max(tolerance(item), _MIN)
    lo, hi = item.value - tol, item.value + tol
    if abs(lo) < _MIN:
        lo = -_MIN if lo <= 0 else _MIN
    if abs(hi) < _MIN:
        hi = _MIN if hi >= 0 else -_MIN
    if hi <= lo:
        hi = lo + 2 * _MIN
    return lo, hi


def quiz_text(versions: Sequence[Version], title: str) -> str:
    lines = [f"Quiz title: {title}", "Quiz description: One version of each problem is drawn per student.", ""]
    n = len(versions[0].problems) if versions else 0
    number = 0
    for index in range(n):
        lines += ["GROUP", "pick: 1", "points per question: 1", ""]
        for v in versions:
            p = v.problems[index]
            k = kind(p.kind)
            stem = _one_line(blocks_md(k.statement(p.params)))
            # text2qti gives a numerical question one answer: ask for the last sub-answer, the one
            # that needs the whole chain (the other sub-answers are graded from the paper/CSV).
            item = p.items[-1]
            number += 1
            lo, hi = answer_range(item)
            lines.append(f"{number}.  [{v.version_id}] {stem} Give ${item.label_tex}$ ({item.name}).")
            lines.append(f"=   [{lo:.6f}, {hi:.6f}]")
            lines.append("")
        lines += ["END_GROUP", ""]
    return "\n".join(lines)


def qti_zip(versions: Sequence[Version], title: str) -> bytes:
    config = Config()
    config.update({"latex_render_url": "/equation_images/", "pandoc_mathml": False, "run_code_blocks": False})
    quiz = Quiz(quiz_text(versions, title), config=config, source_name="<nncourse exam>")
    return QTI(quiz).zip_bytes()


def _one_line(md: str) -> str:
    md = md.replace("$$", "$")
    return re.sub(r"\s*\n\s*", " ", md).strip()
