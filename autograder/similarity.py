"""Similarity between submissions, with copydetect (winnowing fingerprints, as in MOSS).

Only what the students wrote is compared: the answer cells of each notebook (nbgrader's solution
cells), with the released stub's lines given to copydetect as boilerplate, so that the shared
scaffolding is not evidence. Pairs are ranked by the share of their code that the other submission
also has. A high score is a reason to look at two submissions side by side, never proof of copying:
short answers to the same exercise can agree by themselves.
"""
from __future__ import annotations

import html
import io
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from copydetect import CodeFingerprint, compare_files, defaults
from copydetect.utils import highlight_overlap

from .batch import find_submissions
from .course import Course
from .driver import inert
from .submission import SubmissionError, answers, read_notebook, without_region

CAVEAT = ("Similarity is a reason to look at two submissions side by side, not proof of copying: "
          "short answers to the same exercise can agree by themselves.")
K = defaults.NOISE_THRESHOLD                         # tokens in a fingerprinted k-gram
WINDOW = defaults.GUARANTEE_THRESHOLD - K + 1       # winnowing window


@dataclass
class Pair:
    a: str
    b: str
    score: float           # the larger of the two shares of code found in the other
    shares: tuple[float, float]
    slices: tuple


def answer_text(path: Path, order: list[str]) -> str:
    """The student's answer cells, in the source's order (a .py submission: all of it)."""
    if path.suffix == ".py":
        return path.read_text(encoding="utf-8", errors="replace")
    cells = answers(read_notebook(path), path.name)
    return "\n\n".join(cells[g] for g in order if g in cells)


def _fingerprint(name: str, code: str, boilerplate=None) -> CodeFingerprint:
    return CodeFingerprint(f"{name}.py", K, WINDOW, boilerplate=boilerplate, language="python", fp=io.StringIO(code))


def compare(assignment: str, submitted_dir: str | Path, course: Course) -> tuple[list[Pair], dict[str, str], list[str]]:
    """Every pair of submissions, most similar first; the texts compared; the students left out and why."""
    source = read_notebook(course.activate().built_source(assignment))
    expected = answers(source, assignment)
    stub = "\n\n".join(without_region(text, "SOLUTION") for text in expected.values())  # what nbgrader releases
    boilerplate = sorted(_fingerprint("stub", stub).hashes)  # copydetect wants a list of hashes
    texts, prints, skipped = {}, {}, []
    for student, path, problem in find_submissions(submitted_dir, assignment):
        if path is None:
            skipped.append(f"{student}: {problem}")
            continue
        try:
            texts[student] = answer_text(path, list(expected))
            prints[student] = _fingerprint(student, texts[student], boilerplate)
        except (SubmissionError, OSError, UnicodeError, ValueError) as err:
            skipped.append(f"{student}: {err}")
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        _, shares, slices = compare_files(prints[a], prints[b])
        pairs.append(Pair(a, b, float(max(shares)), (float(shares[0]), float(shares[1])), slices))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs, texts, skipped


def _side(fp: CodeFingerprint, slices) -> str:
    marked, _ = highlight_overlap(fp.raw_code, slices, "<mark>", "</mark>", escape_html=True)
    return marked


def render(assignment: str, pairs: list[Pair], texts: dict[str, str], top: int = 10) -> str:
    rows = "".join(f"<tr><td>{k}</td><td>{html.escape(inert(p.a))}</td><td>{html.escape(inert(p.b))}</td>"
                   f"<td>{100 * p.score:.0f} %</td></tr>" for k, p in enumerate(pairs[:50], 1))
    sides = []
    for k, p in enumerate(pairs[:top], 1):
        left, right = _fingerprint(p.a, texts[p.a]), _fingerprint(p.b, texts[p.b])
        sides.append(f"<h3 id='pair{k}'>{k}. {html.escape(inert(p.a))} and {html.escape(inert(p.b))}: "
                     f"{100 * p.shares[0]:.0f} % and {100 * p.shares[1]:.0f} % shared</h3><table class=side><tr>"
                     f"<td><pre>{_side(left, p.slices[0])}</pre></td><td><pre>{_side(right, p.slices[1])}</pre></td></tr></table>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(assignment)}: similarity</title>
<style>body{{font-family:sans-serif;max-width:90em;margin:2em auto}}td,th{{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}}
table{{border-collapse:collapse}}.side td{{width:50%}}pre{{white-space:pre-wrap;font-size:.8em}}mark{{background:#ffe08a}}</style></head>
<body><h1>{html.escape(assignment)}: similarity between submissions</h1>
<p><strong>{CAVEAT}</strong> Only the answer cells are compared; the released stub is left out.</p>
<table id="pairs"><tr><th>rank</th><th>student</th><th>student</th><th>shared</th></tr>{rows}</table>
{''.join(sides)}
</body></html>
"""


def write_similarity(assignment: str, submitted_dir: str | Path, out: str | Path, course: Course,
                     top: int = 10) -> tuple[Path, list[Pair], list[str]]:
    pairs, texts, skipped = compare(assignment, submitted_dir, course)
    target = Path(out)
    if target.suffix != ".html":
        target.mkdir(parents=True, exist_ok=True)
        from .report import SIMILARITY_PAGE
        target = target / SIMILARITY_PAGE
    target.write_text(render(assignment, pairs, texts, top), encoding="utf-8")
    return target, pairs, skipped
