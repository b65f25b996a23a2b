"""The Gradescope bundle, run as Gradescope runs it: unzipped into a folder standing in for /autograder,
``run_autograder`` on a submission, ``results/results.json`` read back."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from autograder.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "assignments" / "examples" / "layers"


def _run_bundle(tmp_path: Path, submission: Path | None) -> dict:
    bundle = tmp_path / "autograder.zip"
    assert main(["gradescope", "layers", "--out", str(bundle)]) == 0
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(bundle) as zipped:
        zipped.extractall(root / "source")
    script = (root / "source" / "run_autograder").read_text().replace("/autograder", str(root))
    (root / "run_autograder").write_text(script)
    if submission is not None:
        shutil.copyfile(submission, root / "submission" / submission.name)
    # setup.sh installs the bundled package; here the same package is already installed.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_scores_a_submission_from_the_bundled_files(tmp_path):
    results = _run_bundle(tmp_path, EXAMPLES / "mistakes.ipynb")
    tests = {t["name"]: t for t in results["tests"]}
    assert results["score"] == 15.5
    assert tests["layers/dense_backward"]["score"] == 6.5 and tests["layers/dense_backward"]["max_score"] == 8
    assert "3 times too small" in tests["layers/dense_backward"]["output"]
    assert tests["layers/network_backward"]["score"] == 0


def test_run_autograder_without_a_notebook_says_so(tmp_path):
    results = _run_bundle(tmp_path, None)
    assert results["score"] == 0 and "No .ipynb or .py file" in results["output"]
