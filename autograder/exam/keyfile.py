"""The machine-readable answer key (JSON): every forward value, the loss, each ∂L/∂wᵢ and ∂L/∂bⱼ,
the update, and the tolerances, per version; plus which student has which version."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from .bounds import BOUND, DENOM
from .problem import CAP
from .versions import Version

FORMAT = "nncourse-exam-key/1"


def key_dict(versions: Sequence[Version], exam: str, seed: int, kinds: Sequence[str]) -> dict:
    return {
        "format": FORMAT, "exam": exam, "seed": seed, "kinds": list(kinds),
        "tolerances": {"rule": "|answer - key| <= atol + rtol * |key|",
                       "atol": "half the distance from the key to its nearest typical wrong answer, at most cap",
                       "cap": CAP},
        "bound": {"max_abs": BOUND, "denominator_divides": DENOM},
        "students": {v.student: v.version_id for v in versions},
        "versions": {v.version_id: v.to_json() for v in versions},
    }


def key_json(versions: Sequence[Version], exam: str, seed: int, kinds: Sequence[str]) -> str:
    """``key_dict`` as JSON text: indented, each version on one line of its own. ``indent`` would make
    json use its pure-Python encoder (a third of ``--no-pdf``'s time for 1,000 versions); one
    compact line per version goes through the C encoder and still diffs and greps version by version."""
    key = key_dict(versions, exam, seed, kinds)
    body = key.pop("versions")
    head = json.dumps(key, indent=1)[:-2]  # without the closing "\n}"
    lines = [f" {json.dumps(vid)}: {json.dumps(v, separators=(',', ':'))}" for vid, v in body.items()]
    return head + ',\n "versions": {\n' + ",\n".join(lines) + "\n }\n}\n"


def read_key(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"answer key not found: {path}")
    try:
        key = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err})") from err
    if not isinstance(key, dict) or key.get("format") != FORMAT:
        raise ValueError(f"{path} is not an nncourse exam key (expected format {FORMAT!r})")
    return key
