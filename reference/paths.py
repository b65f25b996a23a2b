"""Where the package's files live: the same layout in a clone and in an installed wheel.

In a clone, ``reference/``, ``autograder/``, ``data/`` and ``assignments/`` sit side by side at the
repository's top; an installed wheel has them side by side under ``site-packages/nncourse/``.
"""
from __future__ import annotations

from pathlib import Path

#: The folder holding reference/, autograder/, data/ and assignments/.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The bike-sharing data and the lecture's worked examples (their one home).
DATA_DIR = PACKAGE_DIR / "data"
#: The course material: nbgrader_config.py, the notebooks as text (authoring/), the example answers.
COURSE_MATERIAL = PACKAGE_DIR / "assignments"
