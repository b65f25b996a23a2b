"""Typst sources: one exam per student (version id on every page) and the worked solutions."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Sequence

from .diagram import PRELUDE
from .pdf import asset, compile_pdf
from .kinds import kind
from .mathtext import Display, M, escape
from .problem import Item, Problem
from .text import diagram, solution, statement
from .versions import Version

#: What the exam's first page says about writing numbers (the Moodle and Canvas questions say what they accept).
INSTRUCTIONS = ("Write every answer in its box. Give exact values as fractions (e.g. −4/3) or as decimals "
                "to at least 3 places; where a problem asks for more decimals, give them.")


def blocks_typ(blocks) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Display):
            out.append(f"$ {block.math.typ} $")
        else:
            out.append("".join(f"${p.typ}$" if isinstance(p, M) else escape(p) for p in block))
    return "\n\n".join(out)


def _page(version_id: str, title: str) -> str:
    # The footer is the page's numbering, which typst fills in while it lays out the pages.
    return (f'#set page(paper: "a4", margin: (x: 18mm, y: 20mm), '
            f'header: align(right, text(size: 8pt)[{escape(title)} · version *{version_id}*]), '
            f'numbering: (..n) => text(size: 8pt)[version {version_id} · page #n.pos().first()])\n'
            '#set figure(numbering: none)\n#set text(size: 10.5pt)\n#set par(justify: false)\n' + PRELUDE)


def version_typ(version: Version, title: str, solutions: bool = False, with_page: bool = True) -> str:
    """One version's exam, or its worked solutions (each problem's work and answers, without its
    statement: a third of the typesetting, and the statement is in the student's PDF and in
    solutions.md)."""
    src = [_page(version.version_id, title)] if with_page else []
    src.append(f"= {escape(title)}{' — solutions' if solutions else ''}\n")
    src.append(f"Version *{version.version_id}* · {escape(version.student)}"
               + ("" if solutions else " · Name: #box(width: 5cm, repeat[.])") + "\n")
    if not solutions:
        src.append(escape(INSTRUCTIONS) + "\n")
    for p in version.problems:
        if solutions:  # the statement is the student's copy (and solutions.md): here, the work
            src.append(f"== Problem {p.number}: {escape(kind(p.kind).title)} ({p.points:g} points)\n")
            src.append(p.cached("solution_typ", lambda: blocks_typ(solution(p))) + "\n")
            src.append(answers_typ(p))
        else:
            src.append(problem_typ(p))
            src.append(answer_boxes_typ(p.items))
    return "\n".join(src)


def problem_typ(p: Problem) -> str:
    """The problem's heading, diagram and statement, kept on one page (a block that does not break)."""
    def make() -> str:
        d = diagram(p)
        parts = [f"== Problem {p.number}: {escape(kind(p.kind).title)} ({p.points:g} points)\n",
                 d.typst() if d is not None else "", blocks_typ(statement(p)) + "\n"]
        return "#block(breakable: false, width: 100%)[\n" + "\n".join(parts) + "]\n"
    return p.cached("problem_typ", make)


_PARTIAL = re.compile(r"\(partial (.+)\)/\(partial (.+)\)")


def inline_label(label: M) -> str:
    """An item's label as inline Typst math, a derivative written ∂L/∂ŷ on one line (a stacked
    fraction would not fit a box's label)."""
    match = _PARTIAL.fullmatch(label.typ)
    return f"partial {match[1]} slash partial {match[2]}" if match else label.typ


TEXT_WIDTH_MM = 210 - 2 * 18  # A4 less the page's side margins (``_page``)
BOX_ROWS = 3  # rows of answer boxes per image: a page can break between images


def answer_boxes_typ(items: Sequence[Item]) -> str:
    """A box per sub-answer, two to a line, each labelled with its quantity in the lecture's notation.

    The boxes of a problem are the same in every version of its kind, so each run of ``BOX_ROWS``
    rows is laid out once per run, as a one-page PDF placed as an image (its labels stay text):
    laying out an exam's 100 boxes and their math took typst 12 ms, a third of a student's exam,
    and kept 1,000 versions over the 60 s budget (bench/exam_generate.py)."""
    labels = tuple(inline_label(i.label) for i in items)
    return _box_images(labels)


@lru_cache(maxsize=256)
def _box_images(labels: tuple[str, ...]) -> str:
    out = []
    for k in range(0, len(labels), 2 * BOX_ROWS):
        boxes = "".join(f"#box(width: 50%, height: 7mm, inset: 3pt, stroke: 0.3pt)[${label}$ =]"
                        for label in labels[k:k + 2 * BOX_ROWS])
        body = f"#set page(width: {TEXT_WIDTH_MM}mm, height: auto, margin: 0.2mm)\n#set text(size: 8.5pt)\n{boxes}\n"
        path = asset(f"boxes-{hashlib.sha256(body.encode()).hexdigest()[:16]}.pdf",
                     lambda body=body: compile_pdf(body, tags=False))
        image = f'image("{path}", width: 100%, alt: "answer boxes")'
        out.append(f"#block(above: 1.43mm, {image})" if out else f"#{image}")  # spaced as the rows inside
    return "\n".join(out) + "\n"


def answers_typ(p: Problem) -> str:
    """The key's values under a worked solution, each named by its column in the answers CSV (plain
    text: the worked solution above shows each quantity in the lecture's notation, and math here
    would take typst as long as the rest of the solution)."""
    def value(i: Item) -> str:
        text = i.exact if i.exact else f"≈ {i.value:.4f}".rstrip("0")
        return escape(text.replace("-", "−"))
    return "*Answers.*\\\n#[#set text(size: 9pt)\n" + "".join(
        f"#box(width: 25%, inset: 3pt)[{escape(i.name)}: {value(i)}]" for i in p.items) + "]\n"


def solutions_typ(versions: Sequence[Version], title: str) -> str:
    """The worked solutions of ``versions``, each starting on a new page numbered 1, so that the
    document can be compiled in pieces and the pieces joined."""
    parts = [_page("all versions", title)]
    for i, v in enumerate(versions):
        if i:
            parts.append("#pagebreak()\n")
        parts.append(f"#set page(header: align(right, text(size: 8pt)[{escape(title)} · solutions · version *{v.version_id}*]), "
                     f"numbering: (..n) => text(size: 8pt)[version {v.version_id} · page #n.pos().first()])\n"
                     "#counter(page).update(1)\n")
        parts.append(version_typ(v, title, solutions=True, with_page=False))
    return "\n".join(parts)
