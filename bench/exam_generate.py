"""Time to generate 1,000 exam versions with keys and every output (Markdown, key, Moodle, QTI),
then the per-student PDFs for a sample, extrapolated; ratio against one reference forward/backward."""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from autograder.exam.render_typst import compile_pdf, version_typ
from autograder.exam.versions import DEFAULT_KINDS, default_students, make_versions
from autograder.exam.writer import write_outputs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--pdf-sample", type=int, default=50)
    args = ap.parse_args()
    t0 = time.perf_counter()
    vs = make_versions(0, default_students(args.versions))
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(Path(tmp), vs, 0, DEFAULT_KINDS, "bench", pdf=False)
    t2 = time.perf_counter()
    for v in vs[: args.pdf_sample]:
        compile_pdf(version_typ(v, "bench"))
    t3 = time.perf_counter()
    per_pdf = (t3 - t2) / max(args.pdf_sample, 1)
    print(f"{args.versions} versions x {len(DEFAULT_KINDS)} problems: keys {t1 - t0:.2f} s, "
          f"Markdown+key+Moodle+QTI {t2 - t1:.2f} s, total {t2 - t0:.2f} s")
    print(f"PDF: {per_pdf * 1000:.1f} ms per student (one core); {args.versions} PDFs ~ {per_pdf * args.versions:.1f} s")


if __name__ == "__main__":
    main()
