"""Grade a folder of submissions in nbgrader's layout, in parallel and resumably.

``submitted/<student>/<assignment>/*.ipynb`` -> ``OUT/grades.csv`` (a column per check),
``OUT/feedback/<student>.txt`` and ``OUT/results/<student>.json``. A student whose result file
matches the submission's hash is not graded again, so an interrupted run can simply be restarted.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm.auto import tqdm

from . import sandbox
from .course import Course
from .driver import inert
from .grading import grade_file, table
from .registry import case_seed, checks_for, max_score

GRADER_VERSION = "1"


def find_submissions(submitted_dir: str | Path, assignment: str) -> list[tuple[str, Path | None, str]]:
    """(student, file or None, problem) for every student folder. Links are never followed: a student
    folder, assignment folder or notebook that is a link (to the instructor's source notebook, to
    another student's work) is not the student's own work, and its row says so."""
    root = Path(submitted_dir)
    found = []
    for student_dir in sorted(root.iterdir()):
        student = student_dir.name
        if student_dir.is_symlink():
            found.append((student, None, f"the folder {student} is a link to another folder; it was not graded"))
            continue
        if not student_dir.is_dir():
            continue
        folder = student_dir / assignment
        if folder.is_symlink():
            found.append((student, None, f"{student}/{assignment} is a link to another folder; it was not graded"))
            continue
        files = sorted(folder.glob("*.ipynb")) or sorted(folder.glob("*.py")) if folder.is_dir() else []
        preferred = [f for f in files if f.stem == assignment]
        chosen = (preferred or files)[0] if preferred or len(files) == 1 else None
        if chosen is not None and (chosen.is_symlink() or not chosen.resolve().is_relative_to(folder.resolve())):
            found.append((student, None, f"{student}/{assignment}/{chosen.name} is a link to another file; "
                                         f"it was not graded"))
        elif chosen is not None:
            found.append((student, chosen, ""))
        elif not files:
            found.append((student, None, f"no notebook in {student}/{assignment}"))
        else:
            found.append((student, None, f"several notebooks in {student}/{assignment} and none named "
                                         f"{assignment}.ipynb"))
    return found


def fingerprint(path: Path | None, assignment: str, course: Course) -> str:
    """What a result depends on: the grader, the course's seed, the submission and the source notebook."""
    digest = hashlib.sha256(f"{GRADER_VERSION}/{case_seed()}/{assignment}".encode())
    for p in (path, course.source_notebook(assignment)):
        if p is not None and p.is_file() and not p.is_symlink():
            digest.update(p.read_bytes())
    return digest.hexdigest()


def _row(student: str, assignment: str, report: dict) -> dict:
    """The student's grades.csv row, with every column whatever the report holds."""
    row = {"student": student, "status": "error" if report.get("error") else "graded",
           "total": report.get("score", 0.0), "max": max_score(assignment), "error": report.get("error") or ""}
    scores = {r.get("name"): r.get("score") for r in report.get("results", []) if isinstance(r, dict)}
    for check in checks_for(assignment):
        row[check.name] = scores.get(check.name, 0.0)
    return row


def _failed_report(assignment: str, why: str) -> dict:
    return {"assignment": assignment, "submission": "", "error": why, "score": 0.0,
            "max_score": max_score(assignment), "results": []}


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a killed run leaves no half-written file


def _grade_student(student: str, path: str | None, problem: str, assignment: str, out: str,
                   course_root: str, digest: str, limits=None) -> dict:
    """Grade one student and write their files (runs in a worker process)."""
    course = Course(Path(course_root)).activate()
    if path is None:
        report, text = _failed_report(assignment, problem), f"{assignment}: {inert(student)}\n  ERROR: {inert(problem)}"
    else:
        graded = grade_file(assignment, path, course, limits=limits)
        report, text = graded.to_dict(), table(graded)
    out_dir = Path(out)
    _write_atomically(out_dir / "feedback" / f"{student}.txt", text + "\n")
    _write_atomically(out_dir / "results" / f"{student}.json",
                      json.dumps({"hash": digest, "student": student, "report": report}))
    return _row(student, assignment, report)


def grade_all(assignment: str, submitted_dir: str | Path, out: str | Path, course: Course, *, jobs: int = 2,
              progress: bool = True, limits=None) -> list[dict]:
    """Grade every student (skipping those already graded) and write grades.csv; returns the rows.
    ``limits``: the sandbox's, instead of the assignment's declared ones."""
    course.activate().built_source(assignment)  # a missing source notebook stops the batch before it starts
    out = Path(out)
    for sub in ("feedback", "results"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    todo, rows = [], {}
    for student, path, problem in find_submissions(submitted_dir, assignment):
        digest = fingerprint(path, assignment, course)
        done = out / "results" / f"{student}.json"
        if done.is_file():
            try:
                saved = json.loads(done.read_text(encoding="utf-8"))
                if saved.get("hash") == digest:
                    rows[student] = _row(student, assignment, saved["report"])
                    continue
            except (ValueError, KeyError, TypeError):
                pass
        todo.append((student, str(path) if path else None, problem, assignment, str(out), str(course.root), digest,
                     limits))
    def failed(student: str, err: BaseException) -> dict:  # one broken submission never stops the batch
        return _row(student, assignment, _failed_report(
            assignment, f"the grader failed on this submission ({type(err).__name__}); tell the instructor"))

    bar = tqdm(total=len(todo), desc=f"grading {assignment}", unit="sub", disable=not progress)
    if jobs <= 1:
        for args in todo:
            try:
                rows[args[0]] = _grade_student(*args)
            except Exception as err:  # noqa: BLE001
                rows[args[0]] = failed(args[0], err)
            bar.update()
    else:
        if todo:
            sandbox.isolation_status()  # probe the machine once here: forked workers inherit the result
            sandbox.seccomp_status()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_grade_student, *args): args[0] for args in todo}
            for future in as_completed(futures):
                try:
                    rows[futures[future]] = future.result()
                except Exception as err:  # noqa: BLE001
                    rows[futures[future]] = failed(futures[future], err)
                bar.update()
    bar.close()
    ordered = [rows[s] for s in sorted(rows)]
    write_csv(out / "grades.csv", assignment, ordered)
    return ordered


def csv_cell(value):
    """A value as a spreadsheet shows it safely: text made inert, and text that a spreadsheet would run
    as a formula (=, +, -, @, tab, CR first) prefixed with an apostrophe (OWASP's advice)."""
    if not isinstance(value, str):
        return value
    value = inert(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(path: Path, assignment: str, rows: list[dict]) -> None:
    names = [c.name for c in checks_for(assignment)]
    columns = ["student", "status", "total", "max", *names, "error"]
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(row.get(column, "")) for column in columns])
    os.replace(tmp, path)
