"""Photographs with faces for the face tests and benchmarks, built only from scikit-image's bundled data.

scikit-image ships two photographs of people (the astronaut Eileen Collins, frontal; the cameraman, a three-quarter
view in grey) and a hundred 25 px face crops from Labeled Faces in the Wild. Group photos are made by pasting the
two heads (with their hair and neck, softly blended) at several sizes, mirrored or not, onto a photograph without
faces; each paste records where its face is, which is what a detector is scored against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import skimage
from skimage import data

Box = tuple[float, float, float, float]


def rgb(name: str) -> np.ndarray:
    img = data.stereo_motorcycle()[0] if name == "motorcycle_left" else getattr(data, name)()
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return np.ascontiguousarray(img[..., :3], dtype=np.float32) / 255.0


@dataclass(frozen=True)
class Head:
    image: np.ndarray  # float32 RGB crop with hair and neck
    face: Box  # the face (mesh extent, forehead to chin) inside the crop, pixels


@lru_cache(maxsize=1)
def heads() -> tuple[Head, ...]:
    """The astronaut's and the cameraman's heads; faces measured once by hand-checked landmarks."""
    astronaut = rgb("astronaut")[0:300, 120:340]
    camera = rgb("camera")[50:240, 140:300]
    return (Head(astronaut, (59, 70, 153, 177)), Head(camera, (56, 78, 118, 144)))


def _oval_alpha(h: int, w: int) -> np.ndarray:
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, (w // 2, h // 2), (int(w * 0.48), int(h * 0.48)), 0, 0, 360, 1.0, -1)
    return cv2.GaussianBlur(alpha, (0, 0), max(1.0, w / 30))


def paste(canvas: np.ndarray, head: Head, x: int, y: int, width: int, *, mirror: bool = False) -> Box:
    """Pastes ``head`` scaled to ``width`` with its top-left at (x, y); returns where its face lands."""
    scale = width / head.image.shape[1]
    size = (width, round(head.image.shape[0] * scale))
    piece = cv2.resize(head.image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    x0, y0, x1, y1 = head.face
    if mirror:
        piece = piece[:, ::-1]
        x0, x1 = head.image.shape[1] - x1, head.image.shape[1] - x0
    alpha = _oval_alpha(size[1], size[0])[..., None]
    region = canvas[y : y + size[1], x : x + size[0]]
    region[:] = region * (1 - alpha) + piece * alpha
    return (x + x0 * scale, y + y0 * scale, x + x1 * scale, y + y1 * scale)


def background(name: str, w: int, h: int) -> np.ndarray:
    return cv2.resize(rgb(name), (w, h), interpolation=cv2.INTER_AREA)


def group(widths: tuple[int, ...], size: tuple[int, int] = (1024, 768), back: str = "coffee") -> tuple[
    np.ndarray, list[Box]
]:  # fmt: skip
    """Heads of the given widths side by side along the middle (alternating the two people, every second one
    mirrored), on a photograph without faces."""
    w, h = size
    canvas = background(back, w, h)
    boxes = []
    gap = (w - sum(widths)) / (len(widths) + 1)
    x = gap
    for i, width in enumerate(widths):
        head = heads()[i % 2]
        height = round(head.image.shape[0] * width / head.image.shape[1])
        y = int((h - height) * (0.3 + 0.4 * ((i * 7) % 3) / 2))
        boxes.append(paste(canvas, head, int(x), y, width, mirror=i % 4 >= 2))
        x += width + gap
    return canvas, boxes


def lfw_faces() -> np.ndarray:
    """The hundred face crops of scikit-image's LFW subset (25 x 25, grey, 0..1)."""
    path = Path(skimage.__file__).parent / "data" / "lfw_subset.npy"
    return np.load(path)[:100].astype(np.float32)


def lfw_sheet(start: int, count: int, width: int, size: tuple[int, int] = (1024, 768)) -> tuple[
    np.ndarray, list[Box]
]:  # fmt: skip
    """``count`` LFW faces, each scaled to ``width`` px, on a grid over a photograph without faces."""
    w, h = size
    canvas = background("coffee", w, h)
    faces = lfw_faces()[start : start + count]
    cols = max(1, int(np.ceil(np.sqrt(count * w / h))))
    rows = int(np.ceil(count / cols))
    boxes = []
    for i, face in enumerate(faces):
        cx = (i % cols + 0.5) * w / cols
        cy = (i // cols + 0.5) * h / rows
        piece = cv2.resize(face, (width, width), interpolation=cv2.INTER_CUBIC)
        x, y = int(cx - width / 2), int(cy - width / 2)
        canvas[y : y + width, x : x + width] = np.clip(piece, 0, 1)[..., None]
        boxes.append((x + 0.1 * width, y + 0.15 * width, x + 0.9 * width, y + 0.95 * width))
    return canvas, boxes


def matched(boxes: list[Box], found: list[Box]) -> list[bool]:
    """Whether each true face has a found face whose centre lies inside it (and is not more than twice its size)."""
    hits = []
    for x0, y0, x1, y1 in boxes:
        ok = False
        for f in found:
            cx, cy = (f[0] + f[2]) / 2, (f[1] + f[3]) / 2
            if x0 <= cx <= x1 and y0 <= cy <= y1 and (f[2] - f[0]) <= 2.5 * (x1 - x0):
                ok = True
        hits.append(ok)
    return hits
