"""Cheap checks made before a request is accepted, so obvious mistakes answer 422 at once.

Only headers are read here (no full decode): the worker decodes every input fully and reports anything this pass
could not see (a truncated pixel stream, say) as the request's error. ``data:`` URIs are decoded from base64 once,
here, under the same byte limit as fetched images, and stored as files when the request is accepted.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from ..errors import InputError
from ..files.base import ObjectStore, content_key, file_path, key_from_url
from ..imaging.sniff import HEAD_BYTES, extension_for, sniff_image_type
from ..net.addresses import AddressPolicy, check_url
from ..net.data_uri import parse_data_uri

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


@dataclass
class CheckedInputs:
    """What the checks learnt: each image's size where it could be known, and the bytes of ``data:`` URIs (decoded
    once, here), which are stored as files when the request is accepted."""

    sizes: list[tuple[int, int] | None] = field(default_factory=list)
    staged: dict[str, bytes] = field(default_factory=dict)


class InputChecker:
    def __init__(
        self,
        files: ObjectStore,
        policy: AddressPolicy,
        *,
        max_pixels: int,
        max_bytes: int,
        resolver: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        self.files = files
        self.policy = policy
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
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

    def _source(self, url: str, field: str, owner: str | None) -> tuple[tuple[int, int] | None, bytes | None]:
        if url[:5].lower() == "data:":
            data, _ = parse_data_uri(url, field=field, max_bytes=self.max_bytes)
            return header_size(data, field, self.max_pixels), data
        own = self._own_file_size(url, field, owner)
        if own is not None:
            return own, None
        check_url(url, field=field, policy=self.policy, resolver=self.resolver)
        return None, None

    def _field(
        self, url: str, field: str, owner: str | None, uploads: dict[str, bytes]
    ) -> tuple[tuple[int, int] | None, bytes | None]:
        if field in uploads:
            data = uploads[field]
            if len(data) > self.max_bytes:
                raise InputError(field, f"image is {len(data)} bytes, more than the limit of {self.max_bytes}")
            return header_size(data, field, self.max_pixels), data
        return self._source(url, field, owner)

    def source_size(self, url: str, field: str, owner: str | None) -> tuple[int, int] | None:
        """The image's size when it can be known without a network fetch; None for remote URLs."""
        return self._source(url, field, owner)[0]

    def check(
        self, payload: dict[str, Any], owner: str | None, uploads: dict[str, bytes] | None = None
    ) -> CheckedInputs:
        """``uploads`` are files sent in the request itself (OpenAI's multipart), by the field they stand for."""
        checked = CheckedInputs()
        uploads = uploads or {}
        for i, url in enumerate(payload.get("image_urls") or []):
            size, data = self._field(url, f"image_urls.{i}", owner, uploads)
            checked.sizes.append(size)
            if data is not None:
                checked.staged[f"image_urls.{i}"] = data
        mask_url = payload.get("mask_image_url")
        if mask_url:
            mask_size, data = self._field(mask_url, "mask_image_url", owner, uploads)
            if data is not None:
                checked.staged["mask_image_url"] = data
            first = checked.sizes[0] if checked.sizes else None
            if mask_size is not None and first is not None and mask_size != first:
                raise InputError(
                    "mask_image_url",
                    f"mask is {mask_size[0]}x{mask_size[1]} but the first image is {first[0]}x{first[1]};"
                    " they must match",
                )
        return checked

    def store(
        self,
        payload: dict[str, Any],
        checked: CheckedInputs,
        owner: str | None,
        *,
        base_url: str,
        expires_at: float | None,
    ) -> dict[str, Any]:
        """The payload with each ``data:`` URI replaced by a reference to a stored file (by content, so the same
        image sent again is stored once): the job record stays small, and no status read carries megabytes."""
        if not checked.staged:
            return payload
        payload = dict(payload)
        urls = list(payload.get("image_urls") or [])
        for name, data in checked.staged.items():
            url = base_url.rstrip("/") + self._store_one(data, owner, expires_at)
            if name == "mask_image_url":
                payload["mask_image_url"] = url
            else:
                urls[int(name.rsplit(".", 1)[1])] = url
        if urls:
            payload["image_urls"] = urls
        return payload

    def _store_one(self, data: bytes, owner: str | None, expires_at: float | None) -> str:
        key = content_key(data, owner)
        content_type = sniff_image_type(data[:HEAD_BYTES]) or "application/octet-stream"
        name = f"input.{extension_for(content_type)}"
        existing = self.files.meta(key)
        # The same image sent again within a while is not written again: its expiry may lag this request's by a
        # tenth of the retention (at most an hour), never by more.
        slack = min(3600.0, (expires_at - time.time()) / 10) if expires_at is not None else 0.0
        keeps = existing is not None and (
            existing.expires_at is None or (expires_at is not None and existing.expires_at >= expires_at - slack)
        )
        if not keeps:
            self.files.put(data, file_name=name, content_type=content_type, owner=owner, expires_at=expires_at, key=key)
        return file_path(key, name)
