"""Anonymising faces: blur, pixelate or cover every face the networks find, or only those the mask points at.

Best effort by nature: a face the detector misses is left as it is. So a mask is taken at its word — each white
region of the mask is anonymised through the faces found in it, or as a whole when none is found there — and the
strict form refuses when any candidate is doubtful rather than publish a face it was unsure of.
"""

from __future__ import annotations

import logging
from typing import Any

import cv2
import numpy as np

from ...errors import EngineRefusal
from .colour import Array
from .face_regions import Window, face_width, grow, soften
from .faces import CLEAR_PRESENCE, Face, Search, find_faces, in_mask, no_face, pick
from .ops import OpContext, register

log = logging.getLogger(__name__)

BLUR_SHARE = 1 / 6  # Gaussian sigma as a share of the face width: features merge, only a skin-coloured blob stays
BLOCKS_ACROSS = 8  # pixelation: about this many blocks across a face


def _face_region(face: Face, shape: tuple[int, ...]) -> tuple[Window, np.ndarray, float]:
    """The whole face and a margin (forehead, jaw, ears' edge): the mesh's hull grown by a tenth of its width."""
    points = face.landmarks.points
    fw = face_width(points)
    size = max(fw, face.width)
    h, w = shape[:2]
    lo, hi = points.min(axis=0) - size * 0.5, points.max(axis=0) + size * 0.5
    win = Window(int(max(0, lo[0])), int(max(0, lo[1])), int(min(w, hi[0] + 1)), int(min(h, hi[1] + 1)))
    mask = np.zeros(win.shape, np.uint8)
    hull = cv2.convexHull(np.round(points - (win.x0, win.y0)).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1, lineType=cv2.LINE_AA)
    return win, grow(mask.astype(np.float32), size * 0.1), size


def _mask_region(component: np.ndarray) -> tuple[Window, np.ndarray, float]:
    ys, xs = np.nonzero(component)
    h, w = component.shape
    span = float(max(xs.max() - xs.min(), ys.max() - ys.min()) + 1)
    pad = int(span * 0.5)
    win = Window(max(0, xs.min() - pad), max(0, ys.min() - pad), min(w, xs.max() + pad + 1), min(h, ys.max() + pad + 1))
    return win, component[win.slices].astype(np.float32), span


def _hide(crop: Array, style: str, size: float, colour: tuple[int, int, int]) -> Array:
    h, w = crop.shape[:2]
    if style == "pixelate":
        block = max(3.0, size / BLOCKS_ACROSS)
        small = cv2.resize(crop, (max(1, round(w / block)), max(1, round(h / block))), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    if style == "box":
        return np.broadcast_to(np.array(colour, np.float32) / 255.0, crop.shape).astype(np.float32)
    sigma = max(2.0, size * BLUR_SHARE)
    # A blur this wide keeps nothing finer than a few pixels: computed on a copy 1/4 sigma the size, then scaled up.
    step = max(1.0, sigma / 4)
    small = cv2.resize(crop, (max(1, round(w / step)), max(1, round(h / step))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / step, borderType=cv2.BORDER_REFLECT)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _weight(region: np.ndarray, style: str, size: float) -> np.ndarray:
    """Box: the region's bounding rectangle, hard. Pixelate: the region, hard (blocks show their edges anyway).
    Blur: the region softened outward, so no seam shows and the face's edge is never left sharp."""
    if style == "box":
        ys, xs = np.nonzero(region > 0.5)
        rect = np.zeros_like(region)
        if len(ys):
            rect[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] = 1.0
        return rect
    if style == "pixelate":
        return (region > 0.5).astype(np.float32)
    return np.maximum(region, soften(grow(region, size * 0.05), size * 0.03))


def _regions(img: Array, search: Search, ctx: OpContext, which: str | None) -> list[tuple[Window, np.ndarray, float]]:
    faces = search.faces
    if which and faces:
        faces = [pick(faces, which)]
    if ctx.hole is None:
        if not faces:
            raise no_face(search, "anonymise the faces")
        return [_face_region(f, img.shape) for f in faces]
    count, labels = cv2.connectedComponents(ctx.hole.astype(np.uint8), connectivity=8)
    regions = []
    for label in range(1, count):
        component = labels == label
        inside = in_mask(faces, component)
        if inside:
            regions += [_face_region(f, img.shape) for f in inside]
        else:  # the mask marks a face the detector did not find: the marked area itself is hidden
            regions.append(_mask_region(component))
    return regions


def _strict_check(search: Search) -> None:
    unsure = [f for f in search.faces if f.landmarks.presence < CLEAR_PRESENCE or f.detection.score < 0.6]
    if not search.doubtful and not unsure:
        return
    parts = [f"{round(d.width)} px at ({round(d.box[0])}, {round(d.box[1])}), confidence {p:.2f}" for d, p in
             search.doubtful] + [f"{round(f.width)} px at ({round(f.box[0])}, {round(f.box[1])}), confidence "
                                 f"{min(f.detection.score, f.landmarks.presence):.2f}" for f in unsure]  # fmt: skip
    raise EngineRefusal(
        f"strict anonymisation: {len(parts)} possible face(s) below the confidence it accepts ({'; '.join(parts)}); "
        "send a mask that covers every face to hide, or drop 'strictly' to hide only the faces it is sure of",
        not_understood=["strictly"],
        capable_engines=[],
    )


@register("anonymise", "blur, pixelate or cover every face (or the faces inside the mask)")
def anonymise(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    style = str(p.get("style", "blur"))
    search = find_faces(img, "anonymise")
    if p.get("strict"):
        _strict_check(search)
    regions = _regions(img, search, ctx, p.get("which"))
    colour = tuple(p.get("colour", (0, 0, 0)))
    out = img.copy()
    for win, region, size in regions:
        sl = win.slices
        crop = img[sl]
        weight = _weight(region, style, size)
        if ctx.mask is not None:
            weight = weight * ctx.mask[sl]
        hidden = _hide(crop, style, size, colour)
        out[sl] = crop + (hidden - crop) * weight[..., None]
    log.info(
        "anonymised %d region(s) with %s",
        len(regions),
        style,
        extra={"faces": [f.summary() for f in search.faces], "regions": len(regions), "style": style},
    )
    return out
