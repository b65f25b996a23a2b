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
from .grading import grade_file, table
from .registry import case_seed, checks_for, max_score

GRADER_VERSION = "1"


def find_submissions(submitted_dir: str | Path, assignment: str) -> list[tuple[str, Path | None, str]]:
    """(student, file or None, problem) for every student folder."""
    found = []
    for student_dir in sorted(p for p in Path(submitted_dir).iterdir() if p.is_dir()):
        folder = student_dir / assignment
        files = sorted(folder.glob("*.ipynb")) or sorted(folder.glob("*.py")) if folder.is_dir() else []
        preferred = [f for f in files if f.stem == assignment]
        if preferred or len(files) == 1:
            found.append((student_dir.name, (preferred or files)[0], ""))
        elif not files:
            found.append((student_dir.name, None, f"no notebook in {folder}"))
        else:
            found.append((student_dir.name, None, f"several notebooks in {folder} and none named {assignment}.ipynb"))
    return found


def fingerprint(path: Path | None, assignment: str, course: Course) -> str:
    """What a result depends on: the grader, the course's seed, the submission and the source notebook."""
    digest = hashlib.sha256(f"{GRADER_VERSION}/{case_seed()}/{assignment}".encode())
    for p in (path, course.source_notebook(assignment)):
        if p is not None and p.is_file():
            digest.update(p.read_bytes())
    return digest.hexdigest()


def _row(student: str, report: dict) -> dict:
    row = {"student": student, "status": "error" if report.get("error") else "graded",
           "total": report.get("score", 0.0), "max": report.get("max_score", 0.0),
           "error": report.get("error") or ""}
    for result in report.get("results", []):
        row[result["name"]] = result["score"]
    return row


def _grade_student(student: str, path: str | None, problem: str, assignment: str, out: str,
                   course_root: str, digest: str) -> dict:
    """Grade one student and write their files (runs in a worker process)."""
    course = Course(Path(course_root)).activate()
    if path is None:
        report = {"assignment": assignment, "submission": "", "error": problem, "score": 0.0,
                  "max_score": max_score(assignment), "results": []}
        text = f"{assignment}: {student}\n  ERROR: {problem}"
    else:
        graded = grade_file(assignment, path, course)
        report, text = graded.to_dict(), table(graded)
    out_dir = Path(out)
    (out_dir / "feedback" / f"{student}.txt").write_text(text + "\n", encoding="utf-8")
    tmp = out_dir / "results" / f".{student}.json.tmp"
    tmp.write_text(json.dumps({"hash": digest, "student": student, "report": report}), encoding="utf-8")
    os.replace(tmp, out_dir / "results" / f"{student}.json")  # atomic: a killed run leaves no half file
    return _row(student, report)


def grade_all(assignment: str, submitted_dir: str | Path, out: str | Path, course: Course, *, jobs: int = 2,
              progress: bool = True) -> list[dict]:
    """Grade every student (skipping those already graded) and write grades.csv; returns the rows."""
    course.built_source(assignment)  # a missing source notebook stops the batch before it starts
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
                    rows[student] = _row(student, saved["report"])
                    continue
            except (ValueError, KeyError, TypeError):
                pass
        todo.append((student, str(path) if path else None, problem, assignment, str(out), str(course.root), digest))
    bar = tqdm(total=len(todo), desc=f"grading {assignment}", unit="sub", disable=not progress)
    if jobs <= 1:
        for args in todo:
            rows[args[0]] = _grade_student(*args)
            bar.update()
    else:
        if todo:
            sandbox.isolation_status()  # probe the machine once here: forked workers inherit the result
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_grade_student, *args): args[0] for args in todo}
            for future in as_completed(futures):
                student = futures[future]
                try:
                    rows[student] = future.result()
                except Exception as err:  # noqa: BLE001 - one broken submission never stops the batch
                    rows[student] = {"student": student, "status": "error", "total": 0.0, "error": str(err)}
                bar.update()
    bar.close()
    ordered = [rows[s] for s in sorted(rows)]
    write_csv(out / "grades.csv", assignment, ordered)
    return ordered


def write_csv(path: Path, assignment: str, rows: list[dict]) -> None:
    names = [c.name for c in checks_for(assignment)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["student", "status", "total", "max", *names, "error"], extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**{n: 0.0 for n in names}, **row})
