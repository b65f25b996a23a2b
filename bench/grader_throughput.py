"""Throughput of `nncourse grade-all` against `nbgrader autograde` on the same submissions, same run.

    python bench/grader_throughput.py [--n 40] [--assignment layers] [--jobs 2]

Builds a throwaway nbgrader course folder with N copies of the solution notebook (the course's source
notebook when it exists, otherwise the test fixture), grades them both ways, and prints submissions per
second for each and the ratio. Both graders must give every copy full marks.
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

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "submissions" / "notebooks" / "source"


def course(root: Path, assignment: str, n: int) -> Path:
    """An nbgrader course folder: source/, nbgrader_config.py, submitted/<student>/<assignment>/."""
    real = REPO / "assignments" / "source" / assignment / f"{assignment}.ipynb"
    notebook = real if real.is_file() else FIXTURE / assignment / f"{assignment}.ipynb"
    if not real.is_file() and assignment != "layers":
        sys.exit(f"no source notebook for {assignment}; only the layers fixture is available")
    data = REPO / "data"
    source = root / "source" / assignment
    source.mkdir(parents=True)
    shutil.copy(notebook, source / notebook.name)
    extras = [data / "worked_examples.json"] + ([data / "hour.csv"] if assignment == "bike_sharing" else [])
    for extra in extras:
        shutil.copy(extra, source / extra.name)
    config = REPO / "assignments" / "nbgrader_config.py"
    if config.is_file():
        shutil.copy(config, root / "nbgrader_config.py")
    else:
        (root / "nbgrader_config.py").write_text('c = get_config()\nc.Execute.timeout = 300\n'
                                                 'c.Execute.kernel_name = "python3"\n')
    for i in range(n):
        folder = root / "submitted" / f"student{i:03d}" / assignment
        folder.mkdir(parents=True)
        for item in source.iterdir():
            shutil.copy(item, folder / item.name)
    return source


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
        root = Path(tmp)
        source = course(root, args.assignment, args.n)
        nbgrader = [sys.executable, "-m", "nbgrader"]
        run(nbgrader + ["generate_assignment", args.assignment, "--force"], root)
        ours = run([sys.executable, "-m", "autograder.cli", "grade-all", args.assignment, str(root / "submitted"),
                    "--out", str(root / "ours"), "--jobs", str(args.jobs), "--quiet",
                    "--source", str(source.parent)], root)
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
