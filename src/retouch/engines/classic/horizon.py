"""Straightening: find the dominant near-horizontal line, rotate it level, crop to the largest upright rectangle.

Lines come from OpenCV's fast line detector (``ximgproc``) on a reduced grey copy. Segments within 20° of
horizontal vote for their angle; the strongest direction must be carried by a long segment and stand out from any
other, or the picture has no clear horizon and the request is refused — a guessed tilt would be a wrong edit.
Small rotations ("rotate it slightly") share the crop, so no empty corner is ever shown.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from ...errors import EngineRefusal
from .colour import Array, luminance
from .ops import OpContext, register

WORK_SIDE = 512
MAX_TILT = 20.0  # lines searched up to this tilt
MAX_LEVEL = 12.0  # levelled up to this tilt; a steeper strongest line is not a horizon


def _segments(img: Array) -> tuple[np.ndarray, np.ndarray, int]:
    """Line segments (x0, y0, x1, y1) of a reduced grey copy, the contrast across each (a boundary between two
    regions, like a horizon, has one; a thin line such as a wire or a whisker has none), and the copy's width."""
    h, w = img.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    grey = luminance(img[..., :3])
    small = cv2.resize(grey, (max(16, round(w * scale)), max(16, round(h * scale))), interpolation=cv2.INTER_AREA)
    detector = cv2.ximgproc.createFastLineDetector(length_threshold=max(8, small.shape[1] // 25))
    lines = detector.detect((np.clip(small, 0, 1) * 255).astype(np.uint8))
    lines = np.zeros((0, 4), np.float32) if lines is None else lines.reshape(-1, 4)
    blurred = cv2.blur(small, (3, 3))
    t = np.linspace(0.1, 0.9, 7, dtype=np.float32)[None, :]
    xs = lines[:, :1] + (lines[:, 2:3] - lines[:, :1]) * t
    ys = lines[:, 1:2] + (lines[:, 3:4] - lines[:, 1:2]) * t
    offset = max(3.0, small.shape[0] / 80)

    def at(dy: float) -> np.ndarray:
        sample: np.ndarray = cv2.remap(blurred, xs.astype(np.float32), (ys + dy).astype(np.float32), cv2.INTER_LINEAR)
        return sample

    contrast = np.abs(at(-offset) - at(offset)).mean(axis=1) if len(lines) else np.zeros(0, np.float32)
    return lines, contrast, small.shape[1]


def horizon_angle(img: Array) -> float | None:
    """The tilt of the dominant near-horizontal direction in degrees (positive: lines rise to the right, so the
    picture must turn clockwise), or None when there is no clear one.

    A camera's roll tilts every horizontal line of the scene alike, so each near-horizontal segment votes for its
    angle, weighed by its length squared (long lines count most), on a smooth density (σ = 0.5°). The direction is
    clear when a long segment carries it (at least 15% of the width) and no other direction more than 2° away
    gathers half as many votes."""
    lines, contrast, width = _segments(img)
    if len(lines) == 0:
        return None
    dx, dy = lines[:, 2] - lines[:, 0], lines[:, 3] - lines[:, 1]
    angle = (np.degrees(np.arctan2(-dy, dx)) + 90.0) % 180.0 - 90.0  # image rows grow downward
    # A segment counts by its length where it separates two regions; thin lines and faint edges barely count.
    length = np.hypot(dx, dy) * np.clip(contrast / 0.08, 0.0, 1.0)
    near = (np.abs(angle) <= MAX_TILT) & (length > 0)
    if not near.any():
        return None
    length, angle = length[near], angle[near]
    grid = np.arange(-MAX_TILT, MAX_TILT + 1e-6, 0.05)
    density = (length[None, :] ** 2 * np.exp(-0.5 * ((grid[:, None] - angle[None, :]) / 0.5) ** 2)).sum(axis=1)
    peak = int(np.argmax(density))
    rivals = density[np.abs(grid - grid[peak]) > 2.0]
    longest = float(length[np.abs(angle - grid[peak]) <= 1.0].max(initial=0.0))
    if longest < 0.15 * width or (len(rivals) and float(rivals.max()) >= 0.5 * float(density[peak])):
        return None
    return float(grid[peak])


def inscribed_size(w: int, h: int, degrees: float) -> tuple[int, int]:
    """The largest upright rectangle inside a w × h picture turned by ``degrees``, centred: its corners touch the
    four turned edges, so w = W·cos + H·sin and h = W·sin + H·cos for the rectangle's W × H."""
    a = math.radians(abs(degrees) % 180.0)
    cos, sin = abs(math.cos(a)), abs(math.sin(a))
    det = cos * cos - sin * sin
    if det > 1e-6:
        width, height = (w * cos - h * sin) / det, (h * cos - w * sin) / det
        if width > 1 and height > 1:
            return max(1, int(width) - 2), max(1, int(height) - 2)  # 2 px inside: no sliver of the border
    raise EngineRefusal(
        f"turning this picture by {abs(degrees):.1f}° leaves no upright rectangle to crop to; ask for a quarter turn "
        "or a smaller angle"
    )


def rotate_and_crop(img: Array, degrees: float) -> Array:
    """Turns counter-clockwise by ``degrees`` and keeps the largest upright rectangle (no empty corners)."""
    h, w = img.shape[:2]
    new_w, new_h = inscribed_size(w, h, degrees)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    out: Array = cv2.warpAffine(img, matrix, (new_w, new_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return np.clip(out, 0, 1)


@register("straighten", "level a tilted horizon (dominant near-horizontal line) and crop the corners", geometric=True)
def straighten(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    angle = horizon_angle(img)
    if angle is None:
        raise EngineRefusal(
            "the classic engine found no clear horizon or long near-horizontal line to level; ask for a rotation "
            "by a number of degrees ('rotate 3 degrees clockwise') instead",
            not_understood=["horizon"],
        )
    if abs(angle) > MAX_LEVEL:
        raise EngineRefusal(
            f"the strongest near-horizontal line is tilted by {abs(angle):.0f}°, more than a tilted horizon is; ask "
            "for a rotation by a number of degrees instead",
            not_understood=["horizon"],
        )
    if abs(angle) < 0.2:
        return img
    return rotate_and_crop(img, -angle)
