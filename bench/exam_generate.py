"""Time to generate an exam of 1,000 versions with keys and every output (key.json, Markdown, Moodle,
Canvas QTI, one PDF per student and the solutions PDF), per stage and in total, as
``nncourse exam generate`` runs it.

Two peers, each measured in the same run on its own fresh versions (typst memoises layouts within a
process, so the two sides must not share content), each printed with its ratio:
- the students' PDFs the previous way (every formula in typst math, each network diagram drawn with
  typst shapes), against ours (Unicode text where the math has a plain form, the diagram as a
  one-page PDF image);
- solutions.pdf the previous way (every formula in typst math, drawn diagrams), against ours (worked
  solutions as Unicode text where it has a plain form, diagrams as images); both in pieces of 10.

    python bench/exam_generate.py                 # 1,000 versions, every output
    python bench/exam_generate.py --versions 200 --no-solutions-pdf
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from nncourse.autograder.exam.pdf import chunks, compile_pdf, default_jobs, write_pdfs
from nncourse.autograder.exam.render_typst import solutions_typ, version_typ
from nncourse.autograder.exam.versions import DEFAULT_KINDS, default_students, iter_versions, make_versions
from nncourse.autograder.exam.writer import write_outputs


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def peer_students(n: int, jobs: int, tmp: Path) -> tuple[float, float]:
    """Wall seconds per student PDF: all math and drawn diagrams (before), then ours; fresh versions each."""
    theirs = make_versions(101, [f"peer{i}" for i in range(n)])
    ours = make_versions(202, [f"ours{i}" for i in range(n)])
    compile_pdf(version_typ(make_versions(99, ["warm"])[0], "warm"))  # fonts, the diagram images
    t0 = time.perf_counter()
    write_pdfs([(tmp / f"{v.version_id}.pdf", lambda v=v: version_typ(v, "bench", images=False, plain=False)) for v in theirs], [], None, jobs)
    t1 = time.perf_counter()
    write_pdfs([(tmp / f"{v.version_id}.pdf", lambda v=v: version_typ(v, "bench")) for v in ours], [], None, jobs)
    t2 = time.perf_counter()
    return (t1 - t0) / n, (t2 - t1) / n


def peer_solutions(n: int, jobs: int, tmp: Path) -> tuple[float, float]:
    """Wall seconds per version of solutions.pdf: all math and drawn diagrams (before), then ours."""
    theirs = make_versions(303, [f"peer{i}" for i in range(n)])
    ours = make_versions(404, [f"ours{i}" for i in range(n)])
    t0 = time.perf_counter()
    write_pdfs([], [lambda r=r: solutions_typ(theirs[r.start:r.stop], "bench", images=False, plain=False)
                    for r in chunks(n)], tmp / "s0.pdf", jobs)
    t1 = time.perf_counter()
    write_pdfs([], [lambda r=r: solutions_typ(ours[r.start:r.stop], "bench") for r in chunks(n)], tmp / "s1.pdf", jobs)
    t2 = time.perf_counter()
    return (t1 - t0) / n, (t2 - t1) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="threads compiling PDFs (default: cores + 1)")
    ap.add_argument("--peer-sample", type=int, default=100, help="students in the students' PDF peer comparison (0: skip)")
    ap.add_argument("--solutions-peer", type=int, default=100, help="versions in the solutions.pdf peer comparison (0: skip)")
    ap.add_argument("--no-solutions-pdf", action="store_true")
    ap.add_argument("--no-pdf", action="store_true", help="no PDFs at all (and no peers), as 'exam generate --no-pdf'")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"exam generate: {args.versions} versions x {len(DEFAULT_KINDS)} problems, {args.jobs} PDF threads, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start")
    if args.no_pdf:
        args.peer_sample = args.solutions_peer = 0
    with tempfile.TemporaryDirectory() as tmp:
        stu = peer_students(args.peer_sample, args.jobs, Path(tmp)) if args.peer_sample else None
        sol = peer_solutions(args.solutions_peer, args.jobs, Path(tmp)) if args.solutions_peer else None
        w0, c0 = _clock()
        stages: dict[str, float] = {}
        students = default_students(args.versions)
        write_outputs(Path(tmp) / "exam", iter_versions(0, students), 0, DEFAULT_KINDS, "bench", pdf=not args.no_pdf,
                      jobs=args.jobs, solutions_pdf=not args.no_solutions_pdf, timings=stages, count=len(students))
        w2, c2 = _clock()
        pages = sum(1 for _ in (Path(tmp) / "exam" / "pdf").glob("*.pdf"))
    print(f"  draw versions and keys  {stages['versions']:7.2f} s   (main thread; the PDFs start with the first)")
    for name in ("key.json", "markdown", "moodle", "qti"):
        print(f"  {name:22s}  {stages[name]:7.2f} s   (main thread, while the PDFs compile)")
    if not args.no_pdf:
        what = "students' PDFs" + ("" if args.no_solutions_pdf else " + solutions.pdf")
        print(f"  {what:22s}  {stages['pdf']:7.2f} s   ({pages} files, {args.jobs} threads, from the first version drawn)")
    print(f"  total                   {w2 - w0:7.2f} s wall, {c2 - c0:.1f} s CPU (all threads): "
          f"{(c2 - c0) / (w2 - w0):.2f} cores busy")
    if stu:
        print(f"peer, students' PDFs: all math and drawn diagrams {stu[0] * 1000:.1f} ms/student, Unicode text and images (ours) "
              f"{stu[1] * 1000:.1f} ms/student wall ({args.peer_sample} each): ratio {stu[0] / stu[1]:.2f}x")
    if sol:
        print(f"peer, solutions.pdf: all math and drawn diagrams {sol[0] * 1000:.1f} ms/version, Unicode text and "
              f"images (ours) {sol[1] * 1000:.1f} ms/version wall ({args.solutions_peer} each): ratio {sol[0] / sol[1]:.2f}x")


if __name__ == "__main__":
    main()
