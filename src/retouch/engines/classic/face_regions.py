"""Regions of a face drawn from its 468-point mesh: skin, lips, mouth opening, eye openings, irises.

Each mask is drawn in a window around the face (the face's box grown by a margin, clipped to the image), so a
retouch costs what the face costs, not what the photo costs. The index lists are the mesh's outlines, in order
around each feature; "A" is the eye or brow on the image's left for a frontal face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)  # fmt: skip
LIPS_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
LIPS_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
EYE_A = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
EYE_B = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)
BROW_A = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
BROW_B = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
NOSE_BASE = (98, 97, 2, 326, 327, 294, 278, 344, 440, 275, 4, 45, 220, 115, 48, 64)  # nostrils and the tip's base


@dataclass(frozen=True)
class Window:
    """A rectangle of the image (pixels, end-exclusive) that the masks of one face are drawn in."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.y1 - self.y0, self.x1 - self.x0)


def window(points: np.ndarray, shape: tuple[int, ...], margin: float = 0.15) -> Window:
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = (hi - lo).max() * margin
    h, w = shape[:2]
    x0, y0 = int(max(0, np.floor(lo[0] - pad))), int(max(0, np.floor(lo[1] - pad)))
    x1, y1 = int(min(w, np.ceil(hi[0] + pad))), int(min(h, np.ceil(hi[1] + pad)))
    return Window(x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))


def face_width(points: np.ndarray) -> float:
    """Cheek to cheek; for a face turned away that shrinks, so it is never taken below 0.8 x forehead to chin."""
    across = float(np.hypot(*(points[454] - points[234])))
    return max(across, 0.8 * float(np.hypot(*(points[152] - points[10]))))


def polygon(points: np.ndarray, indices: tuple[int, ...], win: Window) -> np.ndarray:
    """A filled outline as a float32 0/1 mask of the window, drawn with sub-pixel precision."""
    mask = np.zeros(win.shape, np.uint8)
    shift = 4
    pts = np.round((points[list(indices)] - (win.x0, win.y0)) * (1 << shift)).astype(np.int32)
    cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_AA, shift=shift)
    return mask.astype(np.float32)


def soften(mask: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(mask, (0, 0), max(0.5, sigma)) if sigma > 0 else mask


def grow(mask: np.ndarray, pixels: float) -> np.ndarray:
    size = max(1, int(round(pixels)) * 2 + 1)
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))


def skin(points: np.ndarray, win: Window) -> np.ndarray:
    """The face's skin: inside the face outline, without the eyes, brows, lips and nostrils (each grown a little,
    so their edges stay crisp), softened at its border."""
    fw = face_width(points)
    oval = polygon(points, FACE_OVAL, win)
    features = np.zeros(win.shape, np.float32)
    for indices, extra in ((EYE_A, 0.05), (EYE_B, 0.05), (BROW_A, 0.03), (BROW_B, 0.03), (LIPS_OUTER, 0.025)):
        features = np.maximum(features, grow(polygon(points, indices, win), fw * extra))
    nostrils = polygon(points, NOSE_BASE, win)
    inner = cv2.erode(oval, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    area = np.clip(inner - features - nostrils * 0.5, 0, 1)
    return soften(area, fw * 0.02)


def lips(points: np.ndarray, win: Window) -> np.ndarray:
    fw = face_width(points)
    ring = np.clip(polygon(points, LIPS_OUTER, win) - polygon(points, LIPS_INNER, win), 0, 1)
    return soften(ring, fw * 0.006)


def mouth_opening(points: np.ndarray, win: Window) -> np.ndarray:
    return polygon(points, LIPS_INNER, win)


def eye_openings(points: np.ndarray, win: Window) -> list[np.ndarray]:
    return [polygon(points, EYE_A, win), polygon(points, EYE_B, win)]


def iris_disc(iris: np.ndarray, win: Window, scale: float = 1.0) -> np.ndarray:
    """A disc over one iris (centre and four edge points from the iris network)."""
    centre = iris[0] - (win.x0, win.y0)
    radius = float(np.mean(np.hypot(*(iris[1:] - iris[0]).T))) * scale
    mask = np.zeros(win.shape, np.uint8)
    shift = 4
    c = tuple(int(round(v * (1 << shift))) for v in centre)
    cv2.circle(mask, c, int(round(radius * (1 << shift))), 1, -1, lineType=cv2.LINE_AA, shift=shift)
    return mask.astype(np.float32)
