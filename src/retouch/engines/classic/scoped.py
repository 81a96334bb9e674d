"""Running a step inside the region its words named ("darken the sky", "pixelate the background", "warm up the
shadows"): the operation is applied, then blended back with the region's weight.

Where the weight is exactly 0 the result is the input, bit for bit, so "make the sky bluer" leaves the ground
byte-identical. With a mask, the mask is the region (the engine and the worker already keep everything outside it),
except for tonal ranges, which still weigh the pixels inside the mask by their lightness.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .colour import Array, luminance
from .ops import OpContext, OpSpec


def _tonal(img: Array, region: str) -> Array:
    light = luminance(img)
    if region == "shadows":
        weight = np.clip((0.55 - light) / 0.45, 0.0, 1.0)
    else:
        weight = np.clip((light - 0.45) / 0.45, 0.0, 1.0)
    return (weight * weight * (3.0 - 2.0 * weight)).astype(np.float32)  # smoothstep: no visible band


def region_weight(region: str, img: Array, ctx: OpContext) -> Array:
    """0..1 per pixel: how much of the edit a pixel receives."""
    if region in ("shadows", "highlights"):
        return _tonal(img, region)
    if ctx.mask is not None:
        return np.ones(img.shape[:2], np.float32)
    if region == "sky":
        from .sky import find_sky

        weight = find_sky(img)
    elif region in ("face", "one face"):
        weight = _faces(img, single=region == "one face")
    else:
        from .foreground import find_foreground

        subject = find_foreground(img)
        weight = subject if region == "subject" else 1.0 - subject
    weight = np.asarray(weight, dtype=np.float32)
    weight[weight < 1.0 / 255.0] = 0.0  # a detector's faint tail is outside, exactly
    return weight


def _faces(img: Array, *, single: bool) -> Array:
    """Each face the networks find, forehead to chin (the face mesh's outline), with an edge soft enough that
    a brightened face shows no seam; refused when there is none, or several where the words named one. Drawn and
    softened in each face's own window (wide enough for the soft edge), not over the whole picture."""
    from .face_regions import FACE_OVAL, face_width, polygon, soften, window
    from .faces import faces_for

    faces = faces_for(img, "change the face", which=None, hole=None, single=single)
    weight = np.zeros(img.shape[:2], np.float32)
    for face in faces:
        points = face.landmarks.points
        win = window(points, img.shape, margin=0.3)
        area = weight[win.slices]
        oval = soften(polygon(points, FACE_OVAL, win), max(1.0, face_width(points) * 0.05))
        np.maximum(area, oval, out=area)
    return weight


def apply_step(spec: OpSpec, img: Array, params: dict[str, Any], ctx: OpContext) -> Array:
    """The operation on the whole image, or only inside ``params['region']`` when the words named one."""
    region = params.get("region")
    if region is None or spec.geometric:
        return spec.apply(img, params, ctx)
    inner = {k: v for k, v in params.items() if k != "region"}
    out = spec.apply(img, inner, ctx).astype(np.float32)
    weight = region_weight(str(region), img, ctx)[..., None]
    if out.shape[2] != img.shape[2]:  # an operation that made an alpha channel: only its colour is scoped
        out = out[..., : img.shape[2]]
    return (img + (out - img) * weight).astype(np.float32)
