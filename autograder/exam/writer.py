"""Writes a whole exam: per-student PDFs and Markdown, solutions, the JSON key, LMS exports."""
from __future__ import annotations

import csv
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import typst

from .diagram import PRELUDE
from .keyfile import key_dict
from .kinds import kind
from .moodle import moodle_xml
from .qti import qti_zip
from .render_markdown import exam_md
from .render_typst import compile_pdf, solutions_typ, version_typ
from .versions import DEFAULT_KINDS, Version, default_students, make_versions


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
               jobs: int | None = None) -> dict[str, Path]:
    """Generate the exam and write every output under ``out_dir``; returns the paths by name."""
    out = Path(out_dir)
    students = list(students) if students else default_students(versions)
    vs = make_versions(seed, students, kinds)
    return write_outputs(out, vs, seed, kinds, title, pdf, jobs)


def write_outputs(out: Path, vs: list[Version], seed: int, kinds: Sequence[str], title: str,
                  pdf: bool = True, jobs: int | None = None) -> dict[str, Path]:
    for sub in ("markdown", "pdf", "diagrams"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    exam_name = _safe(title.lower())
    paths: dict[str, Path] = {}
    paths["key"] = out / "key.json"
    paths["key"].write_text(json.dumps(key_dict(vs, title, seed, kinds), indent=1), encoding="utf-8")
    diagrams = _diagrams(out / "diagrams", vs, pdf)
    for v in vs:
        (out / "markdown" / f"{_safe(v.student)}_{v.version_id}.md").write_text(exam_md(v, title, diagrams=diagrams), encoding="utf-8")
    paths["markdown"] = out / "markdown"
    paths["solutions_md"] = out / "solutions.md"
    paths["solutions_md"].write_text("\n\n---\n\n".join(exam_md(v, title, True, diagrams) for v in vs), encoding="utf-8")
    paths["moodle"] = out / "moodle.xml"
    paths["moodle"].write_text(moodle_xml(vs, exam_name), encoding="utf-8")
    paths["qti"] = out / "canvas_qti.zip"
    paths["qti"].write_bytes(qti_zip(vs, title))
    paths["answers_template"] = out / "answers_template.csv"
    with paths["answers_template"].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "version", *[i.name for p in vs[0].problems for i in p.items]])
        for v in vs:
            w.writerow([v.student, v.version_id])
    if pdf:
        def one(v: Version) -> None:
            (out / "pdf" / f"{_safe(v.student)}_{v.version_id}.pdf").write_bytes(compile_pdf(version_typ(v, title)))
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            list(pool.map(one, vs))
        paths["pdf"] = out / "pdf"
        paths["solutions_pdf"] = out / "solutions.pdf"
        paths["solutions_pdf"].write_bytes(compile_pdf(solutions_typ(vs, title)))
    return paths


def _diagrams(folder: Path, vs: list[Version], svg: bool) -> dict[str, str]:
    """One SVG per diagram shape (they show names, not numbers), linked from the Markdown."""
    links: dict[str, str] = {}
    if not svg:
        return links
    done: dict[str, str] = {}
    for p in vs[0].problems:
        d = kind(p.kind).diagram(p.params)
        if d is None:
            continue
        name = f"{p.kind}.svg"
        src = '#set page(width: auto, height: auto, margin: 3mm)\n' + PRELUDE + d.typst()
        if src not in done:
            (folder / name).write_bytes(typst.compile(src.encode(), format="svg"))
            done[src] = name
        links[p.kind] = f"../diagrams/{done[src]}"
    return links


def write_sample_exam(out_dir: str | Path, seed: int = 0, versions: int = 2) -> dict[str, Path]:
    """A small sample exam with its key, for ``nncourse demo``: PDFs, Markdown, key, Moodle and QTI."""
    return write_exam(out_dir, seed=seed, versions=versions, title="Neural networks: sample exam")
