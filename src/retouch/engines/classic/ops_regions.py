"""Region operations: removal (inpainting), background blur/replace/remove, colour transfer and pasting from
another input image, side by side. The mask (white = may change) says where; without one, removal is refused and
the background comes from ``foreground.py``."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ...errors import EngineRefusal
from .colour import Array, from_lab, to_lab
from .foreground import find_foreground
from .inpaint import fill_holes
from .ops import OpContext, register


def _u8(img: Array) -> np.ndarray:
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


@register("remove", "remove what the mask covers and fill it from its surroundings (inpainting)", uses_rng=True)
def remove(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    if ctx.hole is None:
        raise EngineRefusal("removing something needs a mask that marks it (white where it is)")
    seed = int(ctx.rng.integers(0, 2**31))
    return fill_holes(_u8(img), ctx.hole, seed=seed).astype(np.float32) / 255.0


def _background_weight(img: Array, ctx: OpContext) -> Array:
    """1 where the background is: the mask when given (white = background), else the inverse of the subject."""
    if ctx.mask is not None:
        return ctx.mask
    return 1.0 - find_foreground(img)


@register("background_blur", "blur the background, keep the subject sharp")
def background_blur(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    weight = _background_weight(img, ctx)[..., None]
    sigma = max(2.0, min(img.shape[:2]) / 120.0 * float(p.get("amount", 1.0)) * 2)
    blurred = cv2.GaussianBlur(img, (0, 0), sigma)
    return (img * (1 - weight) + blurred * weight).astype(np.float32)


@register("background_replace", "replace the background with a colour, a gradient or another input image")
def background_replace(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    weight = _background_weight(img, ctx)[..., None]
    h, w = img.shape[:2]
    if p.get("source") == "image":
        index = int(p.get("image", 1))
        if index >= len(ctx.inputs) + 1 or index < 1:
            raise EngineRefusal(f"the prompt names input image {index + 1}, but only {len(ctx.inputs) + 1} were sent")
        back = cv2.resize(ctx.inputs[index - 1], (w, h), interpolation=cv2.INTER_AREA)
    else:
        first = np.array(p.get("colour", (255, 255, 255)), dtype=np.float32) / 255
        second = np.array(p.get("colour2", p.get("colour", (255, 255, 255))), dtype=np.float32) / 255
        t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        back = np.broadcast_to(first * (1 - t) + second * t, (h, w, 3))
    return (img * (1 - weight) + back * weight).astype(np.float32)


@register("background_remove", "make the background transparent (PNG/WebP alpha)")
def background_remove(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    weight = _background_weight(img, ctx)
    alpha = (1.0 - weight)[..., None].astype(np.float32)
    return np.concatenate([img[..., :3], alpha], axis=2)


@register("colour_transfer", "take the colours of another input image (mean and spread in CIELAB)")
def colour_transfer(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    index = int(p.get("image", 1))
    if not ctx.inputs or index > len(ctx.inputs):
        raise EngineRefusal("taking the colours of another image needs a second image in image_urls")
    source = to_lab(img)
    ref = to_lab(ctx.inputs[index - 1])
    for c in range(3):
        s_mean, s_std = source[..., c].mean(), source[..., c].std() + 1e-6
        r_mean, r_std = ref[..., c].mean(), ref[..., c].std() + 1e-6
        source[..., c] = (source[..., c] - s_mean) * (r_std / s_std) + r_mean
    source[..., 0] = np.clip(source[..., 0], 0, 100)
    return from_lab(source)


@register("paste", "paste another input image into the mask or a corner (its alpha kept)")
def paste(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    from .vocabulary import POSITIONS

    index = int(p.get("image", 1))
    if not ctx.inputs or index > len(ctx.inputs):
        raise EngineRefusal("pasting needs a second image in image_urls")
    over = ctx.inputs[index - 1]
    h, w = img.shape[:2]
    if ctx.hole is not None and ctx.hole.any():
        ys, xs = np.nonzero(ctx.hole)
        y0, x0, y1, x1 = ys.min(), xs.min(), ys.max() + 1, xs.max() + 1
    else:
        bw = max(1, round(w * float(p.get("scale", 0.3))))
        bh = max(1, round(bw * over.shape[0] / over.shape[1]))
        fx, fy = POSITIONS[p.get("position", "bottom right")]
        margin = round(min(w, h) * 0.03)
        x0 = int(margin + fx * (w - 2 * margin - bw))
        y0 = int(margin + fy * (h - 2 * margin - bh))
        x1, y1 = x0 + bw, y0 + bh
    fitted = cv2.resize(over, (int(x1 - x0), int(y1 - y0)), interpolation=cv2.INTER_AREA)
    alpha = ctx.input_alphas[index - 1] if ctx.input_alphas else None
    a = np.ones(fitted.shape[:2] + (1,), np.float32)
    if alpha is not None:
        a = cv2.resize(alpha, (int(x1 - x0), int(y1 - y0)), interpolation=cv2.INTER_AREA)[..., None]
    a = a * np.float32(float(p.get("opacity", 1.0)))
    out = img.copy()
    out[y0:y1, x0:x1] = out[y0:y1, x0:x1] * (1 - a) + fitted[..., :3] * a
    return out


@register("side_by_side", "place the input images next to each other", geometric=True)
def side_by_side(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h = img.shape[0]
    parts = [img[..., :3]]
    for other in ctx.inputs:
        scale = h / other.shape[0]
        parts.append(cv2.resize(other, (max(1, round(other.shape[1] * scale)), h), interpolation=cv2.INTER_AREA))
    return np.concatenate(parts, axis=1)


@register("extend", "extend the canvas and fill the new border from the picture (outpainting)", geometric=True)
def extend(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    top = bottom = left = right = 0
    if "aspect" in p:
        a, b = p["aspect"]
        target = a / b
        if w / h < target:
            extra = round(h * target) - w
            left, right = extra // 2, extra - extra // 2
        else:
            extra = round(w / target) - h
            top, bottom = extra // 2, extra - extra // 2
    else:
        share = float(p.get("share", 0.25))
        sides = p.get("sides", ["left", "right"])
        across = [s for s in sides if s in ("left", "right")]
        down = [s for s in sides if s in ("top", "bottom")]
        each_x = round(w * share / max(1, len(across)))
        each_y = round(h * share / max(1, len(down)))
        left, right = (each_x if "left" in sides else 0), (each_x if "right" in sides else 0)
        top, bottom = (each_y if "top" in sides else 0), (each_y if "bottom" in sides else 0)
    if max(h + top + bottom, w + left + right) > 3840:
        raise EngineRefusal("the extended canvas would be larger than 3840 pixels on a side")
    rgb = img[..., :3]
    canvas = cv2.copyMakeBorder(_u8(rgb), top, bottom, left, right, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    hole = np.ones(canvas.shape[:2], bool)
    hole[top : top + h, left : left + w] = False
    filled = fill_holes(canvas, hole, seed=int(ctx.rng.integers(0, 2**31))).astype(np.float32) / 255.0
    if img.shape[2] == 4:  # the new border is opaque
        alpha = cv2.copyMakeBorder(img[..., 3], top, bottom, left, right, cv2.BORDER_CONSTANT, value=1.0)
        return np.concatenate([filled, alpha[..., None]], axis=2)
    return filled


@register(
    "sky_replace", "replace the sky (from the mask, or a strictly checked detection) with a painted one", uses_rng=True
)
def sky_replace(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    from .sky import find_sky, paint_sky

    weight = ctx.mask if ctx.mask is not None else find_sky(img)
    h, w = img.shape[:2]
    painted = paint_sky(p.get("style", "clear"), (w, h), ctx.rng, intense=bool(p.get("intense")))
    return (img * (1 - weight[..., None]) + painted * weight[..., None]).astype(np.float32)
