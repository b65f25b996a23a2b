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
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm.auto import tqdm

from nncourse.assignments.checking import NUMBERS_FILE

from . import sandbox
from .course import Course, CourseError
from .deadlines import apply as apply_late, feedback_lines
from .driver import inert
from .grading import grade_file, table
from .registry import case_seed, checks_for, max_score

GRADER_VERSION = "2"  # 2: by-hand examples with each student's own numbers


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
    """What a result depends on: the grader, the course's seed, the submission, the source notebook
    and the students' own numbers (the student is the result file's name)."""
    digest = hashlib.sha256(f"{GRADER_VERSION}/{case_seed()}/{assignment}".encode())
    for p in (path, course.source_notebook(assignment), course.source_folder(assignment) / NUMBERS_FILE):
        if p is not None and p.is_file() and not p.is_symlink():
            digest.update(p.read_bytes())
    return digest.hexdigest()


def _row(student: str, assignment: str, report: dict) -> dict:
    """The student's grades.csv row, with every column whatever the report holds."""
    row = {"student": student, "status": "error" if report.get("error") else "graded",
           "total": report.get("score", 0.0), "max": max_score(assignment), "error": report.get("error") or ""}
    results = {r.get("name"): r for r in report.get("results", []) if isinstance(r, dict)}
    for check in checks_for(assignment):
        row[check.name] = results.get(check.name, {}).get("score", 0.0)
        row[mistake_column(check.name)] = results.get(check.name, {}).get("diagnosis", "")
    late = report.get("late")
    if isinstance(late, dict):  # the assignment has a deadline (deadlines.yaml): the score before and after
        row.update(submitted=late.get("submitted", ""), days_late=late.get("days_late", 0),
                   late_penalty=late.get("penalty", 0.0), final=late.get("after", row["total"]))
    return row


LATE_COLUMNS = ["submitted", "days_late", "late_penalty", "final"]


def mistake_column(check: str) -> str:
    """grades.csv's column with the check's diagnosis tag (the mistake's name; "" when it passed)."""
    return f"{check} mistake"


def _failed_report(assignment: str, why: str) -> dict:
    return {"assignment": assignment, "submission": "", "error": why, "score": 0.0,
            "max_score": max_score(assignment), "results": []}


def _crash(err: BaseException) -> str:
    return f"the grader failed on this submission ({type(err).__name__}); tell the instructor"


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a killed run leaves no half-written file


def _write_student(out_dir: Path, student: str, digest: str, report: dict, text: str) -> None:
    """The student's feedback file (the table, then their deadline) and result file (which keeps the
    table, so a changed deadline or extension rewrites the feedback without grading again)."""
    _write_atomically(out_dir / "feedback" / f"{student}.txt", "\n".join([text, *feedback_lines(report)]) + "\n")
    _write_atomically(out_dir / "results" / f"{student}.json",
                      json.dumps({"hash": digest, "student": student, "report": report, "table": text}))


def _grade_student(student: str, path: str | None, problem: str, assignment: str, out: str,
                   course_root: str, digest: str, limits=None, late: dict | None = None) -> dict:
    """Grade one student and write their files (runs in a worker process)."""
    course = Course(Path(course_root)).activate()
    if path is None:
        report, text = _failed_report(assignment, problem), f"{assignment}: {inert(student)}\n  ERROR: {inert(problem)}"
    else:
        graded = grade_file(assignment, path, course, limits=limits, student=student)
        report, text = graded.to_dict(), table(graded)
    report = apply_late(report, late)
    _write_student(Path(out), student, digest, report, text)
    return _row(student, assignment, report)


def _saved(path: Path) -> dict | None:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return saved if isinstance(saved, dict) and isinstance(saved.get("report"), dict) else None
    except (OSError, ValueError):
        return None


class BatchError(CourseError):
    """A grade-all that cannot start as asked (the message says why and what to run)."""


def grade_all(assignment: str, submitted_dir: str | Path, out: str | Path, course: Course, *, jobs: int = 2,
              progress: bool = True, limits=None, shard: tuple[int, int] | None = None,
              student: str | None = None, warn=None) -> list[dict]:
    """Grade every student (skipping those already graded) and write grades.csv; returns the rows.
    ``limits``: the sandbox's, instead of the assignment's declared ones. ``shard`` (K, N): only the
    students of shard K of N, with a manifest for ``nncourse merge``. ``student``: grade only this one
    into an existing graded folder (the others' rows come from their result files). ``warn``: called
    with each warning for the TA (default: printed to stderr)."""
    from . import deadlines, shards
    warn = warn or (lambda text: print(f"nncourse grade-all: {text}", file=sys.stderr))
    course.activate().built_source(assignment)  # a missing source notebook stops the batch before it starts
    due = deadlines.load(course)
    out = Path(out)
    found = find_submissions(submitted_dir, assignment)
    if student is not None and student not in {s for s, _, _ in found}:
        raise BatchError(f"no submission from {inert(student)} in {submitted_dir} (nbgrader puts it in "
                         f"submitted/{inert(student)}/{assignment}/)")
    if student is not None and not (out / "grades.csv").is_file():
        raise BatchError(f"{out} holds no grades.csv: grade the class first (grade-all {assignment}), "
                         f"then add one student with --student")
    for sub in ("feedback", "results"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    if shard is not None:
        shards.start(out)
    mine = [f for f in found if shard is None or shards.shard_of(f[0], shard[1]) == shard[0]]
    todo, rows, untimed = [], {}, []
    for name, path, problem in mine:
        done = out / "results" / f"{name}.json"
        saved = _saved(done) if done.is_file() else None
        if student is not None and name != student:  # only that one: the others stay as they were graded
            report = saved["report"] if saved else _failed_report(
                assignment, problem or f"not graded yet: run `nncourse grade-all {assignment}`")
            rows[name] = _row(name, assignment, report)
            continue
        digest = fingerprint(path, assignment, course)
        late, warning = deadlines.lateness(due, assignment, name, Path(submitted_dir) / name / assignment, path)
        if warning:
            untimed.append(f"{inert(name)} ({warning})")
        if saved and saved.get("hash") == digest:
            report = apply_late(saved["report"], late)
            if report == saved["report"]:
                rows[name] = _row(name, assignment, report)
                continue
            if isinstance(saved.get("table"), str):  # only the deadline or an extension changed
                _write_student(out, name, digest, report, saved["table"])
                rows[name] = _row(name, assignment, report)
                continue
        todo.append((name, str(path) if path else None, problem, assignment, str(out), str(course.root), digest,
                     limits, late))
    if untimed:
        warn(f"{len(untimed)} submission(s) of {assignment} without a readable nbgrader timestamp.txt; their "
             f"lateness uses the notebook's modification time: " + "; ".join(untimed[:10])
             + (f"; and {len(untimed) - 10} more" if len(untimed) > 10 else ""))
    crashed: dict[str, str] = {}

    def failed(name: str, err: BaseException) -> dict:  # one broken submission never stops the batch
        crashed[name] = _crash(err)
        return _row(name, assignment, _failed_report(assignment, crashed[name]))

    bar = tqdm(total=len(todo), desc=f"grading {assignment}", unit="sub", disable=not progress)
    if jobs <= 1 or len(todo) <= 1:
        for args in todo:
            try:
                rows[args[0]] = _grade_student(*args)
            except Exception as err:  # noqa: BLE001
                rows[args[0]] = failed(args[0], err)
            bar.update()
    else:
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
    if shard is not None:
        shards.finish(out, assignment, course, shard, students=sorted(rows), crashed=crashed,
                      submitted=[s for s, _, _ in found], rule=due.rule(assignment))
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
    late = LATE_COLUMNS if any("final" in row for row in rows) else []  # only when the assignment has a deadline
    columns = ["student", "status", "total", "max", *names, *late, *map(mistake_column, names), "error"]
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(row.get(column, "")) for column in columns])
    os.replace(tmp, path)
