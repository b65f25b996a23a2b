"""Where the package's data lives (the repository's ``data/`` folder)."""
from __future__ import annotations

import os
from pathlib import Path

#: The data folder; ``NNCOURSE_DATA`` overrides it (for an installed copy elsewhere).
DATA_DIR = Path(os.environ.get("NNCOURSE_DATA", Path(__file__).resolve().parent.parent / "data"))
