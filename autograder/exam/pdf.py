"""PDFs with typst, in parallel.

Typst lays out 3-6 ms per page, so 1,000 exams (about 10,000 pages with the solutions) are most of an
exam's generation time. typst releases the GIL while it compiles, so worker threads use every core; each
thread keeps its own compiler (one compiler cannot compile twice at once) and all share one font set
loaded once (only the fonts inside the typst wheel, so a machine's own fonts never change the output)
and one root folder for the files the documents include (``asset``: the diagrams). One PDF per
student; the solutions document is compiled in pieces (each version starts on its own page numbered 1)
and the pieces are joined with pikepdf (qpdf: about a quarter of pypdf's time, and it releases the GIL).
"""
from __future__ import annotations

import io
import os
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import typst

_local = threading.local()


@lru_cache(maxsize=1)
def fonts() -> typst.Fonts:
    return typst.Fonts(include_system_fonts=False)


@lru_cache(maxsize=1)
def _assets() -> tempfile.TemporaryDirectory:
    """The compilers' root folder: files the documents include (the diagrams), removed at exit."""
    return tempfile.TemporaryDirectory(prefix="nncourse-typst-")


_assets_lock = threading.Lock()


def asset(name: str, make: Callable[[], bytes]) -> str:
    """The path, for Typst, of the file ``name`` in the compilers' root, written by ``make()`` the
    first time (names must identify their content)."""
    with _assets_lock:
        path = Path(_assets().name) / name
        if not path.exists():
            path.write_bytes(make())
    return f"/{name}"


def compile_pdf(source: str | bytes, tags: bool = True, fmt: str = "pdf") -> bytes:
    """Typst source to PDF (or ``fmt="svg"``) bytes, no TeX, no network. ``tags``: a tagged
    (accessible) PDF."""
    compiler = getattr(_local, "compiler", None)
    if compiler is None:
        compiler = _local.compiler = typst.Compiler(root=_assets().name, font_paths=fonts())
    data = source.encode("utf-8") if isinstance(source, str) else source
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()  # reproducible builds: a fixed creation date
    try:
        if epoch.isdigit():
            return compiler.compile(data, format=fmt, pdf_tags=tags, timestamp=int(epoch))
        return compiler.compile(data, format=fmt, pdf_tags=tags)
    except Exception as err:  # typst raises its own TypstError with the source position
        raise RuntimeError(f"typst could not compile the exam: {err}") from err


def join_pdfs(parts: Sequence[bytes]) -> bytes:
    """One PDF from several, pages in order (the first part's metadata)."""
    if len(parts) == 1:
        return parts[0]
    joined = _Joined()
    for part in parts:
        joined.append(part)
    out = io.BytesIO()
    joined.save(out)
    return out.getvalue()


class _Joined:
    """Pages appended to the first PDF with pikepdf (qpdf). The appended PDFs stay open until ``save``:
    qpdf copies their streams' data only when it writes."""

    def __init__(self) -> None:
        self.pdf = None
        self.sources: list = []

    def append(self, data: bytes) -> None:
        import pikepdf

        part = pikepdf.open(io.BytesIO(data))
        if self.pdf is None:
            self.pdf = part
        else:
            self.sources.append(part)
            self.pdf.pages.extend(part.pages)

    def save(self, target) -> None:
        """Write (a path or a binary file); the /ID from the content, so that the same exam gives the
        same bytes."""
        self.pdf.save(target, deterministic_id=True)
        for pdf in (self.pdf, *self.sources):
            pdf.close()


def default_jobs() -> int:
    """Threads compiling PDFs: one more than the cores. A thread spends part of each document in Python
    (its source, writing the file) while the main thread draws versions and writes the other files;
    the extra one keeps the cores busy meanwhile (2 cores, 1,000 versions, same load: 62.4 s with 3
    threads, 65.6 s with 2)."""
    return (os.cpu_count() or 1) + 1


class PdfJobs:
    """PDFs compiled on worker threads as they are added, so that compiling starts with the first
    version drawn. Solutions pieces are appended to one PDF (pikepdf) in order, as they come in, on a
    thread of their own; ``finish`` writes it and waits for every file."""

    def __init__(self, solutions_path: Path | None, jobs: int | None = None, tags_pieces: bool = False) -> None:
        self.pool = ThreadPoolExecutor(max_workers=max(1, jobs or default_jobs()))
        self.joiner = ThreadPoolExecutor(max_workers=1)
        self.solutions_path = solutions_path
        self.tags_pieces = tags_pieces  # a joined PDF would lose its pieces' tag trees
        self.files: list[Future] = []
        self.appended: list[Future] = []
        self.joined = _Joined()
        self.first = b""

    def student(self, path: Path, make: Callable[[], str]) -> None:
        """Source built by ``make()`` in the worker, compiled to ``path``."""
        self.files.append(self.pool.submit(lambda: path.write_bytes(compile_pdf(make()))))

    def piece(self, make: Callable[[], str]) -> None:
        """The next piece of the solutions document."""
        compiled = self.pool.submit(lambda: compile_pdf(make(), tags=self.tags_pieces))
        self.appended.append(self.joiner.submit(self._append, compiled))

    def _append(self, compiled: Future) -> None:
        data = compiled.result()
        if not self.first:
            self.first = data
        self.joined.append(data)

    def cancel(self) -> None:
        """Stop: queued work is dropped (after an error elsewhere)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.joiner.shutdown(wait=False, cancel_futures=True)

    def finish(self) -> None:
        try:
            for f in self.appended:
                f.result()
            if self.solutions_path is not None and len(self.appended) == 1:
                self.solutions_path.write_bytes(self.first)  # as compiled, with its tags
            elif self.solutions_path is not None and self.appended:
                self.joined.save(self.solutions_path)
            for f in self.files:
                f.result()
        finally:
            self.pool.shutdown(cancel_futures=True)
            self.joiner.shutdown(cancel_futures=True)


PIECE = 10  # versions per piece of solutions.pdf: typst gets slower per page as a document grows
