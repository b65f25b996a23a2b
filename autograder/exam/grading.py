"""Grading students' numeric answers against their own version's key, with partial credit per
sub-answer and, optionally, error carried forward (later parts checked against the student's own
earlier values). Bad rows get a message and zeros, never a crash."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .kinds import kind


@dataclass
class Result:
    student: str
    version: str
    score: float = 0.0
    max_score: float = 0.0
    problems: dict[str, float] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    message: str = ""


def parse_number(raw: str) -> float:
    """A student's number: decimals (comma or point), fractions such as -4/3, a Unicode minus."""
    text = raw.strip().replace("\u2212", "-").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(Fraction(text))


def close(answer: float, item: dict, expected: float | None = None) -> bool:
    value = item["value"] if expected is None else expected
    return abs(answer - value) <= item["atol"] + item["rtol"] * abs(value)


def grade_row(key: dict, row: dict[str, str], carry_forward: bool = False) -> Result:
    student = (row.get("student") or "").strip()
    vid = (row.get("version") or "").strip()
    res = Result(student, vid)
    assigned = key["students"].get(student)
    if not vid and assigned:
        vid = res.version = assigned
    version = key["versions"].get(vid)
    res.max_score = sum(p["points"] for p in next(iter(key["versions"].values()))["problems"])
    if version is None:
        res.message = f"version id {vid!r} is not in this exam's key" if vid else "no version id given"
        return res
    if assigned is not None and assigned != vid:
        owner = version["student"]
        res.message = f"version {vid} belongs to {owner}, not to {student}; {student}'s version is {assigned}"
        return res
    if assigned is None:
        res.message = f"{student or 'this student'} is not on the exam's roster; graded against version {vid}"
    for p in version["problems"]:
        res.problems[f"P{p['number']}"], res.feedback[f"P{p['number']}"] = _grade_problem(p, row, carry_forward)
    res.score = round(sum(res.problems.values()), 4)
    return res


def mark(kind_name: str, params: dict, items: list[dict], answers: dict[str, float],
         carry_forward: bool) -> list[tuple[dict, str]]:
    """Each item with its verdict: "right", "carried" (right from the student's own earlier values,
    error carried forward), "wrong" or "blank". ``answers``: item name ("P1.yhat") -> the number.
    The homework's by-hand checks mark their answers with this function too."""
    carried = {}
    if carry_forward and answers:
        short = {name.split(".", 1)[1]: v for name, v in answers.items()}
        try:
            carried = kind(kind_name).carried(params, short)
        except Exception:  # noqa: BLE001 - a wild earlier value (e.g. a huge number) must not stop grading
            carried = {}
    out = []
    for item in items:
        name, short = item["name"], item["name"].split(".", 1)[1]
        if name not in answers:
            out.append((item, "blank"))
        elif close(answers[name], item):
            out.append((item, "right"))
        elif short in carried and close(answers[name], item, carried[short]):
            out.append((item, "carried"))
        else:
            out.append((item, "wrong"))
    return out


def _grade_problem(problem: dict, row: dict[str, str], carry_forward: bool) -> tuple[float, str]:
    items = problem["items"]
    parsed: dict[str, float] = {}
    notes: list[str] = []
    for item in items:
        raw = row.get(item["name"])
        if raw is None or not raw.strip():
            continue
        try:
            parsed[item["name"]] = parse_number(raw)
        except (ValueError, ZeroDivisionError):
            notes.append(f"{item['name']}: '{raw.strip()}' is not a number")
    correct = 0
    for item, verdict in mark(problem["kind"], problem["params"], items, parsed, carry_forward):
        name = item["name"]
        if verdict == "blank":
            if row.get(name) is None or not row.get(name, "").strip():
                notes.append(f"{name}: blank")
            continue
        correct += verdict != "wrong"
        if verdict == "carried":
            notes.append(f"{name}: right from your earlier values (error carried forward)")
        elif verdict == "wrong":
            notes.append(f"{name}: expected {item['value']:.6g}, you wrote {parsed[name]:.6g}")
    score = problem["points"] * correct / len(items)
    head = f"{correct}/{len(items)} correct"
    return round(score, 4), head + ("; " + "; ".join(notes) if notes else "")


def grade_csv(key: dict, answers_path: str | Path, carry_forward: bool = False) -> list[Result]:
    path = Path(answers_path)
    if not path.is_file():
        raise FileNotFoundError(f"answers file not found: {path}")
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError(f"{path} is empty: expected a header row with 'student', 'version' and the answer columns")
    header = [h.strip() for h in rows[0]]
    if "student" not in header:
        raise ValueError(f"{path}: the header has no 'student' column (it has: {', '.join(header[:6])} …)")
    results = []
    for line, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        row = dict(zip(header, values))
        if len(values) != len(header):
            r = Result(row.get("student", "").strip() or f"(row {line})", row.get("version", "").strip())
            r.message = (f"row {line} has {len(values)} values but the header has {len(header)} columns; "
                         "no answer could be matched to its question")
            r.max_score = sum(p["points"] for p in next(iter(key["versions"].values()))["problems"])
            results.append(r)
            continue
        results.append(grade_row(key, row, carry_forward))
    return results


def write_grades(results: list[Result], path: str | Path) -> Path:
    path = Path(path)
    problems = sorted({p for r in results for p in r.problems}, key=lambda s: int(s[1:]))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "version", "score", "max_score", *[c for p in problems for c in (p, f"{p}_feedback")], "message"])
        for r in results:
            w.writerow([r.student, r.version, r.score, r.max_score,
                        *[c for p in problems for c in (r.problems.get(p, 0.0), r.feedback.get(p, ""))], r.message])
    return path
