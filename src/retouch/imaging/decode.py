"""Bytes → a Pillow image the engines can trust (RGB/RGBA, upright, bounded in size).

Everything unreadable becomes an InputError naming the request field, so a user sees which image was wrong.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InputError

DEFAULT_MAX_PIXELS = 33_177_600  # 7680x4320: inputs may be larger than outputs, and are scaled down


def decode_image(
    data: bytes, *, field: str, max_pixels: int = DEFAULT_MAX_PIXELS, target_pixels: int | None = None
) -> Image.Image:
    """Decodes fully (so truncation shows here), applies EXIF orientation, and normalises the mode.

    With ``target_pixels``, an image larger than that is decoded at a reduced size (JPEG's own DCT scaling where it
    can, so the full-size pixels never exist in memory) and scaled to fit: a job's inputs stay within its memory
    budget however large the files are. ``decode_with_size`` also tells the size the file has before that reduction.
    """
    return decode_with_size(data, field=field, max_pixels=max_pixels, target_pixels=target_pixels)[0]


def decode_with_size(
    data: bytes, *, field: str, max_pixels: int = DEFAULT_MAX_PIXELS, target_pixels: int | None = None
) -> tuple[Image.Image, tuple[int, int]]:
    """The decoded image and the file's own (upright) size, before any reduction to ``target_pixels``."""
    if not data:
        raise InputError(field, "image is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > max_pixels:
                raise InputError(field, f"image is {width}x{height}, more than the limit of {max_pixels} pixels")
            if getattr(img, "n_frames", 1) > 1:
                img.seek(0)
            if target_pixels and width * height > target_pixels and img.format == "JPEG":
                scale = (target_pixels / (width * height)) ** 0.5
                img.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
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
    swapped = upright.size != img.size
    result = normalise_mode(upright)
    if target_pixels and result.width * result.height > target_pixels:
        result = result.resize(_fit(result.size, target_pixels), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return result, (height, width) if swapped else (width, height)


def _fit(size: tuple[int, int], pixels: int) -> tuple[int, int]:
    w, h = size
    scale = (pixels / (w * h)) ** 0.5
    return max(1, int(w * scale)), max(1, int(h * scale))


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
