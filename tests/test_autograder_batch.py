"""grade-all (parallel, resumable, one error row per broken notebook), the gradebook, Gradescope output."""
import csv
import json
import zipfile

import pytest

from nncourse.autograder import batch
from nncourse.autograder.cli import main
from nncourse.autograder.gradescope import EXAM_FOR_GRADING
from autograder_corpus import submission
from notebook_variants import write


@pytest.fixture
def submitted(course, tmp_path):
    root = tmp_path / "submitted"
    for student, name in [("ada", "solution"), ("bob", "tests_edited"), ("cy", "invalid"), ("di", "stub")]:
        write(course, name, root / student / "layers" / "layers.ipynb")
    (root / "eve" / "layers").mkdir(parents=True)  # submitted nothing
    return root


def read_csv(path):
    with open(path, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_grade_all_writes_a_column_per_check_and_error_rows(course, submitted, tmp_path):
    out = tmp_path / "out"
    assert main(["grade-all", "layers", str(submitted), "--out", str(out), "--jobs", "2", "--quiet",
                 "--course", str(course.root)]) == 0
    rows = read_csv(out / "grades.csv")
    assert list(rows["ada"])[:9] == ["student", "status", "total", "max", "dense_init", "dense_forward",
                                     "dense_backward", "network_forward", "network_backward"]
    assert float(rows["ada"]["total"]) == 20 and float(rows["di"]["total"]) == 0
    assert float(rows["bob"]["dense_backward"]) == 6 and float(rows["bob"]["dense_init"]) == 2
    assert rows["cy"]["status"] == "error" and "invalid JSON" in rows["cy"]["error"]
    assert rows["eve"]["status"] == "error" and "no notebook" in rows["eve"]["error"]
    assert "summed over the wrong axis" in (out / "feedback" / "bob.txt").read_text()


def test_grade_all_resumes_without_regrading(course, submitted, tmp_path, monkeypatch):
    out = tmp_path / "out"
    batch.grade_all("layers", submitted, out, course, jobs=1, progress=False)
    write(course, "solution", submitted / "di" / "layers" / "layers.ipynb")
    graded = []
    real = batch.grade_file
    monkeypatch.setattr(batch, "grade_file", lambda a, p, c, **k: graded.append(p) or real(a, p, c, **k))
    rows = {r["student"]: r for r in batch.grade_all("layers", submitted, out, course, jobs=1, progress=False)}
    assert [str(p).split("/")[-3] for p in graded] == ["di"]  # only the changed submission
    assert rows["di"]["total"] == 20 and rows["ada"]["total"] == 20


def test_grade_writes_gradescope_results_and_exits_zero(course, tmp_path, capsys):
    out = tmp_path / "results.json"
    assert main(["grade", "layers", str(submission("layers", "dbiases_axis")), "--json", str(out),
                 "--course", str(course.root)]) == 0
    results = json.loads(out.read_text())
    assert results["score"] == 18.0  # d-biases over the wrong axis: 6 of 8 on dense_backward, nothing else
    assert {t["name"] for t in results["tests"]} >= {"layers/dense_backward", "layers/dense_init"}
    test = next(t for t in results["tests"] if t["name"] == "layers/dense_backward")
    assert test["max_score"] == 8 and test["score"] == 6 and "wrong axis" in test["output"]
    assert results["execution_time"] > 0
    assert "dense_backward" in capsys.readouterr().out


def test_gradescope_bundle_holds_what_grading_needs_and_no_solutions(course, tmp_path):
    exam_for_grading = tuple(f"lib/nncourse/autograder/exam/{name}" for name in EXAM_FOR_GRADING)
    out = tmp_path / "autograder.zip"
    assert main(["gradescope", "layers", "--out", str(out), "--course", str(course.root)]) == 0
    with zipfile.ZipFile(out) as bundle:
        names = set(bundle.namelist())
        run = bundle.read("run_autograder").decode()
        mode = bundle.getinfo("run_autograder").external_attr >> 16
        requirements = bundle.read("requirements.txt").decode().split()
        secret = bundle.read("course/.nncourse/secret")
    assert {"setup.sh", "run_autograder", "requirements.txt", "lib/nncourse/autograder/driver.py",
            "lib/nncourse/reference/layers.py", "lib/nncourse/data/worked_examples.json",
            "course/source/layers/layers.ipynb", "course/source/layers/checking.py", "course/nbgrader_config.py"} <= names
    assert secret == course.secret_file.read_bytes()
    assert not [n for n in names if "/authoring/" in n or n.startswith("lib/nncourse/assignments/") and
                n != "lib/nncourse/assignments/checking.py"
                or "/exam/" in n and not n.startswith(("lib/nncourse/autograder/exam/kinds/", *exam_for_grading))
                or "source/gradients" in n], "solutions, the exam generator or other assignments"
    # the exam's problem kinds mark the by-hand examples; its writers stay out
    assert "lib/nncourse/autograder/exam/kinds/neuron.py" in names
    assert not [n for n in names if n.endswith(("writer.py", "render_typst.py", "qti.py", "moodle.py"))]
    assert [r.split("==")[0] for r in requirements] == ["numpy", "pandas", "matplotlib", "tqdm", "pyseccomp"]
    assert "nncourse.autograder.cli grade layers" in run and mode & 0o111
    assert "--gradescope-metadata /autograder/submission_metadata.json" in run  # whose own numbers
