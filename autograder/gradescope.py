"""Build a Gradescope autograder bundle: setup.sh, run_autograder and the package itself.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once per image, then runs
run_autograder for each submission, which grades /autograder/submission with the sandboxed grader and
writes /autograder/results/results.json.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from .registry import checks_for
from .submission import REPO, source_notebook

SETUP = """#!/usr/bin/env bash
# Gradescope: install the course package (and its dependencies) once per autograder image.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3 python3-pip > /dev/null
python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet /autograder/source/nncourse
"""

RUN = """#!/usr/bin/env bash
# Gradescope: grade one submission with nncourse's sandboxed grader.
set -uo pipefail
mkdir -p /autograder/results
submission=$(ls /autograder/submission/*.ipynb /autograder/submission/*.py 2>/dev/null | head -n 1)
if [ -z "$submission" ]; then
  echo '{{"score": 0, "output": "No .ipynb or .py file was submitted.", "tests": []}}' \\
    > /autograder/results/results.json
  exit 0
fi
export NNCOURSE_SOURCE_DIR=/autograder/source/nncourse/assignments/source
export NNCOURSE_DATA=/autograder/source/nncourse/data
nncourse grade {assignment} "$submission" --json /autograder/results/results.json
"""

PACKAGE_PARTS = ("pyproject.toml", "README.md", "reference", "autograder", "data")


def _add_tree(bundle: zipfile.ZipFile, path: Path, arcname: str) -> None:
    if path.is_file():
        bundle.write(path, arcname)
        return
    for item in sorted(path.rglob("*")):
        if item.is_file() and "__pycache__" not in item.parts and item.suffix != ".pyc":
            bundle.write(item, f"{arcname}/{item.relative_to(path)}")


def _executable(bundle: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16
    bundle.writestr(info, text)


def build_bundle(assignment: str, out: str | Path, source_dir: str | Path | None = None) -> Path:
    """Write the bundle for ``assignment`` to ``out`` (a .zip) and return its path."""
    checks_for(assignment)  # fails early on an unknown assignment
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        _executable(bundle, "setup.sh", SETUP)
        _executable(bundle, "run_autograder", RUN.format(assignment=assignment))
        for part in PACKAGE_PARTS:
            if (REPO / part).exists():
                _add_tree(bundle, REPO / part, f"nncourse/{part}")
        notebook = source_notebook(assignment, source_dir)
        if notebook.is_file():
            bundle.write(notebook, f"nncourse/assignments/source/{assignment}/{assignment}.ipynb")
    return out
