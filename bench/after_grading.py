"""Time of the after-grading commands on a class of 300: ``nncourse report`` (from 300 result files)
and ``nncourse similarity`` (all 44,850 pairs of 300 notebooks), against a budget of 60 s for both on
two cores.

The class is made from the layers notebook's solution with its answer cells varied per student
(identifiers renamed, a line reordered, one of the corpus's typical mistakes), and its results from
grade-all on a sample of 20 of them, copied to 300 students with the student's name in each file
(the report reads only those files: grading itself is measured by bench/grader_throughput.py).

    python bench/after_grading.py [--students 300]

Measured 2026-12-02 on the project's 2-core machine: see the printed line (docs/grader.md quotes it).
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import make_course  # noqa: E402
from notebook_variants import write  # noqa: E402

from nncourse.autograder.batch import grade_all  # noqa: E402
from nncourse.autograder.report import write_report  # noqa: E402
from nncourse.autograder.similarity import write_similarity  # noqa: E402

BUDGET_S = 60.0
NAMES = ["dvalues", "batch_inputs", "layer", "batch_data"]


def make_class(course, root: Path, n: int) -> Path:
    submitted = root / "submitted"
    original = write(course, "solution", root / "solution.ipynb")
    rng = random.Random(0)
    for k in range(n):
        nb = nbformat.read(str(original), as_version=4)
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                for name in rng.sample(NAMES, 2):
                    cell.source = cell.source.replace(name, f"{name[:3]}{k}")
                cell.source = f"# student {k}\n" + cell.source
        folder = submitted / f"s{k:03d}" / "layers"
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / "layers.ipynb"))
    return submitted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        course = make_course(root / "course")
        submitted = make_class(course, root, args.students)
        sample = root / "sample"
        for student in sorted(p.name for p in submitted.iterdir())[:20]:
            shutil.copytree(submitted / student, sample / student)
        graded = root / "graded"
        grade_all("layers", sample, graded, course, jobs=2, progress=False)
        results = sorted((graded / "results").glob("*.json"))
        for k in range(args.students):  # 300 result files, each a sampled student's report under a new name
            saved = json.loads(results[k % len(results)].read_text())
            saved["student"] = f"s{k:03d}"
            (graded / "results" / f"s{k:03d}.json").write_text(json.dumps(saved))
        t0 = time.perf_counter()
        write_report(graded)
        t1 = time.perf_counter()
        _, pairs, _ = write_similarity("layers", submitted, graded, course)
        t2 = time.perf_counter()
    total = t2 - t0
    print(f"{args.students} students: report {t1 - t0:.1f} s, similarity {t2 - t1:.1f} s ({len(pairs)} pairs); "
          f"together {total:.1f} s = {total / BUDGET_S:.2f} of the {BUDGET_S:.0f} s budget")


if __name__ == "__main__":
    main()
