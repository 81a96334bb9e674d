"""Colour and light: each operation moves a measurable quantity (L*, the spread of L*, chroma, b*, ...)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .colour import Array, from_lab, from_linear, luminance, rgb_to_lab_colour, to_lab, to_linear
from .ops import OpContext, register


def _strength(p: dict[str, Any]) -> float:
    return float(p.get("amount", 1.0))


@register("brightness", "raise or lower lightness (L*)")
def brightness(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    if "percent" in p:  # "by 20%": scale lightness by that much
        lab = to_lab(img)
        lab[..., 0] = np.clip(lab[..., 0] * (1.0 + float(p["percent"])), 0, 100)
        return from_lab(lab)
    delta = 10.0 * _strength(p) * (1 if p.get("direction", 1) > 0 else -1)
    lab = to_lab(img)
    light = lab[..., 0]
    # Lift mid-tones more than the ends so highlights are not clipped flat.
    weight = 1.0 - ((light - 50.0) / 50.0) ** 2 * 0.5
    lab[..., 0] = np.clip(light + delta * weight, 0, 100)
    return from_lab(lab)


@register("exposure", "exposure in stops (EV), in linear light")
def exposure(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    return from_linear(to_linear(img) * np.float32(2.0 ** float(p.get("ev", 0.5))))


@register("contrast", "spread of lightness around mid-grey")
def contrast(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    if "percent" in p:
        factor = 1.0 + float(p["percent"])
    else:
        step = 0.25 * _strength(p)
        factor = 1.0 + step if p.get("direction", 1) > 0 else 1.0 / (1.0 + step)
    lab = to_lab(img)
    mean = float(lab[..., 0].mean())
    lab[..., 0] = np.clip(mean + (lab[..., 0] - mean) * factor, 0, 100)
    return from_lab(lab)


@register("gamma", "gamma curve (above 1 brightens mid-tones)")
def gamma(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    g = max(0.05, float(p.get("gamma", 1.0)))
    return np.power(np.clip(img, 0, 1), 1.0 / g).astype(np.float32)


def _scale_chroma(img: Array, factor: float | Array) -> Array:
    lab = to_lab(img)
    lab[..., 1:] *= factor if np.isscalar(factor) else np.asarray(factor)[..., None]
    return from_lab(lab)


@register("saturation", "scale chroma")
def saturation(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    if "percent" in p:
        return _scale_chroma(img, max(0.0, 1.0 + float(p["percent"])))
    step = 0.35 * _strength(p)
    return _scale_chroma(img, 1.0 + step if p.get("direction", 1) > 0 else max(0.0, 1.0 - step * 0.8))


@register("vibrance", "raise chroma of muted colours more than of vivid ones")
def vibrance(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    lab = to_lab(img)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    sign = 1 if p.get("direction", 1) > 0 else -1
    factor = 1.0 + sign * 0.5 * _strength(p) * np.clip(1.0 - chroma / 60.0, 0.0, 1.0)
    lab[..., 1:] *= factor[..., None]
    return from_lab(lab)


@register("warmth", "shift toward yellow/orange (warmer) or blue (cooler)")
def warmth(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    sign = 1 if p.get("direction", 1) > 0 else -1
    lab = to_lab(img)
    lab[..., 2] += sign * 9.0 * _strength(p)
    lab[..., 1] += sign * 2.0 * _strength(p)
    return from_lab(lab)


@register("tint", "shift toward magenta or green")
def tint(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    lab = to_lab(img)
    lab[..., 1] += (1 if p.get("toward", "magenta") == "magenta" else -1) * 7.0 * _strength(p)
    return from_lab(lab)


@register("colour_tint", "wash the image toward a colour, keeping its light")
def colour_tint(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    target = rgb_to_lab_colour(tuple(p["colour"]))
    mix = float(np.clip(0.3 * _strength(p), 0.0, 1.0))
    lab = to_lab(img)
    lab[..., 1] = lab[..., 1] * (1 - mix) + target[1] * mix
    lab[..., 2] = lab[..., 2] * (1 - mix) + target[2] * mix
    return from_lab(lab)


@register("hue_shift", "rotate hues by an angle")
def hue_shift(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    angle = math.radians(float(p.get("degrees", 30)))
    lab = to_lab(img)
    a, b = lab[..., 1].copy(), lab[..., 2].copy()
    lab[..., 1] = a * math.cos(angle) - b * math.sin(angle)
    lab[..., 2] = a * math.sin(angle) + b * math.cos(angle)
    return from_lab(lab)


@register("black_and_white", "remove all colour (luminance kept)")
def black_and_white(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    lab = to_lab(img)
    lab[..., 1:] = 0.0
    grey = from_lab(lab)[..., :1]
    return np.repeat(grey, 3, axis=2)


@register("sepia", "brown-toned monochrome")
def sepia(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    grey = luminance(img)[..., None]
    tone = np.array([1.07, 0.74, 0.43], dtype=np.float32)
    out = np.clip(grey * tone, 0, 1)
    mix = float(np.clip(_strength(p), 0, 1))
    return (img * (1 - mix) + out * mix).astype(np.float32)


@register("invert", "negative")
def invert(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    return (1.0 - img).astype(np.float32)


@register("auto_levels", "stretch each channel to the full range (0.5% clipped)")
def auto_levels(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    small = img[:: max(1, img.shape[0] // 256), :: max(1, img.shape[1] // 256)].reshape(-1, 3)
    low = np.percentile(small, 0.5, axis=0).astype(np.float32)
    high = np.percentile(small, 99.5, axis=0).astype(np.float32)
    span = np.maximum(high - low, 1e-3)
    return np.clip((img - low) / span, 0, 1).astype(np.float32)


@register("auto_white_balance", "neutralise a colour cast (grey world on the mid-tones)")
def auto_white_balance(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    small = img[:: max(1, img.shape[0] // 256), :: max(1, img.shape[1] // 256)].reshape(-1, 3)
    grey = luminance(small)
    mid = small[(grey > 0.1) & (grey < 0.9)]
    means = (mid if len(mid) > 100 else small).mean(axis=0)
    gains = float(means.mean()) / np.maximum(means, 1e-3)
    return np.clip(img * gains.astype(np.float32), 0, 1).astype(np.float32)


def apply_steps(img: Array, steps: list[tuple[str, dict[str, Any]]], ctx: OpContext) -> Array:
    from .ops import REGISTRY

    for name, params in steps:
        img = REGISTRY[name].apply(img, params, ctx)
    return img
