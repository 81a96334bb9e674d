"""Text overlays in Roboto (Apache-2.0, shipped by the ``font-roboto`` package), never a system font, so the
same request draws the same pixels on every machine."""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .colour import Array
from .ops import OpContext, register
from .vocabulary import POSITIONS

SIZES = {"tiny": 0.03, "small": 0.045, "medium": 0.07, "large": 0.11, "big": 0.11, "huge": 0.17, "giant": 0.17}


@functools.lru_cache(maxsize=16)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    import font_roboto

    path = os.path.join(font_roboto.font_directory, "Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf")
    return ImageFont.truetype(path, size)


def _fit(text: str, bold: bool, size: int, max_width: int) -> ImageFont.FreeTypeFont:
    """Shrinks the font until the text fits the image's width (a caption must not be cut off)."""
    font = _font(bold, size)
    while size > 8 and font.getlength(text) > max_width:
        size = int(size * 0.9)
        font = _font(bold, size)
    return font


@register("text", "draw text at a position, in a colour and size, with an optional outline or shadow")
def text(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    pil = Image.fromarray((np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")
    size = int(p["pixels"]) if "pixels" in p else max(8, round(h * SIZES.get(p.get("size", "medium"), 0.07)))
    content = str(p["text"])
    margin = round(min(w, h) * 0.04)
    font = _fit(content, bool(p.get("bold", True)), size, w - 2 * margin)
    draw = ImageDraw.Draw(pil)
    left, top, right, bottom = draw.textbbox((0, 0), content, font=font)
    tw, th = right - left, bottom - top
    fx, fy = POSITIONS[p.get("position", "bottom center")]
    x = margin + fx * (w - 2 * margin - tw) - left
    y = margin + fy * (h - 2 * margin - th) - top
    colour = tuple(p.get("colour", (255, 255, 255)))
    stroke = max(1, size // 14) if p.get("outline") else 0
    stroke_colour = tuple(p.get("outline_colour", (0, 0, 0) if sum(colour) > 384 else (255, 255, 255)))
    if p.get("shadow"):
        offset = max(1, size // 16)
        draw.text((x + offset, y + offset), content, font=font, fill=(0, 0, 0))
    draw.text((x, y), content, font=font, fill=colour, stroke_width=stroke, stroke_fill=stroke_colour)
    return np.asarray(pil, dtype=np.float32) / 255.0
