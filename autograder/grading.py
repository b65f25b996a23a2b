"""Grade one submission in the sandbox and report it (a table, Gradescope's results.json)."""
from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .course import Course
from .driver import inert
from .registry import CheckResult, assignment_of, checks_for, judge, max_score
from .sandbox import Limits, run_submission
from .own_numbers import NOBODY, Student, student_for, submitted_student, typed_id
from .submission import SubmissionError, cells_to_run


@dataclass
class Report:
    assignment: str
    submission: str
    results: list[CheckResult] = field(default_factory=list)
    error: str | None = None   # the submission could not be graded at all
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    isolation: dict = field(default_factory=dict)  # sandbox layer -> "on" or why it is off
    cases_from: str = ""  # which secret the hidden cases came from (its fingerprint), for a regrade
    numbers_for: str = ""  # whose own numbers the by-hand examples were checked against ("" the lecture's)

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 2)

    @property
    def max_score(self) -> float:
        return max_score(self.assignment)

    def scores(self) -> dict[str, float]:
        return {r.name: r.score for r in self.results}

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(score=self.score, max_score=self.max_score)
        return data


def _matplotlib_fonts() -> Path | None:
    """matplotlib's font list, built once per machine and user.

    Without it, the first ``import matplotlib.pyplot`` in every sandbox child would list the system's
    font folders (which the sandbox refuses) and spend about a second rebuilding the list.
    """
    try:  # one list per matplotlib version: each version reads only its own fontlist-v*.json
        version = importlib.metadata.version("matplotlib")
    except importlib.metadata.PackageNotFoundError:
        return None
    cache = Path(tempfile.gettempdir()) / f"nncourse-matplotlib-{os.getuid()}-{version}"
    found = sorted(cache.glob("fontlist-*.json"))
    if not found:
        cache.mkdir(mode=0o700, exist_ok=True)
        env = {**os.environ, "MPLCONFIGDIR": str(cache), "MPLBACKEND": "Agg"}
        try:
            subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                           capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        found = sorted(cache.glob("fontlist-*.json"))
    return found[-1] if found else None


def _extras(assignment: str, cells: list[tuple[str, str]], course: Course) -> dict:
    """Modules to import before the sandbox closes, and the files the notebook opens from its folder
    (those that nbgrader releases next to it, from the course's source folder)."""
    folder = course.source_folder(assignment)
    files = {p.name: str(p) for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".ipynb"}
    preload = tuple(assignment_of(assignment).preload)
    if any("matplotlib" in source for _, source in cells):
        # Plots are part of the notebooks: import pyplot (headless) with its font list in place.
        fonts = _matplotlib_fonts()
        if fonts is not None:
            files[fonts.name] = str(fonts)
        preload += ("matplotlib.pyplot",)
    return {"preload": preload, "files": files}


def grade_cells(assignment: str, cells: list[tuple[str, str]], course: Course, *, limits: Limits | None = None,
                submission: str = "", student: Student = NOBODY) -> Report:
    """Run ``cells`` in the sandbox, drive every check, and judge the outputs here. ``student``: whose
    own numbers the per-student checks use (the notebook is run as that student's, too)."""
    started = time.monotonic()
    course.activate()
    checks = checks_for(assignment)
    report = Report(assignment, submission, cases_from=course.secret_id(), numbers_for=student.id)
    report.notes += numbers_notes(student)
    runnable = {c.name: c.cases(student=student) for c in checks if not c.unavailable()}
    plan = [{"name": c.name, "needs": list(c.needs), "cases": [k.request() for k in runnable[c.name]]}
            for c in checks if c.name in runnable]
    run = run_submission(cells, plan, limits=limits or assignment_of(assignment).limits,
                         environ={"NNCOURSE_STUDENT": student.id} if student.id else None,
                         **_extras(assignment, cells, course))
    report.isolation = run.isolation
    cell_notes = [f"cell {name} raised {err.get('__error__')}: {err.get('message', '')}"[:300]
                  for name, err in run.cell_errors[:3] if isinstance(err, dict)]
    report.notes += [f"Note: {n}" for n in cell_notes]
    for check in checks:
        reason = check.unavailable()
        if reason:
            report.results.append(CheckResult(assignment, check.name, 0.0, check.points, reason, "unavailable"))
            continue
        if run.failure:
            report.results.append(CheckResult(assignment, check.name, 0.0, check.points, run.failure, "error"))
            continue
        result = run.results.get(check.name)
        if isinstance(result, dict) and "missing" in result and cell_notes:
            result = {**result, "note": "(" + "; ".join(cell_notes) + ")"}
        report.results.append(judge(check, runnable[check.name], result))
    report.seconds = round(time.monotonic() - started, 3)
    return report


def grade_file(assignment: str, submission: str | Path, course: Course, *, limits: Limits | None = None,
               student: str | None = None, how: str = "folder") -> Report:
    """Grade a .ipynb or .py file against the course's source notebook. A submission that cannot be
    graded gives a report with ``error`` set (and zero points), never an exception.

    ``student``: whose work it is (nbgrader's ``submitted/<student>/``, Gradescope's roster); by
    default the folder the file is in, when that is nbgrader's layout, else the id typed in it."""
    source = course.activate().built_source(assignment)
    try:
        cells = cells_to_run(submission, source)
    except SubmissionError as err:
        return _failed(assignment, submission, str(err), course)
    if student is None:
        student = submitted_student(Path(submission), assignment)
    whose = student_for(assignment, source.parent, student_id=student, typed=typed_id(cells), how=how)
    try:
        return grade_cells(assignment, cells, course, limits=limits, submission=str(submission), student=whose)
    except Exception as err:  # noqa: BLE001 - a grader bug must cost a message, never the batch
        return _failed(assignment, submission, f"the grader failed on this submission ({type(err).__name__}: "
                                               f"{inert(str(err))[:200]}); it was not graded: tell the instructor",
                       course)


def numbers_notes(student: Student) -> list[str]:
    """What the feedback says about whose numbers were used, when that is not plain."""
    if student.pool is None:
        return []
    if not student.id:
        return ["Note: no student id, so the by-hand examples were checked with the lecture's own numbers."]
    if student.how == "typed":
        return [f"Note: the by-hand examples were checked with the numbers of the id typed in the notebook, "
                f"{student.id!r}."]
    if student.typed and student.typed.casefold() != student.id.casefold():
        return [f"Note: the notebook has the id {student.typed!r} typed in, but this is the work of {student.id!r}, "
                f"so it was checked with the numbers of {student.id!r}."]
    return []


def _failed(assignment: str, submission, why: str, course: Course) -> Report:
    report = Report(assignment, str(submission), error=why, cases_from=course.secret_id())
    report.results = [CheckResult(assignment, c.name, 0.0, c.points, f"not graded: {why}", "error")
                      for c in checks_for(assignment)]
    return report


def gradescope_json(report: Report) -> dict:
    """Gradescope's results.json: score, execution_time, output (plain text) and one test per check."""
    output = report.error or " ".join(report.notes) or ""
    return {
        "score": report.score,
        "execution_time": report.seconds,
        "output": _shown(output),
        "output_format": "text",
        "tests": [{"name": f"{r.assignment}/{r.name}", "score": r.score, "max_score": r.max_score,
                   "output": _shown(r.message), "output_format": "text",
                   "status": "passed" if r.passed else "failed"} for r in report.results],
        "extra_data": {"isolation": report.isolation, "cases_from": report.cases_from},
    }


def _shown(text: str) -> str:
    """Text for a report: each line made inert (student text can hold escapes, newlines, surrogates)."""
    return "\n".join(inert(line) for line in str(text).split("\n"))


def isolation_line(isolation: dict) -> str:
    """One line naming the sandbox layers that were active, and the ones that were off."""
    on = [name for name, state in isolation.items() if str(state).startswith("on")]
    off = [f"{name} ({str(state).removeprefix('off: ')})" for name, state in isolation.items()
           if not str(state).startswith("on")]
    return "sandbox: " + ", ".join(on) + (f"; OFF: {', '.join(off)}" if off else "")


def table(report: Report) -> str:
    """A plain-text table of the checks with points and feedback (every line inert: student text in it
    cannot end a line, move the cursor or forge a total)."""
    lines = [f"{report.assignment}: {inert(report.submission)}"]
    if report.error:
        lines.append(f"  ERROR: {inert(report.error)}")
    lines += [f"  {inert(n)}" for n in report.notes]
    width = max((len(r.name) for r in report.results), default=10)
    for r in report.results:
        first, *rest = _shown(r.message).split("\n")
        lines.append(f"  {r.name:<{width}}  {r.score:>5g}/{r.max_score:<3g} {first}")
        lines += [f"  {'':<{width}}  {'':>9} {line}" for line in rest]
    lines.append(f"  {'total':<{width}}  {report.score:>5g}/{report.max_score:g}")
    if report.isolation:
        lines.append(f"  {isolation_line(report.isolation)}")
    return "\n".join(lines)


def write_json(report: Report, path: str | Path) -> None:
    Path(path).write_text(json.dumps(gradescope_json(report), indent=2), encoding="utf-8")
