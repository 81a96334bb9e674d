"""Masks and the exact-preservation guarantee.

Internally a mask is mode ``L`` of the first image's size: 255 = may change, 0 = must be kept byte for byte.
fal masks are white/black images; OpenAI masks mark the editable area with transparency.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from ..errors import InputError


def _check_size(img: Image.Image, expected_size: tuple[int, int] | None, field: str) -> None:
    if expected_size is not None and img.size != expected_size:
        raise InputError(
            field,
            f"mask is {img.width}x{img.height} but the first image is {expected_size[0]}x{expected_size[1]};"
            " they must match",
        )


def mask_from_image(img: Image.Image, *, expected_size: tuple[int, int] | None, field: str) -> Image.Image:
    """White = may change. A mask whose colour is uniform but whose alpha varies is read OpenAI-style
    (transparent = may change), since that is what such a file means to the person who drew it."""
    _check_size(img, expected_size, field)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"))
        lum = np.asarray(rgba.convert("L"))
        if alpha.min() != alpha.max() and lum.min() == lum.max():
            return Image.fromarray((255 - alpha).astype(np.uint8), "L")
        # Transparent pixels count as black (keep): a mask painted on a transparent layer marks only its strokes.
        lum = (lum.astype(np.uint16) * alpha // 255).astype(np.uint8)
        return Image.fromarray(lum, "L")
    return img.convert("L")


def mask_from_openai_alpha(img: Image.Image, *, expected_size: tuple[int, int] | None, field: str) -> Image.Image:
    """OpenAI's rule: fully transparent pixels (alpha 0) are where the image may be edited."""
    _check_size(img, expected_size, field)
    if img.mode not in ("RGBA", "LA", "PA") and not (img.mode == "P" and "transparency" in img.info):
        raise InputError(field, "mask must have an alpha channel (transparent areas mark what to edit)")
    alpha = np.asarray(img.convert("RGBA").getchannel("A"))
    return Image.fromarray(np.where(alpha == 0, 255, 0).astype(np.uint8), "L")


def feather_inside(mask: Image.Image, radius: int) -> Image.Image:
    """Softens the mask's edge only inward, so a black (keep) pixel never receives any of the edit."""
    if radius <= 0:
        return mask
    blurred = mask.filter(ImageFilter.GaussianBlur(radius))
    eroded = mask.filter(ImageFilter.MinFilter(2 * radius + 1))
    soft = np.minimum(np.asarray(blurred), np.asarray(mask))
    soft = np.maximum(soft, np.asarray(eroded))
    return Image.fromarray(soft.astype(np.uint8), "L")


def composite_exact(original: Image.Image, edited: Image.Image, mask: Image.Image, *, feather: int = 0) -> Image.Image:
    """Edited pixels where the mask is white, the original's exact bytes where it is black, a blend between."""
    if edited.size != original.size:
        edited = edited.resize(original.size, Image.Resampling.LANCZOS)
    if mask.size != original.size:
        mask = mask.resize(original.size, Image.Resampling.NEAREST)
    mode = "RGBA" if "A" in original.mode or "A" in edited.mode else "RGB"
    orig = np.asarray(original.convert(mode))
    new = np.asarray(edited.convert(mode))
    m = np.asarray(feather_inside(mask.convert("L"), feather))
    weight = (m.astype(np.float32) / 255.0)[..., None]
    blended = np.rint(orig.astype(np.float32) * (1.0 - weight) + new.astype(np.float32) * weight)
    out = blended.clip(0, 255).astype(np.uint8)
    keep = m == 0
    out[keep] = orig[keep]
    full = m == 255
    out[full] = new[full]
    return Image.fromarray(out, mode)
