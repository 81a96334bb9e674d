"""Pillow image → bytes in the requested output format."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pybase64
from PIL import Image

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}


def encode_image(img: Image.Image, fmt: str, *, quality: int | None = None, lossless: bool | None = None) -> bytes:
    """PNG keeps alpha; JPEG flattens it onto white (JPEG has none); WebP is lossless unless a quality is given."""
    fmt = fmt.lower()
    buf = io.BytesIO()
    if fmt == "png":
        if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            img = img.convert("RGBA" if "A" in img.mode else "RGB")
        if img.mode in ("RGB", "RGBA"):
            return _png_rle(img)
        img.save(buf, format="PNG", compress_level=1)
    elif fmt == "jpeg":
        if img.mode in ("RGBA", "LA", "P"):
            rgba = img.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            img = flat
        elif img.mode != "RGB":
            img = img.convert("RGB")
        img.save(buf, format="JPEG", quality=quality or 95, subsampling=0 if (quality or 95) >= 90 else 2)
    elif fmt == "webp":
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGBA" if "A" in img.mode else "RGB")
        use_lossless = lossless if lossless is not None else quality is None
        if use_lossless:
            img.save(buf, format="WEBP", lossless=True, quality=50, method=1, exact=True)
        else:
            img.save(buf, format="WEBP", quality=quality or 90)
    else:
        raise ValueError(f"unsupported output format {fmt!r}")
    return buf.getvalue()


def _png_rle(img: Image.Image) -> bytes:
    """libpng with zlib's run-length strategy: on photographs about a third faster than Pillow's encoder at its
    fastest level (which spends most of its time choosing row filters), and smaller (512x512: 24 vs 38 ms,
    422 vs 466 KB); flat graphics shrink further. Lossless and deterministic like any PNG."""
    arr = np.asarray(img)
    code = cv2.COLOR_RGB2BGR if img.mode == "RGB" else cv2.COLOR_RGBA2BGRA
    params = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    ok, out = cv2.imencode(".png", cv2.cvtColor(arr, code), params)
    if not ok:
        raise ValueError("PNG encoding failed")
    return bytes(out)


def encode_data_uri(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{pybase64.b64encode(data).decode('ascii')}"
