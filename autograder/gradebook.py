"""Record grade-all's grades in the course's nbgrader gradebook, the way ``nbgrader autograde`` does.

nbgrader's own autograde runs here, with one change to its list of steps: instead of executing the
notebook (the sandbox already ran it), :class:`FillTestCells` writes each check's result into its
test cell, as the cell's output: the message, and the score (nbgrader reads a number as partial
credit, an error as zero). Everything else is nbgrader's: the submission records and timestamps,
the autograded notebooks the formgrader shows, the grades and comments, late penalties.
"""
from __future__ import annotations

import json
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

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


def _outputs(result: dict) -> list:
    message, score, top = str(result["message"]), float(result["score"]), float(result["max_score"])
    if score <= 0:
        return [new_output("error", ename="Not passed", evalue=message, traceback=[message])]
    outputs = [new_output("stream", name="stdout", text=message + "\n")]
    if score < top:  # nbgrader takes a cell's single numeric result as its partial score
        outputs.append(new_output("execute_result", data={"text/plain": f"{score:g}"}, execution_count=1))
    return outputs


def write_gradebook(course: Course, assignment: str, submitted: Path, out: Path, rows: list[dict]) -> list[str]:
    """nbgrader autograde for every graded student, with grade-all's results (after nbgrader's
    generate_assignment, if the gradebook does not know the assignment yet). A submission that
    nbgrader cannot read (not a notebook, say) is recorded with zero points, as nbgrader records a
    missing one. Returns the students recorded that way."""
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
    api.autograde(assignment, "*", force=True, create=True)  # per-student failures are handled below
    unreadable = []
    with Gradebook(api.coursedir.db_url) as gb:
        for row in rows:
            student = row["student"]
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
