"""The playground: plain HTML/CSS/JS served by the API (no build step)."""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
