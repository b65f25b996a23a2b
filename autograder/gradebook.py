"""Record grade-all's grades in the course's nbgrader gradebook, the way ``nbgrader autograde`` does.

nbgrader's own autograde runs here, with one change to its list of steps: instead of executing the
notebook (the sandbox already ran it), :class:`FillTestCells` writes each check's result into its
test cell, as the cell's output: the message, and the score (nbgrader reads a number as partial
credit, an error as zero). Everything else is nbgrader's: the submission records and timestamps,
the autograded notebooks the formgrader shows, the grades and comments, late penalties.
"""
from __future__ import annotations

import json
import warnings
from decimal import Decimal
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.plugins import BasePlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Enum, Float, Unicode

from . import deadlines
from .commands.course import _ok, nbgrader_api
from .course import Course, CourseError


class FillTestCells(NbGraderPreprocessor):
    """Each test cell's output: the check's message and its score, from grade-all's results."""

    results = Unicode(help="grade-all's results/ folder (one <student>.json per student)").tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader import utils
        student = resources["nbgrader"]["student"]
        path = Path(self.results) / f"{student}.json"
        report = json.loads(path.read_text(encoding="utf-8"))["report"] if path.is_file() else {}
        scores = {r["name"]: r for r in report.get("results", [])}
        for cell in nb.cells:
            if utils.is_grade(cell) and not utils.is_solution(cell):
                name = cell.metadata["nbgrader"]["grade_id"].removeprefix("test_")
                result = scores.get(name, {"score": 0.0, "max_score": cell.metadata["nbgrader"]["points"],
                                           "message": report.get("error") or "not graded by grade-all"})
                cell.outputs = _outputs(result)
        return nb, resources


class CoursePenalty(BasePlugin):
    """nbgrader's late-penalty plugin for the course's policy: the same ``deadlines.penalty`` as grade-all."""

    policy = Enum(deadlines.POLICIES, default_value="none", help="the course's late policy").tag(config=True)
    percent_per_day = Float(0.0, help="per_day: the share of the score per day late").tag(config=True)
    cutoff_days = Float(None, allow_none=True, help="later than this many days: 0 points").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        cutoff = None if self.cutoff_days is None else Decimal(str(self.cutoff_days))
        policy = deadlines.LatePolicy(self.policy, Decimal(str(self.percent_per_day)), cutoff)
        return deadlines.penalty(policy, score, total_seconds_late)


def _record_deadline(api, course: Course, assignment: str, submitted: Path, students: list[str]) -> None:
    """The course's deadline, the students' extensions and (where nbgrader's timestamp.txt is missing)
    the notebook's time in the gradebook, and the course's policy as nbgrader's late-penalty plugin:
    nbgrader's own AssignLatePenalties then records the penalty grade-all computed."""
    from nbgrader.api import Gradebook
    due = deadlines.load(course)
    if assignment not in due.due:
        return
    policy = due.policy
    api.config.AssignLatePenalties.plugin_class = CoursePenalty
    api.config.CoursePenalty.policy = policy.kind
    api.config.CoursePenalty.percent_per_day = float(policy.percent_per_day)
    api.config.CoursePenalty.cutoff_days = None if policy.cutoff_days is None else float(policy.cutoff_days)
    from .batch import find_submissions
    notebooks = {s: p for s, p, _ in find_submissions(submitted, assignment)}
    with Gradebook(api.coursedir.db_url) as gb, warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy warn about its own autoflush; the records are complete
        warnings.filterwarnings("ignore", message="Object of type .* not in session")
        gb.update_or_create_assignment(assignment, duedate=due.due[assignment])
        for student in students:
            gb.update_or_create_student(student)
            when, source, _ = deadlines.submission_time(submitted / student / assignment, notebooks.get(student))
            extra = {"timestamp": when} if source == "file time" else {}  # else nbgrader reads timestamp.txt
            gb.update_or_create_submission(assignment, student, **extra)
            gb.grant_extension(assignment, student, days=due.extensions.get((student, assignment), 0.0))  # 0: none


def _outputs(result: dict) -> list:
    message, score, top = str(result["message"]), float(result["score"]), float(result["max_score"])
    if score <= 0:
        return [new_output("error", ename="Not passed", evalue=message, traceback=[message])]
    outputs = [new_output("stream", name="stdout", text=message + "\n")]
    if score < top:  # nbgrader takes a cell's single numeric result as its partial score
        outputs.append(new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=1))
    return outputs


def write_gradebook(course: Course, assignment: str, submitted: Path, out: Path, rows: list[dict],
                    students: list[str] | None = None) -> list[str]:
    """nbgrader autograde for every graded student (or only ``students``), with grade-all's results
    (after nbgrader's generate_assignment, if the gradebook does not know the assignment yet), and
    the course's deadline, extensions and late policy. A submission that nbgrader cannot read (not a
    notebook, say) is recorded with zero points, as nbgrader records a missing one. Returns the
    students recorded that way."""
    if Path(submitted).resolve() != (course.root / "submitted").resolve():
        raise CourseError(f"--gradebook records submissions where nbgrader keeps them ({course.root / 'submitted'}); "
                          f"{submitted} is elsewhere")
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.converters import Autograde
    api = nbgrader_api(course)
    with Gradebook(api.coursedir.db_url) as gb:
        try:
            gb.find_assignment(assignment)
            known = True
        except MissingEntry:
            known = False
    if not known:  # nbgrader learns an assignment's cells when it releases it
        _ok(api.generate_assignment(assignment, force=True, create=True), f"generate_assignment {assignment}")
    steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
    api.config.Autograde.autograde_preprocessors = [
        FillTestCells if step.__name__ == "Execute" else step for step in steps]
    api.config.FillTestCells.results = str(Path(out).resolve() / "results")
    chosen = [r["student"] for r in rows] if students is None else list(students)
    _record_deadline(api, course, assignment, Path(submitted), chosen)
    for student in ["*"] if students is None else chosen:
        api.autograde(assignment, student, force=True, create=True)  # per-student failures are handled below
    unreadable = []
    with Gradebook(api.coursedir.db_url) as gb:
        for student in chosen:
            notebook = course.root / "autograded" / student / assignment / f"{assignment}.ipynb"
            if notebook.is_file():
                continue
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(assignment, student)
            for nb in submission.notebooks:
                for grade in nb.grades:
                    grade.auto_score, grade.needs_manual_grade = 0.0, False
            gb.db.commit()
            unreadable.append(student)
    return unreadable
