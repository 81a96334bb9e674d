"""Turns a job's input fields into decoded images and a mask, ready for an engine, within the job's memory budget.

The first image is the one edited: it is decoded at up to the output pixel limit (larger ones are scaled down, as
the spec says). The others are references (a style, a colour source, things to paste): they share what is left of
the job's pixel budget, and each is decoded straight at its share, so sixteen huge inputs cost no more memory than
the budget however large their files are. One input is fetched and decoded at a time, and its bytes dropped before
the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image

from ..errors import InputError
from ..imaging.decode import decode_image, decode_with_size
from ..imaging.limits import MAX_OUTPUT_PIXELS
from ..imaging.mask import mask_from_image
from ..imaging.sizes import fit_pixels
from ..net.fetch import ImageFetcher

# A reference image smaller than this is of no use to any engine: a budget that leaves less is refused.
MIN_REFERENCE_PIXELS = 256 * 256


@dataclass
class LoadedInputs:
    images: list[Image.Image]
    mask: Image.Image | None


def pixel_shares(count: int, job_pixels: int, output_pixels: int = MAX_OUTPUT_PIXELS) -> list[int]:
    """How many pixels each of ``count`` inputs may be decoded at: the first up to the output limit, the rest an
    equal share of what remains (each at most the output limit too)."""
    if count == 0:
        return []
    first = min(output_pixels, job_pixels)
    if count == 1:
        return [first]
    share = min(output_pixels, (job_pixels - first) // (count - 1))
    if share < MIN_REFERENCE_PIXELS:
        raise InputError(
            "image_urls",
            f"{count} images do not fit this server's per-job budget of {job_pixels} pixels; send fewer images",
        )
    return [first] + [share] * (count - 1)


def load_inputs(
    payload: dict[str, Any],
    fetcher: ImageFetcher,
    *,
    max_pixels: int,
    job_pixels: int,
) -> LoadedInputs:
    urls = list(payload.get("image_urls") or [])
    shares = pixel_shares(len(urls), job_pixels)
    images: list[Image.Image] = []
    first_file_size: tuple[int, int] | None = None
    for i, (url, share) in enumerate(zip(urls, shares, strict=True)):
        field = f"image_urls.{i}"
        image, file_size = decode_with_size(
            fetcher.fetch(url, field=field), field=field, max_pixels=max_pixels, target_pixels=share
        )
        first_file_size = first_file_size or file_size
        images.append(image)
    mask = None
    mask_url = payload.get("mask_image_url")
    if mask_url:
        field = "mask_image_url"
        raw = decode_image(fetcher.fetch(mask_url, field=field), field=field, max_pixels=max_pixels)
        mask = mask_from_image(raw, expected_size=first_file_size, field=field)
        if images and mask.size != images[0].size:  # the first image was decoded smaller: the mask follows it
            mask = mask.resize(images[0].size, Image.Resampling.NEAREST)
    return LoadedInputs(images=images, mask=mask)


def scale_to_limit(image: Image.Image, max_pixels: int) -> Image.Image:
    """Inputs above the output pixel limit are scaled down proportionally (SPEC: image_size auto)."""
    size = fit_pixels(image.size, max_pixels)
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)
