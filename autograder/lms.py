"""Gradebook files for the LMS, from graded folders: Canvas's gradebook import and Moodle's grade import.

The roster maps nbgrader's student ids to the LMS's: a CSV with the columns ``student`` (the id in
``submitted/<student>/``), ``name``, ``email``, ``sis_id`` (Canvas's SIS User ID, Moodle's ID number),
``login`` (Canvas's SIS Login ID) and ``section``; only ``student`` and, for Moodle, ``email`` are
required. One column per assignment, the score after any late penalty.

- Canvas (Grades → Import): columns ``Student, ID, SIS User ID, SIS Login ID, Section``, then one per
  assignment; a second row "Points Possible" gives each assignment's maximum.
- Moodle (Grades → Import → CSV file): an identifier column (``email``) mapped to "Email address"
  when importing, then one column per assignment, mapped to its grade item.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .batch import csv_cell


@dataclass
class Graded:
    assignment: str
    max_score: float
    scores: dict[str, float]


def read_grades(graded_dir: str | Path) -> Graded:
    """An assignment's scores from its grades.csv (``final`` when the assignment has a deadline)."""
    path = Path(graded_dir) / "grades.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{graded_dir} has no grades.csv: run `nncourse grade-all` into it first")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    from .report import read_results
    assignment, _ = read_results(graded_dir)
    maxima = {float(r["max"]) for r in rows if r.get("max")}
    scores = {r["student"]: float(r.get("final") or r.get("total") or 0) for r in rows}
    return Graded(assignment or Path(graded_dir).name, max(maxima, default=0.0), scores)


def read_roster(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"roster not found: {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]
    if not rows or "student" not in rows[0]:
        raise ValueError(f"{path}: the roster needs a column 'student' (the nbgrader id), and name, email, "
                         f"sis_id, login, section where the LMS needs them")
    return rows


def mismatches(roster: list[dict], graded: list[Graded]) -> list[str]:
    """A line for every student graded but not on the roster, and on the roster but not graded."""
    listed = {r["student"] for r in roster}
    lines = []
    for g in graded:
        lines += [f"{g.assignment}: {s} was graded but is not on the roster; left out of the file"
                  for s in sorted(set(g.scores) - listed)]
        lines += [f"{g.assignment}: {s} is on the roster but has no grade; their cell is left empty"
                  for s in sorted(listed - set(g.scores))]
    return lines


def _score(g: Graded, student: str) -> str:
    return f"{g.scores[student]:g}" if student in g.scores else ""


def canvas_csv(roster: list[dict], graded: list[Graded]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *[g.assignment for g in graded]])
    w.writerow(["Points Possible", "", "", "", "", *[f"{g.max_score:g}" for g in graded]])
    for r in roster:
        w.writerow([csv_cell(r.get("name") or r["student"]), "", csv_cell(r.get("sis_id", "")),
                    csv_cell(r.get("login", "")), csv_cell(r.get("section", "")), *[_score(g, r["student"]) for g in graded]])
    return out.getvalue()


def moodle_csv(roster: list[dict], graded: list[Graded]) -> str:
    missing = [r["student"] for r in roster if not r.get("email")]
    if missing:
        raise ValueError(f"Moodle matches students by email: the roster has none for {', '.join(missing[:10])}")
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["email", *[g.assignment for g in graded]])
    for r in roster:
        w.writerow([csv_cell(r["email"]), *[_score(g, r["student"]) for g in graded]])
    return out.getvalue()


def export(to: str, graded_dirs: list[str | Path], roster_path: str | Path, out: str | Path) -> list[str]:
    """Write the LMS's file; returns the roster mismatches, one line each."""
    graded = [read_grades(d) for d in graded_dirs]
    roster = read_roster(roster_path)
    text = {"canvas": canvas_csv, "moodle": moodle_csv}[to](roster, graded)
    Path(out).write_text(text, encoding="utf-8")
    return mismatches(roster, graded)
