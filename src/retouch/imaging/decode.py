"""Bytes → a Pillow image the engines can trust (RGB/RGBA, upright, bounded in size).

Everything unreadable becomes an InputError naming the request field, so a user sees which image was wrong.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InputError

DEFAULT_MAX_PIXELS = 33_177_600  # 7680x4320: inputs may be larger than outputs, and are scaled down
_MIME = re.compile(r"^[\w.+-]+/[\w.+-]+$")
_SPACE = re.compile(r"\s+")


def parse_data_uri(uri: str, *, field: str, max_bytes: int | None = None) -> tuple[bytes, str]:
    """Splits by hand rather than with a regex over the whole string: inputs are often megabytes long.

    ``max_bytes`` bounds the decoded size, checked from the encoded length before anything is decoded.
    """
    head, comma, payload = uri.strip().partition(",")
    if not comma or not head.lower().startswith("data:"):
        raise InputError(field, "is not a valid data: URI (expected data:<mime>;base64,<data>)")
    parts = head[5:].split(";")
    mime = parts[0] or "application/octet-stream"
    if not _MIME.match(mime):
        raise InputError(field, "is not a valid data: URI (expected data:<mime>;base64,<data>)")
    if "base64" not in (p.strip().lower() for p in parts[1:]):
        raise InputError(field, "data: URI must be base64-encoded (data:<mime>;base64,...)")
    if max_bytes is not None and len(payload) * 3 // 4 > max_bytes + 3:
        raise InputError(field, f"image is about {len(payload) * 3 // 4} bytes, more than the limit of {max_bytes}")
    if _SPACE.search(payload[:256]) or _SPACE.search(payload[-256:]) or "\n" in payload:
        payload = _SPACE.sub("", payload)
    urlsafe = "-" in payload or "_" in payload
    payload += "=" * (-len(payload) % 4)
    try:
        data = base64.b64decode(payload, altchars=b"-_" if urlsafe else None, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(field, "data: URI holds invalid base64") from exc
    if not data:
        raise InputError(field, "data: URI is empty")
    return data, mime


def decode_image(data: bytes, *, field: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decodes fully (so truncation shows here), applies EXIF orientation, and normalises the mode."""
    if not data:
        raise InputError(field, "image is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > max_pixels:
                raise InputError(field, f"image is {width}x{height}, more than the limit of {max_pixels} pixels")
            if getattr(img, "n_frames", 1) > 1:
                img.seek(0)
            img.load()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(field, f"image exceeds the pixel limit of {max_pixels} pixels") from exc
    except UnidentifiedImageError as exc:
        raise InputError(field, "is not a recognised image format (use PNG, JPEG, WebP, GIF, BMP or TIFF)") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputError(field, f"image could not be decoded: {exc}") from exc
    upright: Image.Image = img
    try:
        upright = ImageOps.exif_transpose(img) or img
    except Exception:  # noqa: BLE001 - a broken EXIF block must not lose the image
        pass
    return normalise_mode(upright)


def normalise_mode(img: Image.Image) -> Image.Image:
    """RGB for opaque images, RGBA when there is transparency; palette and 16-bit images converted."""
    if img.mode in ("RGB", "RGBA"):
        return img
    if img.mode in ("P", "PA"):
        has_alpha = "transparency" in img.info or img.mode == "PA"
        return img.convert("RGBA" if has_alpha else "RGB")
    if img.mode in ("LA", "La", "RGBa"):
        return img.convert("RGBA")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = img.point(lambda v: v / 256).convert("L") if img.mode != "I" else img.convert("L")
        return arr.convert("RGB")
    return img.convert("RGB")
