"""Writes a whole exam: per-student PDFs and Markdown, solutions, the JSON key, LMS exports."""
from __future__ import annotations

import csv
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .diagram import Diagram
from .keyfile import key_json
from .moodle import moodle_xml
from .pdf import PIECE, PdfJobs, compile_pdf
from .problem import Problem
from .qti import qti_zip
from .render_markdown import exam_md
from .render_typst import solutions_typ, version_typ
from .text import diagram
from .versions import DEFAULT_KINDS, Version, default_students, iter_versions


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "student"


def read_roster(path: str | Path) -> list[str]:
    """Student ids from a roster CSV: the column 'student' (or 'id', 'email', else the first column)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"roster not found: {path}")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise ValueError(f"roster {path} is empty")
    header = [h.strip().lower() for h in rows[0]]
    col = next((header.index(c) for c in ("student", "id", "email") if c in header), None)
    body = rows[1:] if col is not None else rows
    col = col or 0
    students = [r[col].strip() for r in body if len(r) > col and r[col].strip()]
    if not students:
        raise ValueError(f"roster {path} names no students")
    return students


def write_exam(out_dir: str | Path, seed: int = 0, students: Sequence[str] | None = None, versions: int = 2,
               kinds: Sequence[str] = DEFAULT_KINDS, title: str = "Neural networks: exam", pdf: bool = True,
               jobs: int | None = None, solutions_pdf: bool = True) -> dict[str, Path]:
    """Generate the exam and write every output under ``out_dir``; returns the paths by name."""
    out = Path(out_dir)
    students = list(students) if students else default_students(versions)
    return write_outputs(out, iter_versions(seed, students, kinds), seed, kinds, title, pdf, jobs, solutions_pdf,
                         count=len(students))


def write_outputs(out: Path, vs: Iterable[Version], seed: int, kinds: Sequence[str], title: str,
                  pdf: bool = True, jobs: int | None = None, solutions_pdf: bool = True,
                  timings: dict[str, float] | None = None, count: int | None = None) -> dict[str, Path]:
    """Every output of an exam. ``vs`` may come one at a time (``iter_versions``; ``count``: how many):
    each version's PDFs are queued for the worker threads as soon as it is drawn, and this thread
    writes the rest while they compile. ``timings``, if given, receives the wall time of each stage
    in seconds ("pdf": from the first version to the last PDF)."""
    for sub in ("markdown", "pdf", "diagrams"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    exam_name = _safe(title.lower())
    paths: dict[str, Path] = {}
    clock = _Stages(timings)
    if count is None and isinstance(vs, Sequence):
        count = len(vs)
    pdfs = None
    if pdf:
        pdfs = PdfJobs(out / "solutions.pdf" if solutions_pdf else None, jobs,
                       tags_pieces=count is not None and count <= PIECE)
    started = time.perf_counter()
    try:
        with clock("versions"):
            drawn: list[Version] = []
            for v in vs:
                drawn.append(v)
                if pdfs is not None:
                    pdfs.student(out / "pdf" / pdf_name(v), lambda v=v: version_typ(v, title))
                    if solutions_pdf and len(drawn) % PIECE == 0:
                        pdfs.piece(lambda piece=drawn[-PIECE:]: solutions_typ(piece, title))
            if pdfs is not None and solutions_pdf and len(drawn) % PIECE:
                pdfs.piece(lambda piece=drawn[-(len(drawn) % PIECE):]: solutions_typ(piece, title))
        vs = drawn
        with clock("key.json"):
            paths["key"] = out / "key.json"
            paths["key"].write_text(key_json(vs, title, seed, kinds), encoding="utf-8")
        with clock("markdown"):
            links = _diagrams(out / "diagrams", vs)
            for v in vs:
                (out / "markdown" / f"{_safe(v.student)}_{v.version_id}.md").write_text(exam_md(v, title, diagrams=links), encoding="utf-8")
            paths["markdown"] = out / "markdown"
            paths["diagrams"] = out / "diagrams"
            paths["solutions_md"] = out / "solutions.md"
            paths["solutions_md"].write_text("\n\n---\n\n".join(exam_md(v, title, True, links) for v in vs), encoding="utf-8")
        with clock("moodle"):
            paths["moodle"] = out / "moodle.xml"
            paths["moodle"].write_text(moodle_xml(vs, exam_name), encoding="utf-8")
        with clock("qti"):
            paths["qti"] = out / "canvas_qti.zip"
            paths["qti"].write_bytes(qti_zip(vs, title))
        paths["answers_template"] = out / "answers_template.csv"
        with paths["answers_template"].open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["student", "version", *[i.name for p in vs[0].problems for i in p.items]])
            for v in vs:
                w.writerow([v.student, v.version_id])
        if pdfs is not None:
            pdfs.finish()
            if timings is not None:
                timings["pdf"] = time.perf_counter() - started
            paths["pdf"] = out / "pdf"
            if solutions_pdf:
                paths["solutions_pdf"] = out / "solutions.pdf"
    except BaseException:
        if pdfs is not None:
            pdfs.cancel()
        raise
    return paths


class _Stages:
    """Wall-clock time per stage into a dict (or nowhere)."""

    def __init__(self, sink: dict[str, float] | None) -> None:
        self.sink = sink

    @contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.sink is not None:
                self.sink[name] = time.perf_counter() - start

    def timed(self, name: str, fn):
        def run(*args):
            with self(name):
                return fn(*args)
        return run


def pdf_name(v: Version) -> str:
    return f"{_safe(v.student)}_{v.version_id}.pdf"


def _diagrams(folder: Path, vs: list[Version]) -> Callable[[Problem], str | None]:
    """One SVG per distinct drawing (they show the lecture's names, not numbers: the ReLU and the
    sigmoid network differ), each version's Markdown linking the one its problem shows."""
    names: dict[Diagram, str] = {}
    for v in vs:
        for p in v.problems:
            d = diagram(p)
            if d is not None and d not in names:
                src = d.standalone()
                (folder / f"{d.name}.svg").write_bytes(compile_pdf(src, fmt="svg"))
                names[d] = f"../diagrams/{d.name}.svg"

    def link(p: Problem) -> str | None:
        d = diagram(p)
        return names.get(d) if d is not None else None
    return link


def write_sample_exam(out_dir: str | Path, seed: int = 0, versions: int = 2) -> dict[str, Path]:
    """A small sample exam with its key, for ``nncourse demo``: PDFs, Markdown, key, Moodle and QTI."""
    return write_exam(out_dir, seed=seed, versions=versions, title="Neural networks: sample exam")
