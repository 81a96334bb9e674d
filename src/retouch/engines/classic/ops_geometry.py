"""Geometry: rotate, flip, crop, resize, pad. These work on any number of channels (alpha included) and set the
output size themselves; quarter turns and flips are exact (no resampling)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image

from .colour import Array
from .ops import OpContext, register

REGIONS = {
    "center": (0.25, 0.25, 0.75, 0.75),
    "top half": (0.0, 0.0, 1.0, 0.5),
    "bottom half": (0.0, 0.5, 1.0, 1.0),
    "left half": (0.0, 0.0, 0.5, 1.0),
    "right half": (0.5, 0.0, 1.0, 1.0),
    "top left": (0.0, 0.0, 0.5, 0.5),
    "top right": (0.5, 0.0, 1.0, 0.5),
    "bottom left": (0.0, 0.5, 0.5, 1.0),
    "bottom right": (0.5, 0.5, 1.0, 1.0),
}


def _fill(img: Array, colour: Any) -> list[float]:
    rgb = [c / 255.0 for c in (colour or (0, 0, 0))]
    return rgb + [1.0] * (img.shape[2] - 3) if img.ndim == 3 else rgb[:1]


@register(
    "rotate",
    "rotate counter-clockwise by an angle (quarter turns exact; other angles expand the canvas)",
    geometric=True,
)
def rotate(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    degrees = float(p.get("degrees", 90)) % 360
    if p.get("crop") and degrees % 90 != 0:  # a slight turn: the empty corners are cropped away
        from .horizon import rotate_and_crop

        return rotate_and_crop(img, (degrees + 180.0) % 360.0 - 180.0)
    if degrees % 90 == 0:
        return np.ascontiguousarray(np.rot90(img, k=int(degrees // 90)))
    h, w = img.shape[:2]
    centre = (w / 2, h / 2)
    matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(round(h * sin + w * cos)), int(round(h * cos + w * sin))
    matrix[0, 2] += new_w / 2 - centre[0]
    matrix[1, 2] += new_h / 2 - centre[1]
    fill = _fill(img, p.get("fill"))
    return cv2.warpAffine(
        img, matrix, (new_w, new_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=fill
    ).clip(0, 1)


@register("flip", "mirror horizontally or vertically (exact)", geometric=True)
def flip(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    axis = 0 if p.get("direction") == "vertical" else 1
    return np.ascontiguousarray(np.flip(img, axis=axis))


@register("crop", "crop to an aspect ratio (centred), a region, a side, the subject, or zoom in", geometric=True)
def crop(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    if "side" in p:
        return _crop_side(img, str(p["side"]), float(p.get("share", 0.15)))
    if "zoom" in p:
        zoom = max(1.0, float(p["zoom"]))
        new_w, new_h = max(1, round(w / zoom)), max(1, round(h / zoom))
        top, left = (h - new_h) // 2, (w - new_w) // 2
        return np.ascontiguousarray(img[top : top + new_h, left : left + new_w])
    if p.get("to") == "subject":
        return _crop_subject(img)
    if "region" in p:
        x0, y0, x1, y1 = REGIONS[p["region"]]
        return np.ascontiguousarray(img[round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)])
    a, b = p.get("aspect", (1, 1))
    target = a / b
    if w / h > target:
        new_w = max(1, round(h * target))
        left = (w - new_w) // 2
        return np.ascontiguousarray(img[:, left : left + new_w])
    new_h = max(1, round(w / target))
    top = (h - new_h) // 2
    return np.ascontiguousarray(img[top : top + new_h])


def _crop_side(img: Array, side: str, share: float) -> Array:
    h, w = img.shape[:2]
    cut_w, cut_h = round(w * min(share, 0.9)), round(h * min(share, 0.9))
    top, bottom, left, right = 0, h, 0, w
    if side == "left":
        left = cut_w
    elif side == "right":
        right = w - cut_w
    elif side == "top":
        top = cut_h
    else:
        bottom = h - cut_h
    return np.ascontiguousarray(img[top:bottom, left:right])


def _crop_subject(img: Array) -> Array:
    """The subject's bounding box (the person segmenter, else GrabCut) with a margin of 8% of its size."""
    from .foreground import find_foreground

    h, w = img.shape[:2]
    ys, xs = np.nonzero(find_foreground(np.ascontiguousarray(img[..., :3])) > 0.5)
    if len(ys) == 0:
        from ...errors import EngineRefusal

        raise EngineRefusal("the classic engine found no subject to crop to; send a crop ratio or a side instead")
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    my, mx = round((y1 - y0) * 0.08), round((x1 - x0) * 0.08)
    return np.ascontiguousarray(img[max(0, y0 - my) : min(h, y1 + my), max(0, x0 - mx) : min(w, x1 + mx)])


@register("resize", "resize to a size or by a factor", geometric=True)
def resize(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    if "size" in p:
        new_w, new_h = p["size"]
    elif "width" in p:
        new_w, new_h = int(p["width"]), max(1, round(h * int(p["width"]) / w))
    elif "height" in p:
        new_w, new_h = max(1, round(w * int(p["height"]) / h)), int(p["height"])
    else:
        factor = float(p.get("factor", 0.5))
        new_w, new_h = max(1, round(w * factor)), max(1, round(h * factor))
    new_w, new_h = min(int(new_w), 3840), min(int(new_h), 3840)
    if new_w * new_h > 8_294_400:
        scale = (8_294_400 / (new_w * new_h)) ** 0.5
        new_w, new_h = int(new_w * scale), int(new_h * scale)
    if new_w < w and new_h < h:
        return cv2.resize(img, (new_w, new_h), interpolation=cv2.INTER_AREA)
    channels = img.shape[2]
    pil = [Image.fromarray(img[..., c]).resize((new_w, new_h), Image.Resampling.LANCZOS) for c in range(channels)]
    return np.stack([np.asarray(c) for c in pil], axis=2).clip(0, 1).astype(np.float32)


@register("pad", "add a border, or pad to an aspect ratio, in a colour", geometric=True)
def pad(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    if "aspect" in p:
        a, b = p["aspect"]
        target = a / b
        new_w, new_h = (round(h * target), h) if w / h < target else (w, round(w / target))
        top, left = (new_h - h) // 2, (new_w - w) // 2
        bottom, right = new_h - h - top, new_w - w - left
    else:
        border = int(p.get("pixels", max(4, round(min(h, w) * float(p.get("pixels_fraction", 0.05))))))
        top = bottom = left = right = border
    fill = _fill(img, p.get("colour", (255, 255, 255)))
    return cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=fill)
