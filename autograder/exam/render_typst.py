"""Typst sources: one exam per student (version id on every page) and the solutions."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Sequence

from .diagram import PRELUDE
from .kinds import kind
from .pdf import asset, compile_pdf
from .mathtext import Display, M, num
from .plaintext import escape, math_markup
from .problem import Problem
from .text import diagram, solution, statement
from .versions import Version


def blocks_typ(blocks) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Display):
            out.append(f"$ {block.math.typ} $")
        else:
            out.append("".join(f"${p.typ}$" if isinstance(p, M) else escape(p) for p in block))
    return "\n\n".join(out)


def blocks_text(blocks) -> str:
    """Worked-solution blocks with their math as Unicode text where it converts (``plaintext``):
    displayed lines one under another, indented, in one paragraph."""
    out, lines = [], []
    for block in blocks:
        if isinstance(block, Display):
            lines.append(math_markup(block.math.typ))
            continue
        if lines:
            out.append(_indented(lines))
            lines = []
        out.append("".join(math_markup(p.typ) if isinstance(p, M) else escape(p) for p in block))
    if lines:
        out.append(_indented(lines))
    return "\n\n".join(out)


def _indented(lines: list[str]) -> str:
    return "#pad(left: 1.5em)[" + " \\\n".join(lines) + "]"


def _footer(version_id: str) -> str:
    """The page footer as the page's ``numbering``: typst numbers pages as it lays them out, where a
    ``context`` footer (or numbered figures) would make it lay out the whole document a second time to
    resolve the counters (about 2 ms per student, 4 ms per version of the solutions)."""
    return f"(..n) => text(size: 8pt)[version {version_id} · page #n.pos().first()]"


def _page(version_id: str, title: str) -> str:
    return (f'#set page(paper: "a4", margin: (x: 18mm, y: 20mm), '
            f'header: align(right, text(size: 8pt)[{escape(title)} · version *{version_id}*]), '
            f'numbering: {_footer(version_id)})\n#set figure(numbering: none)\n'
            '#set text(size: 10.5pt)\n#set par(justify: false)\n' + PRELUDE)


def version_typ(version: Version, title: str, solutions: bool = False, with_page: bool = True,
                images: bool = True, plain: bool = True) -> str:
    """One version's exam (or its worked solutions). ``images``: diagrams as images rather than drawn
    shapes (``Diagram.image_typst``). ``plain``: the math as Unicode text where it has a plain form
    (``plaintext``; the matrices and a few formulas stay math); False sets it all as Typst math (a
    student's exam about a third slower, the solutions twice)."""
    src = [_page(version.version_id, title)] if with_page else []
    src.append(f"= {escape(title)}{' — solutions' if solutions else ''}\n")
    src.append(f"Version *{version.version_id}* · {escape(version.student)}"
               + ("" if solutions else " · Name: #box(width: 5cm, repeat[.])") + "\n")
    if not solutions:
        src.append("Write every answer in the box for its problem. Give fractions exactly (e.g. -4/3) or to 3 decimals.\n")
    text = plain
    for p in version.problems:
        src.append(p.cached("head_typ", lambda: f"== Problem {p.number}: {escape(kind(p.kind).title)} ({p.points:g} points)\n"))
        d = diagram(p)
        if d is not None:
            src.append(d.image_typst() if images else d.typst())
        src.append((statement_text_typ(p) if text else statement_typ(p)) + "\n")
        if solutions:
            src.append("*Solution.*\n\n" + (solution_text_typ(p) if text else solution_typ(p)) + "\n")
            src.append(answers_typ(p, text))
        else:
            src.append(answer_boxes_typ(p.cached("box_names", lambda: tuple(i.name for i in p.items)), images))
    return "\n".join(src)


TEXT_WIDTH_MM = 210 - 2 * 18  # A4 less the page's side margins (``_page``)
BOX_ROWS = 3  # rows of answer boxes per image: a page can break between images


@lru_cache(maxsize=256)
def answer_boxes_typ(names: tuple[str, ...], images: bool = True) -> str:
    """Labelled answer boxes, two to a line. ``images``: as one-page PDF images of ``BOX_ROWS`` rows,
    compiled once per run for each list of labels (the same in every version of a problem kind):
    typst places an image in a fraction of the time it lays out six boxes and their labels (an exam's
    boxes 0.6 ms instead of 4 ms). Each image's alt text names its boxes."""
    if not images:
        return _boxes(names)
    out = []
    for k in range(0, len(names), 2 * BOX_ROWS):
        chunk = names[k:k + 2 * BOX_ROWS]
        body = f"#set page(width: {TEXT_WIDTH_MM}mm, height: auto, margin: 0.2mm)\n" + _boxes(chunk)
        path = asset(f"boxes-{hashlib.sha256(body.encode()).hexdigest()[:16]}.pdf",
                     lambda body=body: compile_pdf(body, tags=False))
        img = f'image("{path}", width: 100%, alt: "{"answer boxes " + ", ".join(chunk)}")'
        # spaced as the rows inside an image (8pt text's leading, less the images' margins)
        out.append(f"#block(above: 1.43mm, {img})" if out else f"#{img}")
    return "\n".join(out) + "\n"


def _boxes(names: Sequence[str]) -> str:
    """Boxes as inline boxes in one paragraph (cheaper than a table), their labels' size set once."""
    return "#[#set text(size: 8pt)\n" + "".join(
        f"#box(width: 50%, height: 6.5mm, inset: 3pt, stroke: 0.3pt)[{escape(n)}]" for n in names) + "]\n"


def answers_typ(p: Problem, plain: bool = True) -> str:
    """The key's values under a worked solution: plain boxes, four to a line (a table costs typst
    about twice the layout time)."""
    def value(i) -> str:
        typ = num(i.value, exact=not i.rounded).typ
        return math_markup(typ) if plain else f"${typ}$"
    return "*Answers.*\\\n" + "".join(f"#box(width: 25%, inset: 3pt)[{escape(i.name)}: {value(i)}]" for i in p.items) + "\n"


def statement_typ(p: Problem) -> str:
    return p.cached("statement_typ", lambda: blocks_typ(statement(p)))


def solution_typ(p: Problem) -> str:
    return p.cached("solution_typ", lambda: blocks_typ(solution(p)))


def statement_text_typ(p: Problem) -> str:
    return p.cached("statement_text_typ", lambda: blocks_text(statement(p)))


def solution_text_typ(p: Problem) -> str:
    return p.cached("solution_text_typ", lambda: blocks_text(solution(p)))


def solutions_typ(versions: Sequence[Version], title: str, images: bool = True, plain: bool = True) -> str:
    """The worked solutions of ``versions``, each starting on a new page numbered 1, so that the
    document can be compiled in pieces and the pieces joined. ``images``, ``plain``: as for
    ``version_typ`` (both False: the way before, drawn diagrams and all math, for the bench)."""
    parts = [_page("all versions", title)]
    for i, v in enumerate(versions):
        if i:
            parts.append("#pagebreak()\n")
        parts.append(f"#set page(header: align(right, text(size: 8pt)[{escape(title)} · solutions · version *{v.version_id}*]), "
                     f"numbering: {_footer(v.version_id)})\n"
                     "#counter(page).update(1)\n")
        parts.append(version_typ(v, title, solutions=True, with_page=False, images=images, plain=plain))
    return "\n".join(parts)

