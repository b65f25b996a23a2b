"""Moodle XML: one cloze question per version, the versions of a problem in one category, so a quiz's
"random question from category" gives each student one version.

Written with xml.etree (moodle-tools needs Python >= 3.11 and YAML input; this package supports 3.10).
Cloze numerical answers are ``{1:NUMERICAL:=value:tolerance}`` (Moodle's embedded-answers syntax)."""
from __future__ import annotations

import base64
import html
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import Sequence

from .diagram import Diagram
from .kinds import kind
from .lms_images import diagram_png, file_name, image_html
from .render_markdown import statement_md
from .text import diagram
from .versions import Version


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(el, "text").text = value
    return el


#: What a Moodle question says about typing numbers (Moodle's numerical blanks accept decimals only).
INSTRUCTIONS = ("Type each answer as a decimal number; Moodle accepts no fractions (for −4/3 type −1.333). "
                "Each blank is worth the same share of the problem's points.")


def cloze_field(item) -> str:
    """One numerical blank of weight 1: the key and its tolerance (Moodle's embedded-answers syntax)."""
    return f"{{1:NUMERICAL:={item.value:.10g}:{item.tol:.10g}}}"


def moodle_xml(versions: Sequence[Version], exam_name: str) -> str:
    quiz = ET.Element("quiz")
    n_problems = len(versions[0].problems) if versions else 0
    for index in range(n_problems):
        first = versions[0].problems[index]
        k = kind(first.kind)
        category = ET.SubElement(quiz, "question", {"type": "category"})
        _text(category, "category", f"$course$/top/{exam_name}/P{first.number} {k.title}")
        for v in versions:
            p = v.problems[index]
            q = ET.SubElement(quiz, "question", {"type": "cloze"})
            _text(q, "name", f"P{p.number} {k.title} · {v.version_id}")
            # MathJax in Moodle reads \( \) and $$ $$.
            body = _inline_math(statement_md(p))
            rows = "".join(f"<li>\\({i.label_tex}\\) = {cloze_field(i)}</li>" for i in p.items)
            d = diagram(p)
            figure = image_html(f"@@PLUGINFILE@@/{file_name(d)}", d) if d is not None else ""
            head = f"<p><b>{p.points:g} points.</b> {html.escape(INSTRUCTIONS)}</p>"
            text = _text(q, "questiontext", f"{figure}<p>{body}</p>{head}<ol>{rows}</ol>", "html")
            if d is not None:  # Moodle keeps a question's images inside it
                ET.SubElement(text, "file", {"name": file_name(d), "path": "/", "encoding": "base64"}).text = _base64(d)
            _text(q, "generalfeedback", f"Version {v.version_id}.", "html")
            ET.SubElement(q, "penalty").text = "0"
            ET.SubElement(q, "hidden").text = "0"
            ET.SubElement(q, "idnumber").text = f"{exam_name}-{v.version_id}-P{p.number}"
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


@lru_cache(maxsize=16)
def _base64(d: Diagram) -> str:
    return base64.b64encode(diagram_png(d)).decode("ascii")


def _inline_math(md: str) -> str:
    """Markdown math delimiters to MathJax's: $$…$$ stays, $…$ becomes \\(…\\); paragraphs become <br>."""
    out, inline = [], False
    for token in _DOLLARS.split(md):
        if token == "$":
            out.append("\\)" if inline else "\\(")
            inline = not inline
        else:
            out.append(token)
    return "".join(out).replace("\n\n", "<br/>")


_DOLLARS = re.compile(r"(\$\$|\$)")
