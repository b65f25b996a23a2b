"""Canvas QTI 1.2 via text2qti: one question group per problem ("pick: 1"), one numerical question per
version in it.

Canvas limits what is gradable: a numerical question has one answer, fill-in-multiple-blanks matches
text only, and each group draws on its own, so the sub-answers of one version cannot be split over
several groups. Each question therefore asks for the problem's last sub-answer (the one that needs
the whole chain); every sub-answer is graded from the answers CSV with ``nncourse exam grade``. The
quiz description says so to the instructor and the students.

text2qti converts each question's Markdown to HTML, which costs milliseconds per question (minutes for
1,000 versions). So text2qti gets a short placeholder per question and builds the quiz, groups, ids and
answer ranges; the question's HTML is then made straight from the problem's text blocks, with
text2qti's own LaTeX-to-Canvas-image conversion for the math.

text2qti rejects accepted values below 1e-4 in magnitude and writes range ends with 4 decimals, so
every answer is a range whose ends keep clear of that (a 0 answer becomes [-tol, tol], tol >= 1e-4)."""
from __future__ import annotations

import hashlib
import html
import re
from contextlib import contextmanager
from functools import lru_cache
from typing import Sequence

import text2qti.quiz
from text2qti.config import Config
from text2qti.markdown import Image, Markdown
from text2qti.qti import QTI
from text2qti.quiz import Question, Quiz

from .lms_images import diagram_png, file_name, image_html
from .mathtext import Display, M
from .moodle import tolerance
from .problem import Problem
from .text import diagram, statement
from .versions import Version

_MIN = 1.01e-4

DESCRIPTION = (
    "One version of each problem is drawn per student. Canvas checks one number per problem: the last "
    "sub-answer, which needs every earlier step. Work every step on paper; your instructor grades all "
    "sub-answers, with partial credit, from your written answers.")


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


def _config() -> Config:
    config = Config()
    config.update({"latex_render_url": "/equation_images/", "pandoc_mathml": False, "run_code_blocks": False})
    return config


@lru_cache(maxsize=1)
def _markdown() -> Markdown:
    return Markdown(_config())


@lru_cache(maxsize=1 << 14)
def _math(tex: str) -> str:
    """A LaTeX fragment as Canvas's equation image (text2qti's conversion)."""
    return _markdown().latex_to_qti(tex)


@lru_cache(maxsize=16)
def _image(d) -> Image:
    """text2qti's image record: the package stores each distinct image once, under images/."""
    return Image(file_name(d), diagram_png(d))


def _paragraph(parts) -> str:
    return "".join(_math(p.tex) if isinstance(p, M) else html.escape(p, quote=False) for p in parts)


def question_html(p: Problem, version_id: str) -> str:
    """The question's HTML: the statement, then which number Canvas checks."""
    def make() -> str:
        paras = [_math(b.math.tex) if isinstance(b, Display) else _paragraph(b) for b in statement(p)]
        item = p.items[-1]
        paras.append(f"[{html.escape(version_id)}] Give {_math(item.label_tex)} ({html.escape(item.name)}).")
        d = diagram(p)
        figure = image_html(_image(d).src_path, d) if d is not None else ""
        return figure + "".join(f"<p>{x}</p>" for x in paras)
    return p.cached("qti_html", make)


def _placeholder(number: int, body: str) -> str:
    # Unique per question and content, so that text2qti's question ids (a hash of this text) differ
    # between exams as the questions do.
    return f"Q{number:06d}x{hashlib.sha256(body.encode()).hexdigest()[:24]}"


def quiz_text(versions: Sequence[Version], title: str) -> tuple[str, dict[str, str]]:
    """text2qti's plain-text quiz with placeholders, and the HTML that replaces each placeholder."""
    lines = [f"Quiz title: {title}", f"Quiz description: {DESCRIPTION}", ""]
    bodies: dict[str, str] = {}
    n = len(versions[0].problems) if versions else 0
    number = 0
    for index in range(n):
        lines += ["GROUP", "pick: 1", "points per question: 1", ""]
        for v in versions:
            p = v.problems[index]
            number += 1
            body = question_html(p, v.version_id)
            token = _placeholder(number, body)
            bodies[token] = body
            lo, hi = answer_range(p.items[-1])
            lines += [f"{number}.  {token}", f"=   [{lo:.6f}, {hi:.6f}]", ""]
        lines += ["END_GROUP", ""]
    return "\n".join(lines), bodies


_TOKEN = re.compile(r"Q\d{6}x[0-9a-f]{24}")


class _PlaceholderMarkdown(Markdown):
    """text2qti's Markdown, except that a bare placeholder skips Python-Markdown (the 7,000 questions
    of 1,000 versions took 3 s there) and becomes what Markdown makes of it, ``<p>token</p>``."""

    def md_to_html(self, markdown_string: str, strip_p_tags: bool = False) -> str:
        if _TOKEN.fullmatch(markdown_string):
            return markdown_string if strip_p_tags else f"<p>{markdown_string}</p>"
        return super().md_to_html(markdown_string, strip_p_tags)


@contextmanager
def _placeholder_markdown():
    """text2qti's Quiz makes its own Markdown; swap the class while this (single) thread builds one."""
    saved = text2qti.quiz.Markdown
    text2qti.quiz.Markdown = _PlaceholderMarkdown
    try:
        yield
    finally:
        text2qti.quiz.Markdown = saved


def qti_zip(versions: Sequence[Version], title: str) -> bytes:
    text, bodies = quiz_text(versions, title)
    with _placeholder_markdown():
        quiz = Quiz(text, config=_config(), source_name="<nncourse exam>")
    md = quiz.md
    for q in quiz.questions_and_delims:
        if isinstance(q, Question):
            token = q.question_raw.strip()
            if token not in bodies:
                raise RuntimeError(f"text2qti changed a question's text ({token[:40]!r}); cannot fill in its HTML")
            q.question_html_xml = md.xml_escape(bodies[token], squotes=False, dquotes=False)
    for d in {diagram(p) for v in versions for p in v.problems} - {None}:
        image = _image(d)
        quiz.images[image.id] = image
    return QTI(quiz).zip_bytes()
