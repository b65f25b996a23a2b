"""Per-student versions: a version's seed is a hash of (exam seed, student), so the same seed and roster
always give the same exam, and a student keeps their version when others are added. Duplicate versions
within one exam are redrawn."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np

from .kinds import KINDS, kind
from .problem import Problem

DEFAULT_KINDS = tuple(KINDS)


@dataclass
class Version:
    version_id: str
    student: str
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"version": self.version_id, "student": self.student, "problems": [p.to_json() for p in self.problems]}


def version_seed(exam_seed: int, student: str, attempt: int = 0) -> int:
    digest = hashlib.sha256(f"nncourse-exam|{exam_seed}|{student}|{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def make_version(exam_seed: int, student: str, kinds: Sequence[str] = DEFAULT_KINDS, attempt: int = 0) -> Version:
    seed = version_seed(exam_seed, student, attempt)
    rng = np.random.default_rng(seed)
    problems = []
    for number, name in enumerate(kinds, 1):
        problems.append(kind(name).problem(number, rng))
    return Version(f"v{seed:016x}"[:9], student, problems)


def fingerprint(version: Version) -> str:
    return json.dumps([p.params for p in version.problems], sort_keys=True)


def make_versions(exam_seed: int, students: Sequence[str], kinds: Sequence[str] = DEFAULT_KINDS) -> list[Version]:
    """One version per student, all different (a clash is redrawn with the next attempt number)."""
    return list(iter_versions(exam_seed, students, kinds))


def iter_versions(exam_seed: int, students: Sequence[str], kinds: Sequence[str] = DEFAULT_KINDS) -> Iterator[Version]:
    """``make_versions`` one at a time, so that the PDFs can start compiling with the first (the roster
    is checked at once)."""
    if len(set(students)) != len(students):
        dupes = sorted({s for s in students if list(students).count(s) > 1})
        raise ValueError(f"the roster names these students twice: {', '.join(dupes)}")
    return _draw(exam_seed, list(students), tuple(kinds))


def _draw(exam_seed: int, students: list[str], kinds: tuple[str, ...]) -> Iterator[Version]:
    seen: set[str] = set()
    ids: set[str] = set()
    for student in students:
        for attempt in range(100):
            v = make_version(exam_seed, student, kinds, attempt)
            fp = fingerprint(v)
            if fp not in seen and v.version_id not in ids:
                break
        seen.add(fp)
        ids.add(v.version_id)
        yield v


def default_students(n: int) -> list[str]:
    width = len(str(n))
    return [f"student{str(i).zfill(width)}" for i in range(1, n + 1)]
