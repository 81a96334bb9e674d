"""Cheap checks made before a request is accepted, so obvious mistakes answer 422 at once.

Only headers are read here (no full decode): the worker decodes every input fully and reports anything this pass
could not see (a truncated pixel stream, say) as the request's error.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from PIL import Image, UnidentifiedImageError

from ..errors import InputError
from ..files.base import ObjectStore, key_from_url
from ..imaging.decode import parse_data_uri
from ..net.addresses import AddressPolicy, check_url

_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}


def header_size(data: bytes, field: str, max_pixels: int) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            orientation = _orientation(img)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, UnidentifiedImageError):
            reason = "not a recognised image format (use PNG, JPEG, WebP, GIF, BMP or TIFF)"
        elif "truncat" not in reason.lower() and isinstance(exc, OSError):
            reason = f"the file is truncated or broken ({reason})"
        raise InputError(field, f"is not a readable image: {reason}") from exc
    if width * height > max_pixels:
        raise InputError(field, f"image is {width}x{height}, more than the limit of {max_pixels} pixels")
    return (height, width) if orientation in _SWAPPING_ORIENTATIONS else (width, height)


def _orientation(img: Image.Image) -> int:
    """EXIF orientation without decoding pixels: Pillow's getexif() loads a whole PNG to look for a late chunk."""
    if img.format == "PNG":
        raw = img.info.get("exif")
        if not raw:
            return 1
        exif = Image.Exif()
        exif.load(raw)
        return int(exif.get(0x0112, 1))
    return int(img.getexif().get(0x0112, 1))


class InputChecker:
    def __init__(
        self,
        files: ObjectStore,
        policy: AddressPolicy,
        *,
        max_pixels: int,
        resolver: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        self.files = files
        self.policy = policy
        self.max_pixels = max_pixels
        self.resolver = resolver

    def _own_file_size(self, url: str, field: str, owner: str | None) -> tuple[int, int] | None:
        key = key_from_url(url)
        if key is None:
            return None
        found = self.files.get(key)
        if found is None:
            return None
        data, meta = found
        if meta.owner is not None and owner is not None and meta.owner != owner:
            raise InputError(field, "file not found")
        return header_size(data, field, self.max_pixels)

    def source_size(self, url: str, field: str, owner: str | None) -> tuple[int, int] | None:
        """The image's size when it can be known without a network fetch; None for remote URLs."""
        if url[:5].lower() == "data:":
            data, _ = parse_data_uri(url, field=field)
            return header_size(data, field, self.max_pixels)
        own = self._own_file_size(url, field, owner)
        if own is not None:
            return own
        check_url(url, field=field, policy=self.policy, resolver=self.resolver)
        return None

    def check(self, payload: dict[str, Any], owner: str | None) -> None:
        urls = payload.get("image_urls") or []
        sizes = [self.source_size(url, f"image_urls.{i}", owner) for i, url in enumerate(urls)]
        mask_url = payload.get("mask_image_url")
        if mask_url:
            mask_size = self.source_size(mask_url, "mask_image_url", owner)
            first = sizes[0] if sizes else None
            if mask_size is not None and first is not None and mask_size != first:
                raise InputError(
                    "mask_image_url",
                    f"mask is {mask_size[0]}x{mask_size[1]} but the first image is {first[0]}x{first[1]};"
                    " they must match",
                )
