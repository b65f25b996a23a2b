"""Time to generate an exam of 1,000 versions with every output (key.json, Markdown, Moodle, Canvas QTI,
one PDF per student and the solutions PDF), per stage and in total, as ``nncourse exam generate``
runs it, against the budget an instructor can live with (60 s on two cores), in the same run as
``--no-pdf`` (the keys and LMS files alone) for scale.

    python bench/exam_generate.py                 # 1,000 versions, every output
    python bench/exam_generate.py --versions 200 --no-solutions-pdf

Notes (2-core shared machine; runs vary by 10-20 % from one minute to the next):
- 2026-12-02, after the exam code was simplified (every formula set as typst math, no Unicode
  re-typesetting, Canvas QTI written directly): 61-66 s with the answer boxes laid out in every exam
  (idle to load 1.3), 52.6 s with each kind's boxes laid out once and placed as an image (load 1.5);
  --no-pdf 13.7 s. Before the simplification, with more speed tricks, 27-36 s.
- PDF threads: cores + 1 (3 here) against cores: 62.4 s against 65.6 s, same load.
- typst lays out 3-6 ms per page and is most of the time; it releases the GIL, so the PDFs compile on
  cores + 1 threads while the main thread draws versions and writes the other files.
- One typst document gets slower per page as it grows (300 versions in one document took 313 ms per
  version), so solutions.pdf is compiled in pieces of 10 versions and joined with pikepdf.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from nncourse.autograder.exam.pdf import default_jobs
from nncourse.autograder.exam.versions import DEFAULT_KINDS, default_students, iter_versions
from nncourse.autograder.exam.writer import write_outputs

BUDGET_S = 60.0


def run(n: int, tmp: Path, pdf: bool, solutions_pdf: bool, jobs: int) -> tuple[float, float, dict]:
    stages: dict[str, float] = {}
    w0, c0 = time.perf_counter(), time.process_time()
    write_outputs(tmp, iter_versions(0, default_students(n)), 0, DEFAULT_KINDS, "bench", pdf=pdf, jobs=jobs,
                  solutions_pdf=solutions_pdf, timings=stages, count=n)
    return time.perf_counter() - w0, time.process_time() - c0, stages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="threads compiling PDFs (default: cores + 1)")
    ap.add_argument("--no-solutions-pdf", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"exam generate: {args.versions} versions x {len(DEFAULT_KINDS)} problems, {args.jobs} PDF threads, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        nopdf, _, _ = run(args.versions, Path(tmp) / "nopdf", False, False, args.jobs)
        wall, cpu, stages = run(args.versions, Path(tmp) / "exam", True, not args.no_solutions_pdf, args.jobs)
    print(f"  draw versions and keys  {stages['versions']:7.2f} s   (main thread; the PDFs start with the first)")
    for name in ("key.json", "markdown", "moodle", "qti"):
        print(f"  {name:22s}  {stages[name]:7.2f} s   (main thread, while the PDFs compile)")
    print(f"  PDFs                    {stages['pdf']:7.2f} s   (from the first version drawn)")
    print(f"  total                   {wall:7.2f} s wall, {cpu:.1f} s CPU: {cpu / wall:.2f} cores busy")
    print(f"  --no-pdf, same run      {nopdf:7.2f} s wall: the PDFs are {wall / nopdf:.1f}x the keys and LMS files")
    print(f"  budget {BUDGET_S:.0f} s: {wall / BUDGET_S:.2f} of it used")


if __name__ == "__main__":
    main()
