"""Face detection with MediaPipe's two BlazeFace networks, decoded here from their raw SSD outputs.

The short-range network (128 px input) finds faces that fill a fifth to four fifths of its input; the full-range
one (192 px) also finds faces down to about a tenth of it when hair and shoulders give context. Small faces in a
large photo are found by running the short-range network over overlapping tiles of the photo at a few scales
(a pyramid), so the cost grows with how small a face the caller asks for, not with the photo's size. Parameters
(anchor layout, score threshold, suppression) follow MediaPipe's published graph configs for these networks.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np

from .face_models import network


@dataclass(frozen=True)
class Detection:
    """A face box in image pixels with the network's six keypoints: the subject's right eye, left eye, nose tip,
    mouth centre, right ear, left ear (the subject's right eye is on the image's left for a frontal face)."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    score: float
    keypoints: np.ndarray  # 6 x 2

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


@dataclass(frozen=True)
class _Spec:
    name: str
    side: int
    strides: tuple[int, ...]
    anchors_per_layer: int
    threshold: float


SHORT = _Spec("short_range", 128, (8, 16, 16, 16), 2, 0.5)
FULL = _Spec("full_range", 192, (4,), 1, 0.6)
SUPPRESSION_IOU = 0.3
TILE_STRIDE = 0.75  # of a tile: neighbouring tiles share a quarter
SMALLEST_IN_TILE = 0.19  # the short-range network's smallest face, as a share of its input
LEVEL_STEP = 2.5


@functools.cache
def _anchors(spec: _Spec) -> np.ndarray:
    """Anchor centres (N x 2, 0..1): one grid per distinct stride, with every layer of that stride adding its
    anchors to each cell. Anchors are unit-sized, so box sizes come straight from the regression."""
    grids = []
    i = 0
    while i < len(spec.strides):
        stride, per_cell = spec.strides[i], 0
        while i < len(spec.strides) and spec.strides[i] == stride:
            per_cell += spec.anchors_per_layer
            i += 1
        cells = spec.side // stride
        ys, xs = np.mgrid[0:cells, 0:cells].astype(np.float32)
        centres = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        grids.append(np.repeat(centres, per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(grids)


def _decode(spec: _Spec, window: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs one network on a window already at its input size (RGB 0..1); boxes and keypoints in window pixels."""
    outputs = network(spec.name)(window * 2.0 - 1.0)
    regressors, classes = (outputs[0], outputs[1]) if outputs[0].shape[-1] == 16 else (outputs[1], outputs[0])
    logits = np.clip(classes[:, 0], -80.0, 80.0)  # MediaPipe clips at 100; 80 keeps float32 exp finite
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= threshold
    raw, anchors = regressors[keep], _anchors(spec)[keep]
    centre = raw[:, 0:2] + anchors * spec.side
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    keypoints = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :] * spec.side
    return boxes, scores[keep], keypoints


def _windows(length: int, side: int) -> list[int]:
    if length <= side:
        return [0]
    count = math.ceil((length - side) / (side * TILE_STRIDE)) + 1
    return [round(v) for v in np.linspace(0, length - side, count)]


def _run_level(spec: _Spec, level: np.ndarray, scale: float, threshold: float) -> list[np.ndarray]:
    """All windows of one pyramid level; results in original-image pixels, with a flag for boxes cut by an inner
    window edge (a neighbouring window or a coarser level sees those faces whole)."""
    lh, lw = level.shape[:2]
    side = spec.side
    found: list[np.ndarray] = []
    for top in _windows(lh, side):
        for left in _windows(lw, side):
            window = np.zeros((side, side, 3), np.float32)
            patch = level[top : top + side, left : left + side]
            window[: patch.shape[0], : patch.shape[1]] = patch
            boxes, scores, keypoints = _decode(spec, window, threshold)
            if not len(scores):
                continue
            margin = side * 0.02
            inner = np.array([left > 0, top > 0, left + side < lw, top + side < lh])
            near = np.stack(
                [boxes[:, 0] < margin, boxes[:, 1] < margin, boxes[:, 2] > side - margin, boxes[:, 3] > side - margin],
                axis=1,
            )
            cut = (near & inner).any(axis=1)
            offset = np.array([left, top], np.float32)
            boxes = (boxes.reshape(-1, 2, 2) + offset).reshape(-1, 4) / scale
            keypoints = (keypoints + offset) / scale
            found.append(np.concatenate([boxes, scores[:, None], cut[:, None], keypoints.reshape(-1, 12)], axis=1))
    return found


def _pyramid_scales(h: int, w: int, smallest_face: float) -> list[float]:
    """Scales of the short-range levels: the finest makes a face of ``smallest_face`` pixels fill a fifth of a
    window (never beyond 1.5x the photo's own pixels); each coarser one is 2.5x smaller (a level finds faces over
    a range of about 4x), down to the whole photo in one window."""
    whole = SHORT.side / max(h, w)
    scales = [whole]
    scale = min(1.5, SMALLEST_IN_TILE * SHORT.side / smallest_face)
    while scale > whole * 1.25:
        scales.append(scale)
        scale /= LEVEL_STEP
    return scales


def _resized(rgb: np.ndarray, scale: float, cache: dict[int, np.ndarray]) -> np.ndarray:
    """The photo at ``scale``, resized from the nearest larger copy already made (a cascade costs less than
    resizing the full photo each time)."""
    h, w = rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    source = min((img for img in cache.values() if img.shape[1] >= size[0]), key=lambda a: a.shape[1], default=rgb)
    out = cv2.resize(source, size, interpolation=cv2.INTER_AREA if source.shape[1] > size[0] else cv2.INTER_LINEAR)
    cache[size[0]] = out
    return out


def detect(rgb: np.ndarray, *, smallest_face: float, threshold: float | None = None) -> list[Detection]:
    """Every face at least ``smallest_face`` pixels wide (float32 RGB 0..1), best first, duplicates merged."""
    h, w = rgb.shape[:2]
    cache: dict[int, np.ndarray] = {}
    levels = [(SHORT, s) for s in _pyramid_scales(h, w, smallest_face)] + [(FULL, FULL.side / max(h, w))]
    found: list[np.ndarray] = []
    for spec, scale in sorted(levels, key=lambda level: -level[1]):  # larger copies first, to resize from
        found += _run_level(spec, _resized(rgb, scale, cache), scale, threshold or spec.threshold)
    if not found:
        return []
    return _suppress(np.concatenate(found), w, h)


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return np.asarray(inter / np.maximum(area + areas - inter, 1e-6))


def _contained(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Share of ``box`` that lies inside each of ``others``."""
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    return np.asarray(inter / max((box[2] - box[0]) * (box[3] - box[1]), 1e-6))


def _suppress(rows: np.ndarray, w: int, h: int) -> list[Detection]:
    """Weighted non-maximum suppression (overlapping answers averaged, weighted by score, as MediaPipe does),
    led by whole faces; boxes cut by a window edge only join a cluster, and a box lying mostly inside a
    better one (a part of a face seen as a face in a finer tile) is dropped."""
    order = np.lexsort((-rows[:, 4], rows[:, 5]))  # whole faces first, then by score
    rows = rows[order]
    kept: list[Detection] = []
    alive = np.ones(len(rows), bool)
    for i in range(len(rows)):
        if not alive[i]:
            continue
        lead = rows[i]
        cluster = alive & (_iou(lead[:4], rows[:, :4]) > SUPPRESSION_IOU)
        cluster[i] = True
        alive &= ~cluster
        members = rows[cluster & (rows[:, 5] == lead[5])]
        weights = members[:, 4:5]
        box = (members[:, :4] * weights).sum(0) / weights.sum()
        keypoints = ((members[:, 6:] * weights).sum(0) / weights.sum()).reshape(6, 2)
        if any(_contained(box, np.array([d.box]))[0] > 0.6 for d in kept):
            continue
        box = np.clip(box, 0, [w, h, w, h])
        corners = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        kept.append(Detection(corners, float(lead[4]), keypoints.astype(np.float32)))
    kept.sort(key=lambda d: -d.score)
    return kept
