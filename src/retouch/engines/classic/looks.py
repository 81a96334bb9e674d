"""Named looks, each a documented recipe of basic operations (see docs/classic.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .colour import Array
from .ops import OpContext, register
from .ops_tone import apply_steps

LOOKS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "golden_hour": [("warmth", {"amount": 1.6}), ("saturation", {"amount": 0.4}), ("contrast", {"amount": 0.3})],
    "night": [
        ("exposure", {"ev": -1.3}),
        ("warmth", {"direction": -1, "amount": 1.5}),
        ("saturation", {"direction": -1, "amount": 0.6}),
        ("contrast", {"amount": 0.4}),
    ],
    "moody": [
        ("brightness", {"direction": -1, "amount": 0.6}),
        ("saturation", {"direction": -1, "amount": 0.8}),
        ("contrast", {"amount": 0.8}),
        ("warmth", {"direction": -1, "amount": 0.4}),
        ("vignette", {"amount": 1.0}),
    ],
    "vintage": [
        ("sepia", {"amount": 0.45}),
        ("contrast", {"direction": -1, "amount": 0.6}),
        ("fade", {"amount": 1.0}),
        ("vignette", {"amount": 0.8}),
        ("grain", {"amount": 0.6}),
    ],
    "high_key": [("exposure", {"ev": 0.8}), ("contrast", {"direction": -1, "amount": 0.8})],
    "low_key": [("exposure", {"ev": -0.8}), ("contrast", {"amount": 1.0}), ("vignette", {"amount": 0.8})],
    "faded_film": [
        ("fade", {"amount": 1.5}),
        ("saturation", {"direction": -1, "amount": 0.5}),
        ("warmth", {"amount": 0.4}),
        ("grain", {"amount": 0.5}),
    ],
    "cinematic": [
        ("contrast", {"amount": 0.6}),
        ("split_tone", {"amount": 1.0}),
        ("saturation", {"direction": -1, "amount": 0.3}),
    ],
    "dramatic": [("contrast", {"amount": 1.4}), ("vibrance", {"amount": 0.8}), ("vignette", {"amount": 0.9})],
    "seventies": [
        ("warmth", {"amount": 1.2}),
        ("colour_balance", {"toward": "yellow", "amount": 0.6}),
        ("saturation", {"direction": -1, "amount": 0.35}),
        ("contrast", {"direction": -1, "amount": 0.5}),
        ("fade", {"amount": 1.2}),
        ("grain", {"amount": 0.5}),
    ],
    "eighties_film": [
        ("contrast", {"amount": 0.5}),
        ("saturation", {"amount": 0.5}),
        ("colour_balance", {"toward": "magenta", "amount": 0.5}),
        ("fade", {"amount": 0.6}),
        ("vignette", {"amount": 0.5}),
        ("grain", {"amount": 0.7}),
    ],
    "cozy": [
        ("warmth", {"amount": 1.4}),
        ("shadows", {"amount": 0.6}),
        ("contrast", {"direction": -1, "amount": 0.4}),
        ("vignette", {"amount": 0.6}),
    ],
    "dreamy": [
        ("glow", {"amount": 1.0}),
        ("contrast", {"direction": -1, "amount": 0.6}),
        ("saturation", {"direction": -1, "amount": 0.3}),
        ("exposure", {"ev": 0.25}),
    ],
}


@register("fade", "lift the blacks (matte film look)")
def fade(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    lift = np.float32(0.08 * float(p.get("amount", 1.0)))
    return (lift + img * (1.0 - lift)).astype(np.float32)


@register("look", "a named look (golden hour, night, moody, vintage, high key, low key, faded film, ...)")
def look(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    recipe = LOOKS[p["name"]]
    strength = float(p.get("amount", 1.0))
    out = np.asarray(apply_steps(img, recipe, ctx), dtype=np.float32)
    if strength < 1.0:
        out = img + (out - img) * np.float32(strength)
    # Clipped in place when the steps made a new array (they do): one pass less over the picture.
    return np.clip(out, 0, 1, out=out if out is not img else None)
