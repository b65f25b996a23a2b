"""Write grades into nbgrader's gradebook, so the formgrader, manual grading and `nbgrader export` see them.

Each check is the nbgrader grade cell ``test_<check>`` of notebook ``<assignment>`` (the contract's
naming). Cells missing from the database (no ``nbgrader generate_assignment`` yet) are created.
"""
from __future__ import annotations

from pathlib import Path

from .registry import checks_for


def write_gradebook(path: str | Path, assignment: str, rows: list[dict]) -> int:
    """Store each row's per-check scores as auto scores; returns the number of students written."""
    from nbgrader.api import Gradebook, MissingEntry

    url = f"sqlite:///{Path(path).resolve()}"
    checks = checks_for(assignment)
    with Gradebook(url) as gb:
        gb.update_or_create_assignment(assignment)
        gb.update_or_create_notebook(assignment, assignment)
        for check in checks:
            gb.update_or_create_grade_cell(f"test_{check.name}", assignment, assignment,
                                           max_score=float(check.points), cell_type="code")
        written = 0
        for row in rows:
            student = row["student"]
            gb.update_or_create_student(student)
            try:
                gb.find_submission(assignment, student)
            except MissingEntry:
                gb.add_submission(assignment, student)
            for check in checks:
                try:
                    grade = gb.find_grade(f"test_{check.name}", assignment, assignment, student)
                except MissingEntry:  # the grade cell was added after this submission: recreate it
                    gb.remove_submission(assignment, student)
                    gb.add_submission(assignment, student)
                    grade = gb.find_grade(f"test_{check.name}", assignment, assignment, student)
                grade.auto_score = float(row.get(check.name) or 0.0)
            gb.db.commit()
            written += 1
    return written
