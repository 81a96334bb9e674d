"""Where the checkout is, for tests that start Retouch as a subprocess."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pythonpath() -> str:
    """PYTHONPATH for a subprocess: the checkout's src first (not whatever the venv's editable install points
    at), then the checkout itself for ``tests.support``."""
    return os.pathsep.join([str(ROOT / "src"), str(ROOT)])
