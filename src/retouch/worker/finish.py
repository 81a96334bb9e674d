"""Puts an engine's output into its final shape and enforces the mask guarantee, once, after every engine."""

from __future__ import annotations

from PIL import Image

from ..errors import InputError
from ..imaging.mask import composite_exact


def finish_output(
    image: Image.Image,
    original: Image.Image | None,
    mask: Image.Image | None,
    target: tuple[int, int] | None,
    *,
    explicit_size: bool,
    geometric: bool,
) -> Image.Image:
    """``original`` is the first input (None for generation); ``target`` the requested size when explicit.

    An engine that worked at another resolution is laid back over the original's exact size, so the exact mask
    composite can apply; only then is an explicitly requested size honoured.
    """
    if (
        original is not None
        and not geometric
        and image.size != original.size
        and (mask is not None or not explicit_size)
    ):
        image = image.resize(original.size, Image.Resampling.LANCZOS)
    if mask is not None and original is not None:
        if geometric:
            raise InputError(
                "mask_image_url",
                "a mask cannot be combined with an edit that changes the image geometry (crop, rotate, pad, "
                "resize); drop the mask or the geometric instruction",
            )
        image = composite_exact(original, image, mask)
    if explicit_size and target is not None and image.size != target and not geometric:
        image = image.resize(target, Image.Resampling.LANCZOS)
    return image
