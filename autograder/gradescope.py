"""Build a Gradescope autograder bundle: setup.sh, run_autograder, the grader and the course's part.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once per image, then runs
run_autograder for each submission, which grades /autograder/submission with the sandboxed grader and
writes /autograder/results/results.json. The bundle holds only what grading needs: the package's
grader (with the exam's problem kinds, which mark the by-hand examples, but not its writers) and
reference (not its assignments' solutions), the data, the course's
source notebook, checks and secret, and the libraries grading imports, pinned to the versions
installed here (so that Gradescope computes the same numbers as this machine).
"""
from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

from nncourse.reference.paths import DATA_DIR, PACKAGE_DIR

from .authoring import HELPERS
from .course import CONFIG, Course
from .registry import checks_for

#: What the grader imports (numpy everywhere, pandas for the bike data, matplotlib for plotting
#: notebooks, tqdm for the reference's training loop, pyseccomp for the sandbox's seccomp layer).
GRADING_LIBRARIES = ("numpy", "pandas", "matplotlib", "tqdm", "pyseccomp")

#: The exam generator's part that grading needs: its problem kinds and their marking, which the
#: by-hand examples worked with each student's own numbers use (not its PDF, Moodle or Canvas writers).
EXAM_FOR_GRADING = ("__init__.py", "bounds.py", "mathtext.py", "problem.py", "grading.py", "kinds")

SETUP = """#!/usr/bin/env bash
# Gradescope: install what grading needs, once per autograder image.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3 python3-pip libseccomp2 > /dev/null
python3 -m pip install --quiet -r /autograder/source/requirements.txt
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
cd /autograder/source/course
PYTHONPATH=/autograder/source/lib python3 -m nncourse.autograder.cli grade {assignment} "$submission" \\
  --course /autograder/source/course --json /autograder/results/results.json \\
  --gradescope-metadata /autograder/submission_metadata.json
"""


def _add_tree(bundle: zipfile.ZipFile, path: Path, arcname: str, skip: tuple[str, ...] = (), only: str = "") -> None:
    for item in sorted(path.rglob("*")):
        parts = item.relative_to(path).parts
        if only and parts[0] != only:
            continue
        if item.is_file() and "__pycache__" not in parts and item.suffix != ".pyc" and parts[0] not in skip:
            bundle.write(item, f"{arcname}/{item.relative_to(path)}")


def _executable(bundle: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16
    bundle.writestr(info, text)


def requirements() -> str:
    return "".join(f"{name}=={importlib.metadata.version(name)}\n" for name in GRADING_LIBRARIES)


def build_bundle(assignment: str, out: str | Path, course: Course) -> Path:
    """Write the bundle for ``assignment`` of ``course`` to ``out`` (a .zip) and return its path."""
    checks_for(assignment)  # fails early on an unknown assignment
    source = course.built_source(assignment).parent
    course.secret(create=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        _executable(bundle, "setup.sh", SETUP)
        _executable(bundle, "run_autograder", RUN.format(assignment=assignment))
        bundle.writestr("requirements.txt", requirements())
        _add_tree(bundle, PACKAGE_DIR / "reference", "lib/nncourse/reference")
        _add_tree(bundle, PACKAGE_DIR / "autograder", "lib/nncourse/autograder", skip=("exam",))
        for name in EXAM_FOR_GRADING:
            _add_tree(bundle, PACKAGE_DIR / "autograder" / "exam", "lib/nncourse/autograder/exam",
                      only=name)
        _add_tree(bundle, DATA_DIR, "lib/nncourse/data")
        bundle.write(HELPERS, "lib/nncourse/assignments/checking.py")  # the shared names of mistakes
        bundle.write(course.config, f"course/{CONFIG}")
        bundle.write(course.secret_file, "course/.nncourse/secret")
        _add_tree(bundle, source, f"course/source/{assignment}")
        if course.checks.is_dir():
            _add_tree(bundle, course.checks, "course/checks")
    return out
