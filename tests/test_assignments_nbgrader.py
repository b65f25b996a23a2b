"""The five nbgrader assignments: real nbgrader round trip, clean release, runnable sources.

One scratch nbgrader course serves every test (module fixtures): generate_assignment for all five,
then autograde two submissions per assignment (the source notebook and the released stub) and
generate feedback. Budget: about 2-3 minutes on 2 cores, most of it kernels running notebooks.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader")

from autograder.commands import release as rel  # noqa: E402

ASSIGNMENTS = rel.ASSIGNMENTS
COURSE = rel.COURSE
STUDENTS = {"solution": "source", "stub": "release"}  # student id -> which notebook they submit


def _checks():
    """{assignment: {check name: points}} from the contract's registry (the autograder's)."""
    from autograder import checks_for
    return {a: {c.name: c.points for c in checks_for(a)} for a in ASSIGNMENTS}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course: released, submitted (solution and stub), autograded, with feedback."""
    root = rel.scratch_course(COURSE, tmp_path_factory.mktemp("nbgrader") / "course")
    api = rel.generate(root)
    for student, kind in STUDENTS.items():
        for assignment in ASSIGNMENTS:
            folder = root / "submitted" / student / assignment
            shutil.copytree(root / "release" / assignment, folder)
            shutil.copyfile(root / kind / assignment / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")
    for student in STUDENTS:
        for assignment in ASSIGNMENTS:
            rel._ok(api.autograde(assignment, student, force=True, create=True), f"autograde {assignment} {student}")
            rel._ok(api.generate_feedback(assignment, student, force=True), f"generate_feedback {assignment} {student}")
    return root


def _cell_scores(root: Path, assignment: str, student: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: (g.score, g.max_score) for g in nb.grades if g.max_score}


def _autograded(root: Path, assignment: str, student: str):
    return nbformat.read(str(root / "autograded" / student / assignment / f"{assignment}.ipynb"), 4)


def _test_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")]


def test_points_match_the_contract():
    checks = _checks()
    for assignment in ASSIGNMENTS:
        nb = nbformat.read(str(COURSE / "source" / assignment / f"{assignment}.ipynb"), 4)
        cells = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in _test_cells(nb)}
        assert cells == {f"test_{name}": points for name, points in checks[assignment].items()}, assignment
        assert sum(cells.values()) % 10 == 0, f"{assignment} totals {sum(cells.values())}"
        for cell in _test_cells(nb):
            name = cell.metadata["nbgrader"]["grade_id"][len("test_"):]
            assert f'check("{assignment}", "{name}"' in cell.source
            assert cell.source.rstrip().endswith("### END HIDDEN TESTS")


def test_solution_gets_full_marks(course):
    for assignment in ASSIGNMENTS:
        scores = _cell_scores(course, assignment, "solution")
        assert scores and all(score == top for score, top in scores.values()), (assignment, scores)
        assert sum(top for _, top in scores.values()) == sum(_checks()[assignment].values())


def test_stub_gets_zero_with_readable_messages(course):
    for assignment in ASSIGNMENTS:
        scores = _cell_scores(course, assignment, "stub")
        assert scores and all(score == 0 for score, _ in scores.values()), (assignment, scores)
        for cell in _test_cells(_autograded(course, assignment, "stub")):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert len(errors) == 1, (assignment, cell.metadata["nbgrader"]["grade_id"])
            assert errors[0].ename == "AssertionError", (assignment, errors[0].ename, errors[0].evalue)
            assert re.search(r"not (written|defined) yet", errors[0].evalue), errors[0].evalue
            assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs)


def test_feedback_is_html_without_hidden_tests(course):
    for student in STUDENTS:
        for assignment in ASSIGNMENTS:
            html = (course / "feedback" / student / assignment / f"{assignment}.html").read_text(encoding="utf-8")
            assert html.lstrip().lower().startswith("<!doctype html")
            assert "HIDDEN TESTS" not in html and "from autograder import" not in html, (student, assignment)
    stub = (course / "feedback" / "stub" / "layers" / "layers.html").read_text(encoding="utf-8")
    assert "is not written yet" in stub


def _solution_lines(nb) -> list[str]:
    """The distinctive lines inside the solution regions (long enough not to occur by chance)."""
    lines, given, inside = [], set(), False
    for cell in nb.cells:
        for line in cell.source.split("\n"):
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) > 24 and not line.strip().startswith("#"):
                lines.append(line.strip())
            else:
                given.add(line.strip())
    return [line for line in lines if line not in given]


def test_release_has_no_solution_or_hidden_code():
    for assignment in ASSIGNMENTS:
        source = nbformat.read(str(COURSE / "source" / assignment / f"{assignment}.ipynb"), 4)
        released = (COURSE / "release" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
        lines = _solution_lines(source)
        assert len(lines) >= 5, assignment
        leaked = [line for line in lines if json.dumps(line)[1:-1] in released]
        assert not leaked, (assignment, leaked)
        for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "from autograder", "import reference"):
            assert marker not in released, (assignment, marker)


def _normalised(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell.pop("execution_count", None)
        cell.pop("outputs", None)
    return nb


def test_committed_release_matches_a_fresh_release(course):
    for assignment in ASSIGNMENTS:
        name = f"{assignment}.ipynb"
        assert _normalised(COURSE / "release" / assignment / name) == _normalised(course / "release" / assignment / name), \
            f"assignments/release/{assignment} is stale: run `nncourse release`"
        committed = sorted(p.name for p in (COURSE / "release" / assignment).iterdir())
        assert committed == sorted(p.name for p in (course / "release" / assignment).iterdir())
        for path in rel.data_files(assignment):
            assert (COURSE / "release" / assignment / path.name).read_bytes() == path.read_bytes()
    assert (COURSE / "release" / "bike_sharing" / "hour.csv").is_file()


def test_sources_and_examples_match_the_builder(tmp_path):
    subprocess.run([sys.executable, str(COURSE / "build_sources.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for built in sorted(tmp_path.rglob("*.ipynb")):
        committed = COURSE / built.relative_to(tmp_path)
        assert committed.read_text(encoding="utf-8") == built.read_text(encoding="utf-8"), \
            f"{committed} differs from assignments/builder: run `python assignments/build_sources.py`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_runs_top_to_bottom(assignment, tmp_path):
    from nbclient import NotebookClient

    folder = tmp_path / assignment
    shutil.copytree(COURSE / "source" / assignment, folder)
    for path in rel.data_files(assignment):
        shutil.copyfile(path, folder / path.name)
    nb = nbformat.read(str(folder / f"{assignment}.ipynb"), 4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    tests = _test_cells(nb)
    assert tests and all(any("\u2713" in o.get("text", "") for o in c.outputs) for c in tests)
    for cell in nb.cells:
        assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.get("outputs", [])), cell.source
