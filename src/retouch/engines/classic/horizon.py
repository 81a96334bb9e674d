"""Straightening: find the dominant near-horizontal line, rotate it level, crop to the largest upright rectangle.

Lines come from OpenCV's fast line detector (``ximgproc``) on a reduced grey copy. Segments within 20° of
horizontal vote for their angle with their length; the strongest angle must be carried by long segments (together
at least a third of the width) or the picture has no clear horizon and the request is refused — a guessed tilt
would be a wrong edit. Small rotations ("rotate it slightly") share the crop, so no empty corner is ever shown.
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
MAX_TILT = 20.0


def _segments(img: Array) -> tuple[np.ndarray, int]:
    h, w = img.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    grey = luminance(img[..., :3])
    small = cv2.resize(grey, (max(16, round(w * scale)), max(16, round(h * scale))), interpolation=cv2.INTER_AREA)
    detector = cv2.ximgproc.createFastLineDetector(length_threshold=max(10, small.shape[1] // 20))
    lines = detector.detect((np.clip(small, 0, 1) * 255).astype(np.uint8))
    return (np.zeros((0, 4), np.float32) if lines is None else lines.reshape(-1, 4)), small.shape[1]


def horizon_angle(img: Array) -> float | None:
    """The tilt of the dominant near-horizontal line in degrees (positive: the line rises to the right, so the
    picture must turn clockwise), or None when there is no clear one."""
    lines, width = _segments(img)
    if len(lines) == 0:
        return None
    dx, dy = lines[:, 2] - lines[:, 0], lines[:, 3] - lines[:, 1]
    length = np.hypot(dx, dy)
    angle = np.degrees(np.arctan2(-dy, dx))  # image rows grow downward
    angle = (angle + 90.0) % 180.0 - 90.0
    near = np.abs(angle) <= MAX_TILT
    if not near.any():
        return None
    votes, edges = np.histogram(
        angle[near], bins=int(2 * MAX_TILT / 0.5), range=(-MAX_TILT, MAX_TILT), weights=length[near]
    )
    peak = float(edges[int(np.argmax(votes))] + 0.25)
    close = near & (np.abs(angle - peak) <= 1.0)
    support = float(length[close].sum())
    if support < width / 3 or float(length[close].max()) < width / 8:
        return None
    return float(np.average(angle[close], weights=length[close]))


def inscribed_size(w: int, h: int, degrees: float) -> tuple[int, int]:
    """The largest upright rectangle inside a w × h picture turned by ``degrees``, centred: its corners touch the
    four turned edges, so w = W·cos + H·sin and h = W·sin + H·cos for the rectangle's W × H."""
    a = math.radians(abs(degrees) % 180.0)
    cos, sin = abs(math.cos(a)), abs(math.sin(a))
    det = cos * cos - sin * sin
    if det > 1e-6:
        width, height = (w * cos - h * sin) / det, (h * cos - w * sin) / det
        if width > 1 and height > 1:
            return int(width), int(height)
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
    if abs(angle) < 0.2:
        return img
    return rotate_and_crop(img, -angle)
