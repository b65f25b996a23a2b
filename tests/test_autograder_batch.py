"""grade-all (parallel, resumable, one error row per broken notebook), the gradebook, Gradescope output."""
import csv
import json
import shutil
import zipfile

import pytest

from autograder import batch
from autograder.cli import main
from autograder_corpus import SUBMISSIONS, submission

NOTEBOOKS = SUBMISSIONS / "notebooks"
SOURCE = NOTEBOOKS / "source"


@pytest.fixture
def submitted(tmp_path):
    root = tmp_path / "submitted"
    for student, name in [("ada", "solution"), ("bob", "tests_edited"), ("cy", "invalid"), ("di", "stub")]:
        folder = root / student / "layers"
        folder.mkdir(parents=True)
        shutil.copy(NOTEBOOKS / "layers" / f"{name}.ipynb", folder / "layers.ipynb")
    (root / "eve" / "layers").mkdir(parents=True)  # submitted nothing
    return root


def read_csv(path):
    with open(path, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_grade_all_writes_a_column_per_check_and_error_rows(submitted, tmp_path):
    out = tmp_path / "out"
    assert main(["grade-all", "layers", str(submitted), "--out", str(out), "--jobs", "2", "--quiet",
                 "--source", str(SOURCE)]) == 0
    rows = read_csv(out / "grades.csv")
    assert list(rows["ada"])[:9] == ["student", "status", "total", "max", "dense_init", "dense_forward",
                                     "dense_backward", "network_forward", "network_backward"]
    assert float(rows["ada"]["total"]) == 20 and float(rows["di"]["total"]) == 0
    assert float(rows["bob"]["dense_backward"]) == 6 and float(rows["bob"]["dense_init"]) == 2
    assert rows["cy"]["status"] == "error" and "invalid JSON" in rows["cy"]["error"]
    assert rows["eve"]["status"] == "error" and "no notebook" in rows["eve"]["error"]
    assert "summed over the wrong axis" in (out / "feedback" / "bob.txt").read_text()


def test_grade_all_resumes_without_regrading(submitted, tmp_path, monkeypatch):
    out = tmp_path / "out"
    batch.grade_all("layers", submitted, out, jobs=1, source_dir=SOURCE, progress=False)
    shutil.copy(NOTEBOOKS / "layers" / "solution.ipynb", submitted / "di" / "layers" / "layers.ipynb")
    graded = []
    real = batch.grade_file
    monkeypatch.setattr(batch, "grade_file", lambda a, p, **k: graded.append(p) or real(a, p, **k))
    rows = {r["student"]: r for r in batch.grade_all("layers", submitted, out, jobs=1, source_dir=SOURCE,
                                                      progress=False)}
    assert [str(p).split("/")[-3] for p in graded] == ["di"]  # only the changed submission
    assert rows["di"]["total"] == 20 and rows["ada"]["total"] == 20


def test_gradebook_receives_the_scores(submitted, tmp_path):
    from nbgrader.api import Gradebook
    out, db = tmp_path / "out", tmp_path / "gradebook.db"
    assert main(["grade-all", "layers", str(submitted), "--out", str(out), "--jobs", "1", "--quiet",
                 "--source", str(SOURCE), "--gradebook", str(db)]) == 0
    with Gradebook(f"sqlite:///{db}") as gb:
        assert gb.find_submission("layers", "ada").score == 20
        assert gb.find_grade("test_dense_backward", "layers", "layers", "bob").score == 6
        assert gb.find_submission("layers", "cy").score == 0


def test_grade_writes_gradescope_results_and_exits_zero(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["grade", "layers", str(submission("layers", "dbiases_axis")), "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["score"] == pytest.approx(20 - 2 - 1.23, abs=0.01)
    assert {t["name"] for t in results["tests"]} >= {"layers/dense_backward", "layers/dense_init"}
    test = next(t for t in results["tests"] if t["name"] == "layers/dense_backward")
    assert test["max_score"] == 8 and test["score"] == 6 and "wrong axis" in test["output"]
    assert results["execution_time"] > 0
    assert "dense_backward" in capsys.readouterr().out


def test_gradescope_bundle_has_setup_run_and_the_package(tmp_path):
    out = tmp_path / "autograder.zip"
    assert main(["gradescope", "layers", "--out", str(out), "--source", str(SOURCE)]) == 0
    with zipfile.ZipFile(out) as bundle:
        names = set(bundle.namelist())
        run = bundle.read("run_autograder").decode()
        mode = bundle.getinfo("run_autograder").external_attr >> 16
    assert {"setup.sh", "run_autograder", "nncourse/pyproject.toml", "nncourse/autograder/driver.py",
            "nncourse/reference/layers.py", "nncourse/assignments/source/layers/layers.ipynb"} <= names
    assert "nncourse grade layers" in run and mode & 0o111
