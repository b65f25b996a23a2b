"""Throughput of `nncourse grade-all` against `nbgrader autograde` on the same submissions, same run.

    python bench/grader_throughput.py [--n 40] [--assignment layers] [--jobs 2]

Makes a throwaway course folder (`nncourse init`) with N copies of the solution notebook (the source
notebook, as a student would hand it in), grades them both ways, and prints submissions per second for
each and the ratio. Both graders must give every copy full marks.
"""
from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

def course(root: Path, assignment: str, n: int) -> None:
    """A course folder with submitted/<student>/<assignment>/ (the notebook and the files beside it)."""
    run([sys.executable, "-m", "nncourse.autograder.cli", "init", str(root)], root.parent)
    source = root / "source" / assignment
    for i in range(n):
        shutil.copytree(source, root / "submitted" / f"student{i:03d}" / assignment)


def run(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    parser.add_argument("--assignment", default="layers")
    parser.add_argument("--jobs", type=int, default=2, help="grade-all workers (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-") as tmp:
        root = Path(tmp) / "course"
        root.mkdir()
        course(root, args.assignment, args.n)
        nbgrader = [sys.executable, "-m", "nbgrader"]
        run(nbgrader + ["generate_assignment", args.assignment, "--force"], root)
        ours = run([sys.executable, "-m", "nncourse.autograder.cli", "grade-all", args.assignment,
                    "--out", str(root / "ours"), "--jobs", str(args.jobs), "--quiet"], root)
        theirs = run(nbgrader + ["autograde", args.assignment, "--force"], root)
        with open(root / "ours" / "grades.csv", newline="") as handle:
            totals = {row["total"] for row in csv.DictReader(handle)}
        autograded = list((root / "autograded").glob(f"*/{args.assignment}/*.ipynb"))
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            nbgrader_totals = {s.score for s in gb.assignment_submissions(args.assignment)}
    print(f"{args.n} submissions of {args.assignment} (all graded {sorted(totals)} by nncourse; "
          f"{len(autograded)} autograded by nbgrader, scores {sorted(nbgrader_totals)})")
    print(f"nncourse grade-all --jobs {args.jobs}: {ours:7.2f} s  {args.n / ours:7.2f} submissions/s")
    print(f"nbgrader autograde:            {theirs:7.2f} s  {args.n / theirs:7.2f} submissions/s")
    print(f"ratio: {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
