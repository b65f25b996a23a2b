"""The class report after ``grade-all``: what the class got wrong, in one self-contained HTML page.

Everything comes from the graded folder's ``results/<student>.json`` (the reports grade-all wrote),
never from parsing feedback text: scores, each check's diagnosis tag and the cases that went wrong.
The page has no external resources (the plots are inline PNGs), so it opens from disk anywhere;
every text a student could have influenced is escaped.

"Visible tests pass, hidden checks fail": a check lost points although none of the cases it got wrong
is the lecture's own example (the one the notebook's visible tests compare with) — every wrong case
is a hidden one. That is what code fitted to the lecture's numbers looks like.
"""
from __future__ import annotations

import base64
import html
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .driver import inert

SIMILARITY_PAGE = "similarity.html"


@dataclass
class Graded:
    """One student's result file, read back."""

    student: str
    score: float
    max_score: float
    error: str
    checks: list[dict] = field(default_factory=list)


@dataclass
class Mistake:
    check: str
    tag: str
    students: list[str]
    example: str


@dataclass
class ClassReport:
    assignment: str
    graded: list[Graded]
    ungraded: list[Graded]
    mistakes: list[Mistake]            # ranked: most students first
    fitted: list[tuple[str, str, str]]  # (student, check, the hidden cases it got wrong)
    shares: dict[str, tuple[int, int, int]]  # check -> (full, partial, zero) among the graded

    @property
    def size(self) -> int:
        return len(self.graded)


def read_results(graded_dir: Path) -> tuple[str, list[Graded]]:
    """The assignment and every student's result, from ``results/*.json``."""
    folder = Path(graded_dir) / "results"
    if not folder.is_dir():
        raise FileNotFoundError(f"{graded_dir} has no results/ folder: run `nncourse grade-all` into it first")
    assignment, out = "", []
    for path in sorted(folder.glob("*.json")):
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            report = saved["report"]
            student = str(saved.get("student") or path.stem)
            checks = [r for r in report.get("results", []) if isinstance(r, dict)]
            assignment = assignment or str(report.get("assignment", ""))
            out.append(Graded(student, float(report.get("score", 0.0)), float(report.get("max_score", 0.0)),
                              str(report.get("error") or ""), checks))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            out.append(Graded(path.stem, 0.0, 0.0, f"its result file {path.name} could not be read; grade it again"))
    if not out:
        raise FileNotFoundError(f"{folder} holds no results: run `nncourse grade-all` into {graded_dir} first")
    return assignment, out


def _anonymised(message: str, students: list[str]) -> str:
    for name in sorted(students, key=len, reverse=True):
        if len(name) > 2:
            message = message.replace(name, "<student>")
    return message


def analyse(graded_dir: Path) -> ClassReport:
    assignment, everyone = read_results(graded_dir)
    graded = [g for g in everyone if not g.error]
    ungraded = [g for g in everyone if g.error]
    names = [g.student for g in everyone]
    by_mistake: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    fitted, shares = [], {}
    lectured = _checks_with_the_lecture_case(assignment)
    for g in graded:
        for r in g.checks:
            name, score, most = str(r.get("name")), float(r.get("score", 0)), float(r.get("max_score", 0))
            full, partial, zero = shares.get(name, (0, 0, 0))
            shares[name] = (full + (score >= most - 1e-9), partial + (0 < score < most - 1e-9), zero + (score <= 0))
            if score >= most - 1e-9:
                continue
            tag = str(r.get("diagnosis") or r.get("status") or "differs")
            by_mistake[(name, tag)].append((g.student, str(r.get("message", ""))))
            wrong = [str(c) for c in r.get("wrong_cases") or ()]
            if name in lectured and wrong and all(c.startswith("hidden") for c in wrong):
                fitted.append((g.student, name, ", ".join(wrong)))
    mistakes = [Mistake(check, tag, [s for s, _ in found], _anonymised(found[0][1], names))
                for (check, tag), found in by_mistake.items()]
    mistakes.sort(key=lambda m: (-len(m.students), m.check, m.tag))
    return ClassReport(assignment, graded, ungraded, mistakes, fitted, shares)


def _checks_with_the_lecture_case(assignment: str) -> set[str]:
    """The checks that have a case with the lecture's numbers (the visible tests' numbers)."""
    from .registry import checks_for
    try:
        return {c.name for c in checks_for(assignment) if any(k.label.startswith("the lecture's") for k in c.cases())}
    except Exception:  # noqa: BLE001 - an unknown assignment (a result folder from elsewhere): no such rows
        return set()


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def plots(report: ClassReport) -> tuple[str, str]:
    """The score histogram and the per-check full/partial/zero bars, as inline PNGs."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 2.6))
    ax = fig.subplots()
    top = max((g.max_score for g in report.graded), default=1.0) or 1.0
    ax.hist([g.score for g in report.graded], bins=min(20, max(5, int(top))), range=(0, top), color="#1f4e9c")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    histogram = _png(fig)
    fig = Figure(figsize=(6, 0.4 + 0.35 * max(1, len(report.shares))))
    ax = fig.subplots()
    checks = list(report.shares)[::-1]
    left = [0.0] * len(checks)
    for k, (label, colour) in enumerate((("full", "#2e7d32"), ("partial", "#f9a825"), ("zero", "#c62828"))):
        counts = [report.shares[c][k] / max(1, report.size) for c in checks]
        ax.barh(checks, counts, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, counts)]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the graded students")
    ax.legend(loc="lower right", fontsize=8)
    return histogram, _png(fig)


def _e(text) -> str:
    """Escaped for HTML, each line made inert (student text can hold control characters)."""
    return html.escape("\n".join(inert(line) for line in str(text).split("\n")))


def render(report: ClassReport, similarity: bool = False) -> str:
    histogram, bars = plots(report)
    n = max(1, report.size)
    rows = "".join(
        f"<tr><td>{len(m.students)}</td><td>{100 * len(m.students) / n:.0f} %</td><td>{_e(m.check)}</td>"
        f"<td><code>{_e(m.tag)}</code></td><td><pre>{_e(m.example)}</pre></td>"
        f"<td class=names>{_e(', '.join(m.students))}</td></tr>" for m in report.mistakes)
    shares = "".join(f"<tr><td>{_e(c)}</td><td>{f}</td><td>{p}</td><td>{z}</td></tr>"
                     for c, (f, p, z) in report.shares.items())
    fitted = "".join(f"<tr><td>{_e(s)}</td><td>{_e(c)}</td><td>{_e(w)}</td></tr>" for s, c, w in report.fitted)
    ungraded = "".join(f"<tr><td>{_e(g.student)}</td><td>{_e(g.error)}</td></tr>" for g in report.ungraded)
    scores = [g.score for g in report.graded]
    mean = sum(scores) / len(scores) if scores else 0.0
    link = (f'<p>Similarity between submissions: <a href="{SIMILARITY_PAGE}">{SIMILARITY_PAGE}</a> '
            f"(a reason to look, not proof).</p>" if similarity else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(report.assignment)}: class report</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}}
pre{{white-space:pre-wrap;margin:0;font-size:.85em}}.names{{font-size:.85em;color:#555}}</style></head>
<body>
<h1>{_e(report.assignment)}: class report</h1>
<p id="summary"><span id="graded">{report.size}</span> submissions graded, <span id="ungraded">{len(report.ungraded)}</span>
could not be graded; mean score <span id="mean">{mean:.2f}</span>.</p>
{link}
<h2>Scores</h2><img alt="histogram of the scores" src="{histogram}">
<h2>Each check: full, partial and zero marks</h2><img alt="full, partial and zero marks per check" src="{bars}">
<table id="shares"><tr><th>check</th><th>full</th><th>partial</th><th>zero</th></tr>{shares}</table>
<h2>Mistakes, most common first</h2>
<p>Each row is one named mistake (the grader's diagnosis) on one check; the example is one student's
feedback with names removed. The students' names are for the instructor's eyes.</p>
<table id="mistakes"><tr><th>students</th><th>share</th><th>check</th><th>mistake</th><th>example feedback</th><th>who</th></tr>{rows}</table>
<h2>The lecture's numbers right, hidden cases wrong</h2>
<p>These checks got the lecture's example right (what the notebook's visible tests compare with) but
hidden cases wrong: a sign of code fitted to the lecture's numbers, or of a special case.</p>
<table id="fitted"><tr><th>student</th><th>check</th><th>cases wrong</th></tr>{fitted}</table>
<h2>Submissions that could not be graded</h2>
<table id="ungraded-list"><tr><th>student</th><th>why</th></tr>{ungraded}</table>
</body></html>
"""


def write_report(graded_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` (default: in the graded folder) and return its path."""
    graded_dir = Path(graded_dir)
    target = Path(out) if out else graded_dir / "report.html"
    page = render(analyse(graded_dir), similarity=(graded_dir / SIMILARITY_PAGE).is_file())
    target.write_text(page, encoding="utf-8")
    return target
