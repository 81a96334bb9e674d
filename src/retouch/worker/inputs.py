"""Turns a job's input fields into decoded images and a mask, ready for an engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image

from ..imaging.decode import decode_image
from ..imaging.mask import mask_from_image
from ..imaging.sizes import fit_pixels
from ..net.fetch import ImageFetcher


@dataclass
class LoadedInputs:
    images: list[Image.Image]
    mask: Image.Image | None


def load_inputs(payload: dict[str, Any], fetcher: ImageFetcher, *, max_pixels: int) -> LoadedInputs:
    images: list[Image.Image] = []
    for i, url in enumerate(payload.get("image_urls") or []):
        field = f"image_urls.{i}"
        images.append(decode_image(fetcher.fetch(url, field=field), field=field, max_pixels=max_pixels))
    mask = None
    mask_url = payload.get("mask_image_url")
    if mask_url:
        field = "mask_image_url"
        raw = decode_image(fetcher.fetch(mask_url, field=field), field=field, max_pixels=max_pixels)
        mask = mask_from_image(raw, expected_size=images[0].size, field=field)
    return LoadedInputs(images=images, mask=mask)


def scale_to_limit(image: Image.Image, max_pixels: int) -> Image.Image:
    """Inputs above the output pixel limit are scaled down proportionally (SPEC: image_size auto)."""
    size = fit_pixels(image.size, max_pixels)
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)
