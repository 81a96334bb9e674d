"""The operation registry: every operation the classic engine can run, by name.

An operation takes the working image (float32 RGB in 0..1, H x W x 3) and its parameters, and returns a new
working image. Geometric operations may change the size; they cannot be combined with a mask. Part 2 (regions)
adds operations here without touching the parser's core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray


@dataclass
class OpContext:
    """What an operation may need beyond its own image: the seed's random stream, the other input images."""

    rng: np.random.Generator
    inputs: Sequence[Array] = field(default_factory=list)  # the other input images, float32 RGB
    mask: Array | None = None  # float32 H x W, 1 = may change (edge softened inward)
    hole: Array | None = None  # bool H x W: the mask's white area, hard-edged (what removal fills)
    input_alphas: Sequence[Array | None] = field(default_factory=list)


OpFunc = Callable[[Array, dict[str, Any], OpContext], Array]


@dataclass(frozen=True)
class OpSpec:
    name: str
    apply: OpFunc
    summary: str
    geometric: bool = False
    uses_rng: bool = False


REGISTRY: dict[str, OpSpec] = {}


def register(name: str, summary: str, *, geometric: bool = False, uses_rng: bool = False) -> Callable[[OpFunc], OpFunc]:
    def wrap(func: OpFunc) -> OpFunc:
        REGISTRY[name] = OpSpec(name, func, summary, geometric=geometric, uses_rng=uses_rng)
        return func

    return wrap


def capabilities() -> str:
    """One line listing what the engine can do, for refusals and docs."""
    groups = {
        "colour and light": "brightness, exposure, contrast, shadows, highlights, gamma, saturation, vibrance, warmth, "
        "colour balance (greener, less red), selective colour (the reds ... magentas, skin tones), colour splash, "
        "tint, hue shift, black & white, sepia, invert, auto levels, white balance (also from 'too blue'), looks "
        "(golden hour, night, moody, vintage, 70s, 80s film, cozy, dreamy, high key, low key, faded film, "
        "cinematic, dramatic); any of them only in the sky, the background, the subject, the faces, the shadows or "
        "the highlights",
        "filters": "blur, sharpen, denoise, dehaze, vignette, grain, pixelate, posterize, cartoon, pencil sketch, "
        "emboss, oil painting, watercolour",
        "text": "add text with position, colour, size, outline or shadow",
        "geometry": "rotate (a slight rotation crops its corners), straighten the horizon, flip, crop to an aspect "
        "ratio, a region, a side or the subject, zoom in, resize, pad or add a border",
        "regions": "remove what a mask covers (inpainting); blur, replace (colour, gradient, another image) or "
        "remove the background; take the colours of another image; paste another image or a logo as a "
        "watermark; side by side",
        "faces": "blur, pixelate or black-box the faces (anonymise); smooth or even out the skin, whiten teeth, "
        "brighten eyes, remove red eye, colour the lips; crop to a headshot, centre on the face, crop to a ratio "
        "keeping the faces, passport photo",
    }
    return "; ".join(f"{k}: {v}" for k, v in groups.items())
