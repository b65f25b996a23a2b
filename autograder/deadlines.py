"""Deadlines, the late policy and per-student extensions: the course's ``deadlines.yaml``.

    COURSE/deadlines.yaml     (``nncourse init`` writes a commented one; edit it each term)
      timezone: Europe/Berlin          # a deadline written without a zone is in this one
      deadlines:
        layers: 2026-11-03 23:59
      late:
        policy: per_day                # none | per_day | zero_after
        percent_per_day: 10            # per_day: this share of the score per day late (or part of one)
        cutoff_days: 7                 # per_day (optional), zero_after: later than this scores 0
      extensions: extensions.csv       # student,assignment,days  (1.5 days = 36 hours)

The deadline lives with the course, not in the assignment's declaration: it changes every term.
A submission's time is nbgrader's ``timestamp.txt`` (read with nbgrader's own ``parse_utc``), else
the notebook's modification time. *Days late* is the number of started days after the deadline
(with the student's extension): 1 second late is 1 day, exactly 24 h late is 1 day, 24 h and 1 s is 2.
The same :func:`penalty` runs in grade-all and, as a late-penalty plugin, in nbgrader's autograde
(``gradebook.CoursePenalty``, nbgrader's ``AssignLatePenalties.plugin_class``), so the gradebook records the same penalty as grades.csv.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from .course import Course, CourseError

FILE = "deadlines.yaml"
POLICIES = ("none", "per_day", "zero_after")
DAY_US = 86_400 * 10**6  # a day in microseconds: lateness is counted in whole microseconds, as nbgrader stores it


@dataclass(frozen=True)
class LatePolicy:
    kind: str = "none"
    percent_per_day: Decimal = Decimal(0)
    cutoff_days: Decimal | None = None

    def describe(self) -> str:
        if self.kind == "none":
            return "no late penalty"
        cutoff = f", 0 points after {self.cutoff_days:g} days" if self.cutoff_days is not None else ""
        if self.kind == "per_day":
            return f"{self.percent_per_day:g} % of the score per day late{cutoff}"
        return "0 points when late" if not self.cutoff_days else f"0 points after {self.cutoff_days:g} days late"


@dataclass(frozen=True)
class Deadlines:
    """What the course's deadlines.yaml says (empty when the course has none)."""

    due: dict[str, dt.datetime] = field(default_factory=dict)   # assignment -> deadline, naive UTC
    policy: LatePolicy = LatePolicy()
    extensions: dict[tuple[str, str], float] = field(default_factory=dict)  # (student, assignment) -> days
    digest: str = ""  # of the files' contents: shards graded under other deadlines are not merged

    def rule(self, assignment: str) -> dict | None:
        """What every shard of ``assignment`` must agree on (None: no deadline)."""
        if assignment not in self.due:
            return None
        return {"deadline": _shown(self.due[assignment]), "policy": self.policy.describe(), "files": self.digest}


def _decimal(value: str, what: str, where: Path) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0:
        raise CourseError(f"{where}: {what} is {value!r}, not a number of 0 or more")
    return number


def parse_deadline(text: str, zone: str, where: str) -> dt.datetime:
    """A deadline, "2026-11-03 23:59" (in ``zone``), "2026-11-03 23:59 Europe/Berlin" or ISO with an
    offset ("2026-11-03T23:59+01:00"), as naive UTC. Strict on purpose: "friday 23:59" is refused."""
    from dateutil.tz import gettz
    from nbgrader.utils import parse_utc
    parts = str(text).split()
    if len(parts) == 3:  # a zone's name at the end
        zone, parts = parts[2], parts[:2]
    body = " ".join(parts)
    try:
        when = dt.datetime.fromisoformat(body) if 0 < len(parts) <= 2 else None
    except ValueError:
        when = None
    if when is None:
        raise CourseError(f"{where}: {text!r} is not a date and time (write e.g. 2026-11-03 23:59)")
    if ":" not in body:
        raise CourseError(f"{where}: the deadline {text!r} has no time of day; write one, e.g. '{body} 23:59'")
    tz = gettz(zone)
    if tz is None:
        raise CourseError(f"{where}: {zone!r} is not a time zone (write e.g. UTC or Europe/Berlin)")
    return parse_utc(when if when.tzinfo else when.replace(tzinfo=tz))


def load(course: Course) -> Deadlines:
    """The course's deadlines (none when it has no deadlines.yaml); a CourseError names any bad entry."""
    import yaml
    from .registry import assignment_ids
    path = course.root / FILE
    if not path.is_file():
        return Deadlines()
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader) or {}  # every value as text: dates are parsed here
    except yaml.YAMLError as err:
        raise CourseError(f"{path} is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise CourseError(f"{path} should hold keys timezone, deadlines, late and extensions")
    unknown = set(data) - {"timezone", "deadlines", "late", "extensions"}
    if unknown:
        raise CourseError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; "
                          f"the keys are timezone, deadlines, late, extensions")
    zone = data.get("timezone") or "UTC"
    listed = data.get("deadlines") or {}
    if not isinstance(listed, dict):
        raise CourseError(f"{path}: deadlines should list one 'assignment: date time' per line")
    due = {}
    for assignment, when in listed.items():
        if assignment not in assignment_ids():
            raise CourseError(f"{path}: no assignment {assignment!r}; the assignments are {', '.join(assignment_ids())}")
        due[assignment] = parse_deadline(when, zone, f"{path}, {assignment}")
    late = data.get("late") or {}
    if not isinstance(late, dict):
        raise CourseError(f"{path}: late should hold policy (and percent_per_day, cutoff_days)")
    kind = late.get("policy", "none")
    if kind not in POLICIES:
        raise CourseError(f"{path}: the late policy {kind!r} is not one of {', '.join(POLICIES)}")
    percent = _decimal(late.get("percent_per_day", "0"), "percent_per_day", path)
    if percent > 100:
        raise CourseError(f"{path}: percent_per_day is {percent}; at most 100 % of a score can be taken")
    cutoff = late.get("cutoff_days")
    cutoff = None if cutoff in (None, "") else _decimal(cutoff, "cutoff_days", path)
    if kind == "per_day" and not percent:
        raise CourseError(f"{path}: the per_day policy needs percent_per_day (e.g. 10)")
    if kind == "zero_after" and cutoff is None:
        raise CourseError(f"{path}: the zero_after policy needs cutoff_days (0: any late submission scores 0)")
    digest = hashlib.sha256(text.encode())
    extensions = {}
    if data.get("extensions"):
        extensions_file = course.root / data["extensions"]
        if not extensions_file.is_file():
            raise CourseError(f"{path} names the extensions file {extensions_file}, which does not exist")
        digest.update(extensions_file.read_bytes())
        extensions = _extensions(extensions_file)
    return Deadlines(due, LatePolicy(kind, percent, cutoff), extensions, digest.hexdigest()[:16])


def _extensions(path: Path) -> dict[tuple[str, str], float]:
    from .registry import assignment_ids
    found = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not {"student", "assignment", "days"} <= set(reader.fieldnames or ()):
            raise CourseError(f"{path} needs the columns student,assignment,days (it has "
                              f"{','.join(reader.fieldnames or ()) or 'none'})")
        for line, row in enumerate(reader, start=2):
            student, assignment = (row["student"] or "").strip(), (row["assignment"] or "").strip()
            if not student:
                raise CourseError(f"{path}, line {line}: no student")
            if assignment not in assignment_ids():
                raise CourseError(f"{path}, line {line}: no assignment {assignment!r}; the assignments are "
                                  f"{', '.join(assignment_ids())}")
            if (student, assignment) in found:
                raise CourseError(f"{path}, line {line}: a second extension for {student} on {assignment}; "
                                  f"keep one line per student and assignment")
            days = _decimal(row["days"] or "", f"line {line}'s days", path)
            found[student, assignment] = float(days)  # as nbgrader's grant_extension(days=...) takes it
    return found


def days_late(seconds_late: float) -> int:
    """Started days after the deadline: 0 s -> 0, 1 s -> 1, 86 400 s -> 1, 86 401 s -> 2."""
    us = round(seconds_late * 10**6)  # nbgrader hands its plugin float seconds; its times are whole µs
    return -(-us // DAY_US) if us > 0 else 0


def penalty(policy: LatePolicy, score: float, seconds_late: float) -> float:
    """Points taken from ``score`` (never more than it), rounded half up to 0.01 like the scores."""
    score_d = Decimal(str(round(float(score), 2)))
    if seconds_late <= 0 or policy.kind == "none" or score_d <= 0:
        return 0.0
    if policy.cutoff_days is not None and round(seconds_late * 10**6) > policy.cutoff_days * DAY_US:
        return float(score_d)
    if policy.kind != "per_day":
        return 0.0
    share = min(Decimal(100), days_late(seconds_late) * policy.percent_per_day) / 100
    return float((score_d * share).quantize(Decimal("0.01"), ROUND_HALF_UP))


# --- when a submission was handed in ---------------------------------------------------------------

def _shown(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def submission_time(folder: Path, notebook: Path | None) -> tuple[dt.datetime | None, str, str]:
    """(naive UTC time, where it came from, a warning or ""): nbgrader's timestamp.txt in the
    submission's folder, else the notebook's modification time."""
    from nbgrader.utils import parse_utc
    from .driver import inert
    stamp, problem = folder / "timestamp.txt", ""
    if stamp.is_file() and not stamp.is_symlink():
        text = stamp.read_text(encoding="utf-8", errors="replace").strip()[:100]
        try:
            when = parse_utc(text) if text else None
        except (ValueError, OverflowError):
            when = None
        if when is not None:
            return when, "timestamp.txt", ""
        problem = f"{stamp.name} holds '{inert(text)}', not a time"
    else:
        problem = "no timestamp.txt"
    if notebook is None or not notebook.is_file():
        return None, "", ""
    when = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=notebook.stat().st_mtime_ns // 1000)
    return when, "file time", f"{problem}: used the notebook's modification time"


def lateness(deadlines: Deadlines, assignment: str, student: str, folder: Path, notebook: Path | None
             ) -> tuple[dict | None, str]:
    """The submission's timing against its deadline (JSON-ready, penalty not yet applied), and a
    warning for the TA ("" if none). None when the assignment has no deadline."""
    if assignment not in deadlines.due:
        return None, ""
    deadline = deadlines.due[assignment]
    days = deadlines.extensions.get((student, assignment), 0.0)
    extension = dt.timedelta(days=days)  # the timedelta nbgrader's grant_extension makes of the same days
    when, source, warning = submission_time(folder, notebook)
    late = {"deadline": _shown(deadline), "extension_days": days,
            "due": _shown(deadline + extension), "submitted": _shown(when) if when else "",
            "submitted_from": source, "seconds_late": 0.0, "days_late": 0,
            "policy": deadlines.policy.describe(), "rule": _rule(deadlines.policy)}
    if when is not None:
        late["seconds_late"] = max(0.0, (when - (deadline + extension)).total_seconds())  # as nbgrader counts
        late["days_late"] = days_late(late["seconds_late"])
    return late, warning


def _rule(policy: LatePolicy) -> list:
    """The policy as JSON (exact decimals as text), for the worker processes and the result files."""
    return [policy.kind, str(policy.percent_per_day), None if policy.cutoff_days is None else str(policy.cutoff_days)]


def apply(report: dict, late: dict | None) -> dict:
    """The report with its late penalty (``report["late"]``: before, penalty, after); unchanged without a deadline."""
    report = dict(report)
    report.pop("late", None)
    if late is None:
        return report
    kind, percent, cutoff = late["rule"]
    policy = LatePolicy(kind, Decimal(percent), None if cutoff is None else Decimal(cutoff))
    before = float(report.get("score", 0.0))
    taken = penalty(policy, before, late["seconds_late"])
    report["late"] = {**late, "before": before, "penalty": taken,
                      "after": float(Decimal(str(round(before, 2))) - Decimal(str(taken)))}
    return report


def feedback_lines(report: dict) -> list[str]:
    """What the student reads about their deadline (none without one)."""
    late = report.get("late")
    if not late:
        return []
    top = report.get("max_score", 0)
    due = late["due"] + (f" with your extension of {late['extension_days']:g} days" if late["extension_days"] else "")
    if not late["submitted"]:
        return [f"  deadline {due}"]
    source = " (the notebook's saved time: nbgrader's timestamp.txt was missing)" \
        if late["submitted_from"] == "file time" else ""
    if not late["seconds_late"]:
        return [f"  handed in {late['submitted']}{source}, on time (deadline {due})"]
    days = late["days_late"]
    lines = [f"  handed in {late['submitted']}{source}, {_duration(late['seconds_late'])} after the deadline "
             f"({due}): {days} day{'s' if days != 1 else ''} late"]
    if late["penalty"]:
        lines.append(f"  late penalty ({late['policy']}): {late['before']:g} - {late['penalty']:g} "
                     f"= {late['after']:g}/{top:g}")
    else:
        lines.append(f"  no late penalty ({late['policy']}): {late['after']:g}/{top:g}")
    return lines


def _duration(seconds: float) -> str:
    seconds = max(1, int(seconds))  # 0.2 s late shows as 1 s: it is late
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else "",
             f"{secs} s" if secs and not days else ""]
    return " ".join(p for p in parts if p) or "0 s"
