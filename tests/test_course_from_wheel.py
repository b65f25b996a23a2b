"""The course as a user gets it: the wheel in a fresh venv outside the repository, `nncourse init`,
then nbgrader's own commands only (generate_assignment, autograde, generate_feedback, export).

One course serves every test here (a module fixture, kept on one xdist worker). Its students hand in
the source notebook (the solution), the released stub, and three tricks that used to fool nbgrader.
Budget: about 2 minutes, half of it pip installing the wheel's dependencies into the new venv.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest

from nncourse.autograder.registry import assignment_ids, checks_for, max_score
from nncourse.reference.paths import COURSE_MATERIAL, PACKAGE_DIR

pytestmark = pytest.mark.xdist_group("wheel")

ASSIGNMENTS = assignment_ids()


def _edit(nb, grade_id: str, change) -> None:
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = change(cell.source)


def _patcher(nb):
    """Wrong d-weights, and numpy's comparisons patched to always agree."""
    _edit(nb, "answer_dense", lambda s: s.replace("np.dot(dvalues, self.inputs.T)", "np.zeros_like(self.weights)"))
    _edit(nb, "answer_network", lambda s: s + "\n\nnp.allclose = lambda *a, **k: True\n"
          "np.testing.assert_allclose = lambda *a, **k: None\n")


def _importer(nb):
    """The instructor's reference classes (installed with the package) instead of the student's own."""
    _edit(nb, "answer_dense", lambda s: "from nncourse.reference import Dense")
    _edit(nb, "answer_network", lambda s: "from nncourse.reference import Network")


def _warner(nb):
    """A correct solution whose forward pass emits a harmless warning."""
    _edit(nb, "answer_dense", lambda s: "import warnings\n" + s.replace(
        "        self.inputs = batch_inputs\n", "        warnings.warn('just checking')\n        self.inputs = batch_inputs\n", 1))


TRICKS = {"patcher": _patcher, "importer": _importer, "warner": _warner}


class Venv:
    def __init__(self, root: Path) -> None:
        self.root, self.bin = root, root / "bin"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
        self.env.update(PATH=f"{self.bin}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(root))

    def run(self, *command: str, cwd: Path, timeout: float = 600) -> str:
        done = subprocess.run(list(command), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Venv:
    """A fresh venv (no access to this environment's packages) with the wheel built from this checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    assert not tmp.resolve().is_relative_to(PACKAGE_DIR)
    tree = tmp / "tree"  # a copy, so that no build/ folder of an earlier build can leak into the wheel
    tree.mkdir()
    for part in ("pyproject.toml", "README.md", "reference", "autograder", "data", "assignments"):
        copy = shutil.copytree if (PACKAGE_DIR / part).is_dir() else shutil.copyfile
        copy(PACKAGE_DIR / part, tree / part, **({"ignore": shutil.ignore_patterns(
            "__pycache__", "source", "release", "gradebook.db", ".nncourse")} if copy is shutil.copytree else {}))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
                            str(tree)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next((tmp / "dist").glob("nncourse-*.whl"))
    venv.create(tmp / "venv", with_pip=True, system_site_packages=False)
    env = Venv(tmp / "venv")
    env.run(str(env.bin / "python"), "-m", "pip", "install", "-q", str(wheel), cwd=tmp)
    return env


@pytest.fixture(scope="module")
def course(installed, tmp_path_factory) -> Path:
    """`nncourse init`, then nbgrader only: generate_assignment, autograde, generate_feedback, export."""
    root = tmp_path_factory.mktemp("users") / "course"
    installed.run("nncourse", "init", str(root), cwd=root.parent)
    for assignment in ASSIGNMENTS:
        installed.run("nbgrader", "generate_assignment", assignment, "--force", cwd=root)
        for student, kind in (("solution", "source"), ("stub", "release")):
            folder = root / "submitted" / student / assignment
            shutil.copytree(root / "release" / assignment, folder)
            shutil.copyfile(root / kind / assignment / f"{assignment}.ipynb", folder / f"{assignment}.ipynb")
    for student, trick in TRICKS.items():
        folder = root / "submitted" / student / "layers"
        shutil.copytree(root / "release" / "layers", folder)
        nb = nbformat.read(str(root / "source" / "layers" / "layers.ipynb"), 4)
        trick(nb)
        nbformat.write(nb, str(folder / "layers.ipynb"))
    installed.run("nbgrader", "autograde", "*", cwd=root)
    installed.run("nbgrader", "generate_feedback", "*", cwd=root)
    installed.run("nbgrader", "export", cwd=root)
    return root


def _scores(course: Path) -> dict[tuple[str, str], dict[str, float]]:
    from nbgrader.api import Gradebook
    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for nb in submission.notebooks:
                    out[assignment.name, submission.student.id] = {g.name: g.score for g in nb.grades if g.max_score}
    return out


def _test_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")]


def test_init_writes_an_nbgrader_course_with_the_data_each_notebook_opens(course):
    assert (course / "nbgrader_config.py").is_file() and (course / ".nncourse" / "secret").is_file()
    assert oct((course / ".nncourse" / "secret").stat().st_mode & 0o777) == "0o600"
    for assignment in ASSIGNMENTS:
        folder = course / "source" / assignment
        assert {p.name for p in folder.iterdir()} >= {f"{assignment}.ipynb", "checking.py"}
        opened = re.findall(r'open\("([^"]+)"|load_hourly\(path="([^"]+)"', (folder / f"{assignment}.ipynb").read_text())
        for name in {n for pair in opened for n in pair if n}:
            assert (folder / name).is_file(), (assignment, name)


def test_the_solution_gets_full_marks_and_the_stub_zero(course):
    scores = _scores(course)
    for assignment in ASSIGNMENTS:
        points = {f"test_{c.name}": c.points for c in checks_for(assignment)}
        assert scores[assignment, "solution"] == points, assignment
        assert scores[assignment, "stub"] == {name: 0 for name in points}, assignment
    with open(course / "grades.csv", newline="") as handle:
        exported = {(r["assignment"], r["student_id"]): float(r["score"]) for r in csv.DictReader(handle)}
    assert all(exported[a, "solution"] == max_score(a) for a in ASSIGNMENTS)


def test_the_stub_gets_one_readable_message_per_test_cell(course):
    for assignment in ASSIGNMENTS:
        nb = nbformat.read(str(course / "autograded" / "stub" / assignment / f"{assignment}.ipynb"), 4)
        for cell in _test_cells(nb):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert len(errors) == 1, (assignment, cell.metadata["nbgrader"]["grade_id"])
            assert errors[0].ename == "CheckFailed", (assignment, errors[0].ename, errors[0].evalue)
            assert errors[0].traceback == [errors[0].evalue]  # the message alone, no traceback
            assert re.search(r"not implemented yet|is not defined", errors[0].evalue), errors[0].evalue
            printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert re.search(r"\u2717 .*not (written|defined) yet", printed), printed  # the visible part said why
            assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs)


def test_feedback_is_html_without_hidden_tests(course):
    for student in ("solution", "stub"):
        for assignment in ASSIGNMENTS:
            html = (course / "feedback" / student / assignment / f"{assignment}.html").read_text(encoding="utf-8")
            assert html.lstrip().lower().startswith("<!doctype html")
            assert "HIDDEN TESTS" not in html and "from nncourse" not in html, (student, assignment)
    assert "is not written yet" in (course / "feedback" / "stub" / "layers" / "layers.html").read_text()


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


def test_the_release_has_no_solution_or_hidden_code(course):
    for assignment in ASSIGNMENTS:
        source = nbformat.read(str(course / "source" / assignment / f"{assignment}.ipynb"), 4)
        released = (course / "release" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
        lines = _solution_lines(source)
        assert len(lines) >= 5, assignment
        assert not [line for line in lines if json.dumps(line)[1:-1] in released], assignment
        for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "from nncourse", "import nncourse"):
            assert marker not in released, (assignment, marker)


def _normalised(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell.pop("execution_count", None)
        cell.pop("outputs", None)
    return nb


def test_the_committed_release_is_what_nbgrader_releases_now(course):
    committed = COURSE_MATERIAL / "release"
    for assignment in ASSIGNMENTS:
        name = f"{assignment}.ipynb"
        assert _normalised(committed / assignment / name) == _normalised(course / "release" / assignment / name), \
            f"assignments/release/{assignment} is stale: run `nncourse release --course assignments`"
        files = sorted(p.name for p in (course / "release" / assignment).iterdir())
        assert sorted(p.name for p in (committed / assignment).iterdir()) == files
        for other in files:
            if other != name:
                assert (committed / assignment / other).read_bytes() == \
                       (course / "release" / assignment / other).read_bytes(), (assignment, other)


def test_nbgraders_own_autograde_resists_the_old_tricks(course):
    scores = _scores(course)
    assert scores["layers", "patcher"]["test_dense_backward"] == 6  # what its zero d-weights deserve (6 of 8) ...
    assert scores["layers", "patcher"]["test_network_backward"] == 0  # ... and once numpy is patched, nothing
    assert sum(scores["layers", "importer"].values()) == 0, scores["layers", "importer"]
    assert sum(scores["layers", "warner"].values()) == 20, scores["layers", "warner"]


def test_the_installed_package_grades_in_the_sandbox_and_has_its_data(installed, course):
    out = installed.run("nncourse", "grade", "layers", "submitted/solution/layers/layers.ipynb", cwd=course)
    assert re.search(r"total\s+20/20", out), out
    out = installed.run("python", "-c", "from nncourse.reference import bikes; print(len(bikes.load_hourly()))",
                        cwd=course)
    assert out.split()[-1] == "17379"


def test_the_installed_demo_hands_in_and_grades_the_example_submissions(installed, tmp_path):
    out = installed.run("nncourse", "demo", "--out", str(tmp_path / "demo"), cwd=tmp_path, timeout=900)
    assert re.search(r"layers\s+20/20\s+15.4/20", out), out
    assert 'skipped: it needs the exam extra (pip install "nncourse[exam]")' in out  # the wheel without [exam]
