"""Output sizes: presets, custom sizes and ``auto``."""

from __future__ import annotations

from typing import Any

from .limits import MAX_OUTPUT_PIXELS as MAX_PIXELS
from .limits import SIZE_PRESETS


def _as_pair(image_size: Any) -> tuple[int, int] | None:
    if isinstance(image_size, dict):
        return int(image_size["width"]), int(image_size["height"])
    width = getattr(image_size, "width", None)
    height = getattr(image_size, "height", None)
    if width is not None and height is not None:
        return int(width), int(height)
    return None


def fit_pixels(size: tuple[int, int], max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """Scales a size down proportionally so it holds at most ``max_pixels``."""
    w, h = size
    if w * h <= max_pixels:
        return size
    factor = (max_pixels / (w * h)) ** 0.5
    w, h = max(1, int(w * factor)), max(1, int(h * factor))
    while w * h > max_pixels:
        w, h = max(1, w - 1), max(1, h - 1)
    return w, h


def resolve_output_size(
    image_size: Any,
    first: tuple[int, int] | None,
    *,
    default: str = "auto",
    max_pixels: int = MAX_PIXELS,
) -> tuple[int, int] | None:
    """(width, height) of the output, or None when it cannot be known yet (``auto`` with no input image)."""
    pair = _as_pair(image_size)
    if pair is not None:
        return pair
    name = image_size or default
    if name == "auto":
        if first is not None:
            return fit_pixels(first, max_pixels)
        if default != "auto":
            return SIZE_PRESETS[default]
        return None
    if name in SIZE_PRESETS:
        return SIZE_PRESETS[name]
    raise ValueError(f"unknown image size {image_size!r}")
