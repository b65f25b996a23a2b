"""Throughput of `nncourse grade-all` against `nbgrader autograde` on the same submissions, same run.

    python bench/grader_throughput.py [--n 40] [--assignment layers] [--jobs 2]
    python bench/grader_throughput.py --shards 2 [--n 120] [--jobs 2] [--rounds 3]

Makes a throwaway course folder (`nncourse init`) with N copies of the solution notebook (the source
notebook, as a student would hand it in), grades them both ways, and prints submissions per second for
each and the ratio. Both graders must give every copy full marks.

``--shards S`` compares instead one `grade-all --jobs J` with S shards (`grade-all --shard K/S`) run
at the same time, each with J/S workers (the same CPUs in all; at least 1 each), followed by
`nncourse merge`: the shards' throughput counts from the first shard's start to the merge's end. Each
round grades both ways from scratch, alternating which goes first (the machine is shared and noisy);
the merged grades.csv must be byte for byte the one run's.
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


def sharded(root: Path, assignment: str, shards: int, jobs: int, out: Path) -> float:
    """Every shard at once (as a cluster runs them), then the merge; seconds from start to merge."""
    cli = [sys.executable, "-m", "nncourse.autograder.cli"]
    started = time.perf_counter()
    running = [subprocess.Popen(cli + ["grade-all", assignment, "--shard", f"{k}/{shards}", "--jobs",
                                       str(max(1, jobs // shards)), "--out", str(out / f"shard-{k}"), "--quiet"],
                                cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for k in range(shards)]
    for process in running:
        _, err = process.communicate()
        if process.returncode != 0:
            sys.exit(f"a shard failed:\n{err[-3000:]}")
    run(cli + ["merge", *(str(out / f"shard-{k}") for k in range(shards)), "--out", str(out / "merged")], root)
    return time.perf_counter() - started


def shards_main(args) -> None:
    import statistics
    cli = [sys.executable, "-m", "nncourse.autograder.cli"]
    one_times, shard_times = [], []
    with tempfile.TemporaryDirectory(prefix="nncourse-bench-") as tmp:
        root = Path(tmp) / "course"
        root.mkdir()
        course(root, args.assignment, args.n)
        for round_ in range(args.rounds):
            for order in ((0, 1) if round_ % 2 == 0 else (1, 0)):
                out = Path(tmp) / f"round{round_}-{order}"
                if order == 0:
                    one_times.append(run(cli + ["grade-all", args.assignment, "--out", str(out), "--jobs",
                                                str(args.jobs), "--quiet"], root))
                    one = (out / "grades.csv").read_bytes()
                else:
                    shard_times.append(sharded(root, args.assignment, args.shards, args.jobs, out))
                    merged = (out / "merged" / "grades.csv").read_bytes()
            if merged != one:
                sys.exit("the merged grades.csv differs from the one run's")
            print(f"round {round_ + 1}: one run {one_times[-1]:6.2f} s, {args.shards} shards + merge "
                  f"{shard_times[-1]:6.2f} s", flush=True)
        totals = {line.split(",")[2] for line in one.decode().splitlines()[1:]}
    from nncourse.autograder.shards import shard_of
    split = [sum(shard_of(f"student{i:03d}", args.shards) == k for i in range(args.n)) for k in range(args.shards)]
    balance = args.n / args.shards / max(split)  # the stable hash's split: the biggest shard sets the pace
    a, b = statistics.median(one_times), statistics.median(shard_times)
    print(f"{args.n} submissions of {args.assignment} (all graded {sorted(totals)}; merged grades.csv "
          f"identical to the one run's), medians of {args.rounds} rounds:")
    print(f"the hash put {'/'.join(map(str, split))} students in the shards: {balance:.3f} of a perfect split")
    print(f"one grade-all --jobs {args.jobs}:           {a:7.2f} s  {args.n / a:7.2f} submissions/s")
    print(f"{args.shards} shards at once ({max(1, args.jobs // args.shards)} job(s) each) + merge: "
          f"{b:7.2f} s  {args.n / b:7.2f} submissions/s")
    print(f"sharded throughput / one run's: {a / b:.3f} ({a / b / balance:.3f} of what this split allows, "
          f"i.e. the cost of the shards' starts, manifests and the merge)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    parser.add_argument("--assignment", default="layers")
    parser.add_argument("--jobs", type=int, default=2, help="grade-all workers (default 2)")
    parser.add_argument("--shards", type=int, default=0,
                        help="compare S shards run at once + merge with one run (instead of nbgrader)")
    parser.add_argument("--rounds", type=int, default=3, help="--shards: rounds of both (default 3)")
    args = parser.parse_args()
    if args.shards:
        shards_main(args)
        return
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
