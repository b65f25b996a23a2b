"""Grading a class in shards (one command per cluster task) and merging the shards' outputs.

``grade-all A --shard K/N`` grades the students whose stable hash falls in shard K of N (0 <= K < N)
into its own folder, with ``manifest.json``: the shard, what the grades depend on (the source
notebook's hash, the course secret's id, the grader's version, the checks, the deadline rule, the
submitted/ folder it saw) and its students. ``nncourse merge DIR...`` checks that the shards belong
together and writes the one grades.csv (through batch.write_csv, so byte for byte what one run
writes), the feedback and result files, and the gradebook when asked.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
from pathlib import Path

from .batch import GRADER_VERSION, BatchError, _failed_report, _row, _saved, write_csv
from .course import Course
from .driver import inert
from .registry import checks_for

MANIFEST = "manifest.json"


def shard_of(student: str, count: int) -> int:
    """The shard of ``student`` among ``count``: the same on every machine and Python (not ``hash()``)."""
    return int.from_bytes(hashlib.sha256(student.encode("utf-8", "surrogateescape")).digest()[:8], "big") % count


def parse_shard(text: str) -> tuple[int, int]:
    """"K/N" -> (K, N), or a BatchError that says what a shard looks like."""
    parts = str(text).split("/")
    try:
        index, count = (int(p) for p in parts) if len(parts) == 2 else (None, None)
    except ValueError:
        index = count = None
    if index is None or count < 1:
        raise BatchError(f"--shard {inert(str(text))!r} is not K/N (e.g. --shard 0/8: the first of 8 shards)")
    if not 0 <= index < count:
        raise BatchError(f"--shard {index}/{count}: K counts from 0, so the shards of {count} are "
                         f"0/{count} to {count - 1}/{count} (Slurm's SLURM_ARRAY_TASK_ID and Kubernetes' "
                         f"JOB_COMPLETION_INDEX count from 0 too)")
    return index, count


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _nncourse_version() -> str:
    try:
        return importlib.metadata.version("nncourse")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def start(out: Path) -> None:
    """A shard that is (re)grading has no manifest until it has finished: merge refuses it meanwhile."""
    (out / MANIFEST).unlink(missing_ok=True)


def finish(out: Path, assignment: str, course: Course, shard: tuple[int, int], *, students: list[str],
           crashed: dict[str, str], submitted: list[str], rule: dict | None) -> None:
    manifest = {
        "assignment": assignment, "shard": f"{shard[0]}/{shard[1]}",
        "source_sha256": _sha256(course.source_notebook(assignment)),
        "secret_id": course.secret_id(),
        "grader_version": GRADER_VERSION, "nncourse_version": _nncourse_version(),
        "checks": [[c.name, c.points] for c in checks_for(assignment)],
        "deadline": rule,
        "submitted": {"count": len(submitted),
                      "sha256": hashlib.sha256("\n".join(sorted(submitted)).encode("utf-8", "surrogateescape")
                                               ).hexdigest()},
        "students": students, "crashed": crashed,
    }
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, out / MANIFEST)


def _read(folder: Path) -> dict:
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BatchError(f"{folder} is not a folder")
    if not path.is_file():
        raise BatchError(f"{folder} holds no {MANIFEST}: it is not a finished shard (grade it with "
                         f"`nncourse grade-all ASSIGNMENT --shard K/N --out {folder}`; an interrupted shard "
                         f"resumes when rerun)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        index, count = parse_shard(manifest["shard"])
        manifest["index"], manifest["count"], manifest["folder"] = index, count, folder
        if not isinstance(manifest["students"], list) or not isinstance(manifest["crashed"], dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, BatchError):
        raise BatchError(f"{path} is not a shard manifest grade-all wrote (rerun that shard)") from None
    return manifest


#: What every shard must agree on, and what it means when two do not.
_AGREE = {
    "assignment": "graded different assignments",
    "count": "were cut into different numbers of shards",
    "source_sha256": "were graded with different source notebooks (source/<id>/<id>.ipynb changed between "
                     "them: regrade the shards graded with the old one)",
    "secret_id": "were graded with different course secrets (the hidden cases differ: grade every shard "
                 "with the course's own .nncourse/secret)",
    "grader_version": "were graded by different versions of the grader",
    "nncourse_version": "were graded by different versions of nncourse (install the same one everywhere)",
    "checks": "were graded with different checks or points (the course's checks/ changed between them)",
    "deadline": "were graded under different deadlines, late policies or extensions (deadlines.yaml or the "
                "extensions file changed between them: rerun the older shards, which only updates the penalties)",
    "submitted": "saw different submitted/ folders (a submission arrived between them: rerun the older shards, "
                 "which grades only what is new)",
}


def check(folders: list[Path]) -> list[dict]:
    """The shards' manifests, in shard order, or a BatchError naming what does not fit."""
    if not folders:
        raise BatchError("merge needs the shards' folders (e.g. graded/layers/shard-*)")
    manifests = [_read(Path(f)) for f in folders]
    first = manifests[0]
    for key, meaning in _AGREE.items():
        for other in manifests[1:]:
            if other.get(key) != first.get(key):
                raise BatchError(f"{first['folder']} (shard {first['shard']}) and {other['folder']} (shard "
                                 f"{other['shard']}) {meaning}: {_brief(first.get(key))} vs {_brief(other.get(key))}")
    seen: dict[int, dict] = {}
    for manifest in manifests:
        if manifest["index"] in seen:
            raise BatchError(f"shard {manifest['shard']} is given twice: {seen[manifest['index']]['folder']} and "
                             f"{manifest['folder']}; pass each shard once")
        seen[manifest["index"]] = manifest
    owner: dict[str, Path] = {}
    for manifest in manifests:
        for student in manifest["students"]:
            if student in owner:
                raise BatchError(f"{inert(student)} is in two shards, {owner[student]} and {manifest['folder']}")
            owner[student] = manifest["folder"]
            if shard_of(student, manifest["count"]) != manifest["index"]:
                raise BatchError(f"{inert(student)} in {manifest['folder']} does not belong to shard "
                                 f"{manifest['shard']}: that folder was not written by grade-all --shard "
                                 f"{manifest['shard']}")
    missing = sorted(set(range(first["count"])) - set(seen))
    if missing:
        names = ", ".join(f"{k}/{first['count']}" for k in missing)
        raise BatchError(f"shard{'s' if len(missing) > 1 else ''} {names} of {first['assignment']} "
                         f"{'are' if len(missing) > 1 else 'is'} missing: grade {'them' if len(missing) > 1 else 'it'} "
                         f"(grade-all {first['assignment']} --shard K/{first['count']}) or pass "
                         f"{'their folders' if len(missing) > 1 else 'its folder'} too")
    return [seen[k] for k in sorted(seen)]


def _brief(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return inert(text if len(text) <= 60 else text[:57] + "...")


def merge(folders: list[Path], out: Path, course: Course) -> tuple[str, list[dict]]:
    """Combine finished shards into ``out``: grades.csv, feedback/ and results/. Returns (assignment, rows)."""
    manifests = check(folders)
    assignment = manifests[0]["assignment"]
    course.activate()
    here = [[c.name, c.points] for c in checks_for(assignment)]
    if here != manifests[0]["checks"]:
        raise BatchError(f"the course {course.root} has other checks or points for {assignment} than the "
                         f"shards were graded with: merge in the course folder they were graded from")
    out = Path(out)
    if any(Path(m["folder"]).resolve() == out.resolve() for m in manifests):
        raise BatchError(f"--out {out} is one of the shards; merge into another folder")
    rows, copies = {}, []
    for manifest in manifests:
        folder = Path(manifest["folder"])
        for student in manifest["students"]:
            if student in manifest["crashed"]:
                rows[student] = _row(student, assignment, _failed_report(assignment, manifest["crashed"][student]))
                continue
            saved = _saved(folder / "results" / f"{student}.json")
            if saved is None:
                raise BatchError(f"{folder} lists {inert(student)} but has no readable results/{inert(student)}.json: "
                                 f"rerun that shard")
            rows[student] = _row(student, assignment, saved["report"])
            copies += [(folder / sub / f"{student}{ext}", out / sub / f"{student}{ext}")
                       for sub, ext in (("results", ".json"), ("feedback", ".txt"))]
    for sub in ("feedback", "results"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for source, target in copies:
        if source.is_file():
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
    ordered = [rows[s] for s in sorted(rows)]
    write_csv(out / "grades.csv", assignment, ordered)
    return assignment, ordered
