"""Time to generate an exam of 1,000 versions with keys and every output (key.json, Markdown, Moodle,
Canvas QTI, one PDF per student and the solutions PDF), per stage and in total, as
``nncourse exam generate`` runs it.

Two peers, each measured in the same run on its own fresh versions (typst memoises layouts within a
process, so the two sides must not share content), each printed with its ratio:
- the students' PDFs the previous way, one ``typst.compile`` call per student (each call loads the
  fonts again), two at a time; against ours (one compiler per worker thread, fonts loaded once);
- solutions.pdf the previous way, one typst document for all versions (typst's time per page grows
  with the document); against ours (pieces of 10 versions compiled in parallel, joined with pypdf).

    python bench/exam_generate.py                 # 1,000 versions, every output
    python bench/exam_generate.py --versions 200 --no-solutions-pdf
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import typst

from autograder.exam.pdf import chunks, write_pdfs
from autograder.exam.render_typst import solutions_typ, version_typ
from autograder.exam.versions import DEFAULT_KINDS, default_students, make_versions
from autograder.exam.writer import write_outputs


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def peer_ratio(n: int, jobs: int, tmp: Path) -> tuple[float, float]:
    """Seconds per student PDF: the old way, then ours, on different fresh versions of the same kinds."""
    theirs = make_versions(101, [f"peer{i}" for i in range(n)])
    ours = make_versions(202, [f"ours{i}" for i in range(n)])
    typst.compile(b"warm up")
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda v: typst.compile(version_typ(v, "bench").encode()), theirs))
    t1 = time.perf_counter()
    write_pdfs([(tmp / f"{v.version_id}.pdf", lambda v=v: version_typ(v, "bench")) for v in ours], [], None, jobs)
    t2 = time.perf_counter()
    return (t1 - t0) / n, (t2 - t1) / n


def solutions_peer(n: int, jobs: int, tmp: Path) -> tuple[float, float]:
    """Seconds per version for solutions.pdf: one document (the old way), then ours in pieces."""
    theirs = make_versions(303, [f"peer{i}" for i in range(n)])
    ours = make_versions(404, [f"ours{i}" for i in range(n)])
    t0 = time.perf_counter()
    typst.compile(solutions_typ(theirs, "bench").encode())
    t1 = time.perf_counter()
    write_pdfs([], [lambda r=r: solutions_typ(ours[r.start:r.stop], "bench") for r in chunks(n)], tmp / "s.pdf", jobs)
    t2 = time.perf_counter()
    return (t1 - t0) / n, (t2 - t1) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--peer-sample", type=int, default=60, help="students in the PDF peer comparison")
    ap.add_argument("--solutions-peer", type=int, default=150,
                    help="versions in the solutions.pdf peer comparison (0: skip; the old way grows faster than linearly)")
    ap.add_argument("--no-solutions-pdf", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"exam generate: {args.versions} versions x {len(DEFAULT_KINDS)} problems, {args.jobs} PDF threads, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        theirs, ours = peer_ratio(args.peer_sample, args.jobs, Path(tmp))
        sol = solutions_peer(args.solutions_peer, args.jobs, Path(tmp)) if args.solutions_peer else None
        w0, c0 = _clock()
        vs = make_versions(0, default_students(args.versions))
        w1, c1 = _clock()
        stages: dict[str, float] = {}
        write_outputs(Path(tmp) / "exam", vs, 0, DEFAULT_KINDS, "bench", pdf=True, jobs=args.jobs,
                      solutions_pdf=not args.no_solutions_pdf, timings=stages)
        w2, c2 = _clock()
        pages = sum(1 for _ in (Path(tmp) / "exam" / "pdf").glob("*.pdf"))
    print(f"  draw versions and keys  {w1 - w0:7.2f} s")
    for name in ("key.json", "markdown", "moodle", "qti"):
        print(f"  {name:22s}  {stages[name]:7.2f} s   (main thread, while the PDFs compile)")
    what = "students' PDFs" + ("" if args.no_solutions_pdf else " + solutions.pdf")
    print(f"  {what:22s}  {stages['pdf']:7.2f} s   ({pages} files, {args.jobs} threads)")
    print(f"  total                   {w2 - w0:7.2f} s wall, {c2 - c0:.1f} s CPU (all threads): "
          f"{(c2 - c0) / (w2 - w0):.2f} cores busy")
    print(f"peer, students' PDFs: one typst.compile per student {theirs * 1000:.1f} ms/student, "
          f"ours {ours * 1000:.1f} ms/student wall ({args.peer_sample} each): ratio {theirs / ours:.2f}x")
    if sol:
        print(f"peer, solutions.pdf of {args.solutions_peer} versions: one document {sol[0] * 1000:.0f} ms/version, "
              f"ours in pieces {sol[1] * 1000:.0f} ms/version wall: ratio {sol[0] / sol[1]:.2f}x")


if __name__ == "__main__":
    main()
