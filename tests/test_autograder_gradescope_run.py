"""The Gradescope bundle, run as Gradescope runs it: unzipped into a folder standing in for /autograder,
setup.sh's one pip line into a fresh venv (only what grading needs, no nncourse installed),
``run_autograder`` on a submission, ``results/results.json`` read back."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

from nncourse.autograder.authoring import as_submitted, example_answers
from nncourse.autograder.cli import main

pytestmark = pytest.mark.xdist_group("gradescope")


@pytest.fixture(scope="module")
def bundle(course, tmp_path_factory) -> Path:
    """/autograder/source as Gradescope has it after setup.sh: the bundle unzipped, its requirements installed."""
    root = tmp_path_factory.mktemp("gradescope") / "autograder"
    zipped = root.parent / "autograder.zip"
    assert main(["gradescope", "layers", "--out", str(zipped), "--course", str(course.root)]) == 0
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(root / "source")
    setup = (root / "source" / "setup.sh").read_text()
    pip_line = next(line for line in setup.splitlines() if "pip install" in line and "-r" in line)
    venv.create(root / "python", with_pip=True)
    python = root / "python" / "bin" / "python3"
    command = pip_line.replace("/autograder", str(root)).replace("python3 -m", f"{python} -m").split()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def _run(bundle: Path, tmp_path: Path, submission: Path | None, **env) -> dict:
    root = tmp_path / "run"
    shutil.copytree(bundle, root, symlinks=True)
    (root / "submission").mkdir()
    if submission is not None:
        shutil.copyfile(submission, root / "submission" / submission.name)
    script = (root / "source" / "run_autograder").read_text().replace("/autograder", str(root))
    (root / "run_autograder").write_text(script)
    path = f"{root / 'python' / 'bin'}{os.pathsep}/usr/bin:/bin"
    done = subprocess.run(["bash", str(root / "run_autograder")], capture_output=True, text=True, timeout=300,
                          env={"PATH": path, "HOME": str(tmp_path), "LANG": "C.UTF-8", **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def _mistakes(course, tmp_path: Path) -> Path:
    source = nbformat.read(str(course.source_notebook("layers")), 4)
    path = tmp_path / "layers.ipynb"
    nbformat.write(as_submitted(source, example_answers("layers", source)), str(path))
    return path


def test_run_autograder_scores_a_submission_with_only_the_bundle_installed(bundle, course, tmp_path):
    results = _run(bundle, tmp_path, _mistakes(course, tmp_path))
    tests = {t["name"]: t for t in results["tests"]}
    assert results["score"] == 15.4
    assert tests["layers/dense_backward"]["score"] == 6.4 and tests["layers/dense_backward"]["max_score"] == 8
    assert "3 times too small" in tests["layers/dense_backward"]["output"]
    assert tests["layers/network_backward"]["score"] == 0


def test_run_autograder_in_a_container_without_kernel_layers_gives_the_same_score(bundle, course, tmp_path):
    results = _run(bundle, tmp_path, _mistakes(course, tmp_path), NNCOURSE_SANDBOX_ISOLATION="off")
    assert results["score"] == 15.4
    layers = results["extra_data"]["isolation"]
    assert layers["network namespace"].startswith("off") and layers["seccomp filter"] == "on"
    assert layers["audit hook"] == "on"


def test_run_autograder_without_a_notebook_says_so(bundle, tmp_path):
    results = _run(bundle, tmp_path, None)
    assert results["score"] == 0 and "No .ipynb or .py file" in results["output"]


@pytest.mark.parametrize("name", ["forge_deadline", "folder_descriptor", "signal_the_grader"])
def test_run_autograder_in_a_container_holds_against_attacks(bundle, tmp_path, name):
    from integrity_corpus import attack
    results = _run(bundle, tmp_path, attack(name, tmp_path / "hostile"), NNCOURSE_SANDBOX_ISOLATION="off")
    assert results["score"] == 0 and len(results["tests"]) == 5
    words = {"forge_deadline": "interfered with the grader", "folder_descriptor": "opening the folder",
             "signal_the_grader": "PermissionError"}[name]
    assert words in json.dumps(results)
