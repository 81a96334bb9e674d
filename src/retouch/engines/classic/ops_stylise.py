"""Painterly looks from OpenCV's own filters: oil painting (``xphoto.oilPainting``), watercolour (the
edge-preserving recursive filter of the photo module) and the soft glow of the "dreamy" look.

Brush strokes are larger than pixels, so the filters run on a copy at most ``WORK_SIDE`` pixels on a side and the
result is carried back up: at 1024 × 1024 that is the difference between ~0.9 s and ~70 ms for the oil painting,
and it keeps the size of a stroke the same on a thumbnail and on a large photo.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from .colour import Array, luminance
from .ops import OpContext, register

WORK_SIDE = 320
OIL_SIDE = 288  # the oil filter's cost grows with its neighbourhood; strokes a little larger keep it under cartoon's


def _reduced(img: Array, side: int = WORK_SIDE) -> tuple[np.ndarray, tuple[int, int]]:
    """An 8-bit copy at most ``side`` pixels on a side (reduced first, in float: a quarter of the pixels to convert)."""
    h, w = img.shape[:2]
    scale = min(1.0, side / max(h, w))
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    small = cv2.resize(np.ascontiguousarray(img[..., :3], dtype=np.float32), size, interpolation=cv2.INTER_AREA)
    return cv2.convertScaleAbs(small, alpha=255.0), (w, h)


def _amount(p: dict[str, Any]) -> float:
    return float(p.get("amount", 1.0))


@register("oil_painting", "oil painting: flat strokes of the dominant colour (OpenCV xphoto) with a brush relief")
def oil_painting(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    small, (w, h) = _reduced(img, OIL_SIDE)
    painted = cv2.xphoto.oilPainting(small, max(2, round(3 * min(_amount(p), 2.0))), 1).astype(np.float32) / 255.0
    grey = luminance(painted)
    # Light from the top left on the paint's own relief (at the strokes' scale): they read as paint, not blur.
    relief = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3) + cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    shaded = painted * (1.0 - np.clip(relief, -0.5, 0.5) * np.float32(0.25))[..., None]
    return np.clip(cv2.resize(shaded, (w, h), interpolation=cv2.INTER_CUBIC), 0.0, 1.0).astype(np.float32)


def _paper() -> Array:
    """A fixed, seamless-enough paper grain (the same on every run: watercolour is deterministic)."""
    grain = cv2.GaussianBlur(np.random.default_rng(1747).standard_normal((96, 96)).astype(np.float32), (0, 0), 1.2)
    out: Array = (1.0 + 0.05 * grain / float(np.abs(grain).max())).astype(np.float32)
    return out


_PAPER = _paper()


@register("watercolour", "watercolour: flat transparent washes, pigment gathered at their edges, paper texture")
def watercolour(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    small, (w, h) = _reduced(img)
    side = max(small.shape[:2])
    smooth = cv2.edgePreservingFilter(small, flags=cv2.RECURS_FILTER, sigma_s=side / 10, sigma_r=0.45)
    wash = smooth.astype(np.float32) / 255.0
    grey = luminance(wash)
    edges = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    edges = cv2.GaussianBlur(np.clip(edges * 1.5, 0.0, 1.0), (0, 0), 0.8)
    strength = np.float32(min(_amount(p), 2.0))
    light = 1.0 - (1.0 - wash) * np.float32(1.0 - 0.2 * strength)  # pigment is transparent: the paper shows
    painted = light * (1.0 - np.float32(0.3) * strength * edges)[..., None]
    up = cv2.resize(painted, (w, h), interpolation=cv2.INTER_LINEAR)
    paper = np.tile(_PAPER, (h // 96 + 1, w // 96 + 1))[:h, :w]
    return np.clip(up * paper[..., None], 0.0, 1.0).astype(np.float32)


@register("glow", "soft glow: the picture's light bloomed over itself (screen blend of a blurred copy)")
def glow(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(8, w // 4), max(8, h // 4)), interpolation=cv2.INTER_AREA)
    bloom = np.asarray(cv2.GaussianBlur(small, (0, 0), max(2.0, min(h, w) / 160)), dtype=np.float32)
    bloom *= np.float32(0.5 * min(_amount(p), 2.0))  # scaled while small: a sixteenth of the work
    spread = cv2.resize(bloom, (w, h), interpolation=cv2.INTER_LINEAR)
    # Screen blend, 1 - (1 - a)(1 - b), written as a + b(1 - a): one temporary, no casts.
    rest = np.subtract(np.float32(1.0), img, dtype=np.float32)
    cv2.multiply(spread, rest, dst=rest)
    out: Array = cv2.add(np.ascontiguousarray(img, dtype=np.float32), rest, dst=rest)
    return out
