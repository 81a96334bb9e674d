"""Colour by name and by hue range: colour balance ("greener", "less red"), selective colour (the greens, the
skin tones), colour splash ("everything except the red") and white balance, automatic or from a complaint.

Hue ranges are weighed in HSV, which OpenCV converts in ~2 ms a megapixel (CIELAB costs ~15 ms each way), with a
smooth edge between neighbouring ranges and a saturation ramp, so greys and near-greys never count as a colour.
Changes are made in RGB around each pixel's own luminance, which keeps these operations as cheap as one Lab
conversion of ``saturation``.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from .colour import Array, from_lab, luminance, rgb_to_lab_colour, to_lab
from .ops import OpContext, register
from .ops_tone import lab_op
from .vocabulary import colour

# Hue ranges in degrees (HSV hue, 0 = red): centre and half-width of the full-weight core.
RANGES: dict[str, tuple[float, float]] = {
    "reds": (0.0, 15.0),
    "oranges": (30.0, 10.0),
    "yellows": (55.0, 12.0),
    "greens": (115.0, 40.0),
    "aquas": (180.0, 15.0),
    "blues": (220.0, 25.0),
    "purples": (275.0, 20.0),
    "magentas": (320.0, 20.0),
    "skin": (22.0, 16.0),
}
FEATHER = 15.0  # degrees over which a range fades out


def _strength(p: dict[str, Any]) -> float:
    return float(p.get("amount", 1.0))


def _sign(p: dict[str, Any]) -> int:
    return 1 if p.get("direction", 1) > 0 else -1


def _hue_table(name: str) -> Array:
    """Weight by hue, for OpenCV's 8-bit "full" hue (256 steps around the circle)."""
    centre, half = RANGES[name]
    degrees = np.arange(256, dtype=np.float32) * np.float32(360.0 / 256.0)
    distance = np.abs((degrees - centre + 180.0) % 360.0 - 180.0)
    return np.clip(1.0 - (distance - half) / FEATHER, 0.0, 1.0).astype(np.float32).reshape(256, 1)


def _ramp(low: float, high: float) -> Array:
    """0 below ``low``, 1 above ``high`` (fractions of 255), as a table for 8-bit values."""
    values = np.arange(256, dtype=np.float32) / 255.0
    return np.clip((values - low) / (high - low), 0.0, 1.0).astype(np.float32).reshape(256, 1)


_TABLES = {name: _hue_table(name) for name in RANGES}
_COLOURED = _ramp(0.08, 0.23)  # greys and near-greys are no colour
_SKIN_SAT = 1.0 - _ramp(0.6, 0.75)  # skin is moderately saturated ...
_SKIN_VAL = _ramp(0.2, 0.35)  # ... and not too dark


def hue_weight(img: Array, name: str) -> Array:
    """0..1 per pixel: how much the pixel belongs to the named hue range (greys never do). Weighed on an 8-bit HSV
    copy through lookup tables: ~5 ms a megapixel."""
    as8 = cv2.convertScaleAbs(np.ascontiguousarray(img, dtype=np.float32), alpha=255.0)
    hue, sat, val = cv2.split(cv2.cvtColor(as8, cv2.COLOR_RGB2HSV_FULL))
    weight: Array = cv2.multiply(cv2.LUT(hue, _TABLES[name]), cv2.LUT(sat, _COLOURED))
    if name == "skin":
        weight = cv2.multiply(weight, cv2.multiply(cv2.LUT(sat, _SKIN_SAT), cv2.LUT(val, _SKIN_VAL)))
    return weight


def _three(channel: Array) -> Array:
    merged: Array = cv2.merge([channel, channel, channel])
    return merged


def _around_luminance(img: Array, factor: Array) -> Array:
    """Scales each pixel's colour around its own luminance; where the factor is 1 the pixel is returned exactly.
    OpenCV's arithmetic, not numpy broadcasting: four passes over the image instead of a dozen."""
    img = np.ascontiguousarray(img, dtype=np.float32)
    colour_part = cv2.subtract(img, _three(luminance(img)))
    out: Array = cv2.add(img, cv2.multiply(colour_part, _three(factor - np.float32(1.0))))
    return np.clip(out, 0.0, 1.0, out=out)


@register("selective_colour", "change the saturation, lightness or hue of one hue range (reds … magentas, skin tones)")
def selective_colour(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    weight = hue_weight(img, p["range"])
    channel = p.get("channel", "saturation")
    if channel == "saturation":
        step = 0.6 * _strength(p) * _sign(p)
        return _around_luminance(img, weight * np.float32(max(step, -1.0)) + np.float32(1.0))
    if channel == "lightness":
        gain = weight * np.float32(0.3 * _strength(p) * _sign(p)) + np.float32(1.0)
        out: Array = cv2.multiply(np.ascontiguousarray(img, dtype=np.float32), _three(gain))
        return np.clip(out, 0.0, 1.0, out=out)
    return _toward_hue(img, weight, p)


def _toward_hue(img: Array, weight: Array, p: dict[str, Any]) -> Array:
    """Turns the range toward the named colour's hue ("change orange to mint green")."""
    target = colour(str(p["toward"])) or (128, 128, 128)
    target_hsv = cv2.cvtColor(np.array([[target]], dtype=np.float32) / 255.0, cv2.COLOR_RGB2HSV)[0, 0]
    centre = RANGES[p["range"]][0]
    turn = (float(target_hsv[0]) - centre + 180.0) % 360.0 - 180.0
    share = min(1.0, _strength(p))
    hsv: Array = cv2.cvtColor(np.ascontiguousarray(img, dtype=np.float32), cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + weight * np.float32(turn * share)) % 360.0
    # Toward the new colour's saturation too (mint is paler than orange), by the same weight.
    hsv[..., 1] += weight * np.float32(share) * (np.float32(target_hsv[1]) - hsv[..., 1]) * np.float32(0.5)
    turned = np.clip(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB), 0.0, 1.0)
    return np.where(weight[..., None] > 0, turned, img).astype(np.float32)  # other hues exactly as they were


@register("colour_splash", "black and white except one hue range, which keeps its colour")
def colour_splash(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    return _around_luminance(img, hue_weight(img, p["keep"]))


def _unit_ab(name: str) -> Array:
    rgb = colour(name) or (128, 128, 128)
    lab = rgb_to_lab_colour(rgb)
    ab = np.array([lab[1], lab[2]], dtype=np.float32)
    return ab / max(float(np.hypot(*ab)), 1e-3)


@lab_op("colour_balance", "shift the colour balance toward (or away from) a named colour")
def colour_balance(lab: Array, p: dict[str, Any]) -> None:
    unit = _unit_ab(str(p["toward"])) * np.float32(9.0 * _strength(p) * _sign(p))
    lab[..., 1] += unit[0]
    lab[..., 2] += unit[1]


def _sample(img: Array, side: int = 256) -> Array:
    return img[:: max(1, img.shape[0] // side), :: max(1, img.shape[1] // side)]


def _xphoto_gains(img: Array) -> Array:
    """Per-channel gains of OpenCV's grey-world white balancer, estimated on a reduced copy."""
    small = np.ascontiguousarray(_sample(img))
    as16 = (np.clip(small, 0, 1) * 65535.0).astype(np.uint16)
    balancer = cv2.xphoto.createGrayworldWB()
    balancer.setSaturationThreshold(0.95)
    balanced = balancer.balanceWhite(as16).astype(np.float32)
    usable = (as16.max(axis=2) < 64000) & (as16.min(axis=2) > 600)
    before = as16.astype(np.float32)[usable] if usable.sum() > 100 else as16.reshape(-1, 3).astype(np.float32)
    after = balanced[usable] if usable.sum() > 100 else balanced.reshape(-1, 3)
    gains = after.sum(axis=0) / np.maximum(before.sum(axis=0), 1.0)
    gains = gains / float(np.dot(gains, [0.299, 0.587, 0.114]))  # keep the overall light
    return np.clip(gains, 0.5, 2.0).astype(np.float32)


def _cast_gains(img: Array, cast: str, gains: Array) -> Array:
    """A complaint names the cast: the correction must move away from it. OpenCV's estimate is used when it
    does; otherwise (the picture is not grey on average, e.g. a sunset) the gains that take the named cast out of
    the average colour (in CIELAB, at least 6 units) are used."""
    unit = _unit_ab(cast)
    small = np.ascontiguousarray(_sample(img, 128), dtype=np.float32)
    lab = to_lab(small).reshape(-1, 3)
    before = lab[:, 1:].mean(axis=0)
    after = to_lab(np.clip(small * gains, 0, 1))[..., 1:].reshape(-1, 2).mean(axis=0)
    moved = float(np.dot(after - before, unit))
    main = int(np.argmax(np.abs(unit)))  # the cast's own axis (a* for green/magenta, b* for blue/yellow)
    if moved <= -3.0 and (after - before)[main] * unit[main] < 0:
        return gains
    mean = lab.mean(axis=0)
    target = mean.copy()
    target[1:] -= unit * np.float32(max(6.0, float(np.dot(before, unit))))
    now_rgb = from_lab(mean.reshape(1, 1, 3))[0, 0]
    new_rgb = from_lab(target.reshape(1, 1, 3).astype(np.float32))[0, 0]
    away = new_rgb / np.maximum(now_rgb, 1e-3)
    away = away / float(np.dot(away, [0.299, 0.587, 0.114]))
    return np.clip(away, 0.5, 2.0).astype(np.float32)


@register("auto_white_balance", "neutralise a colour cast (OpenCV's grey-world balancer), away from a named cast")
def auto_white_balance(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    gains = _xphoto_gains(img)
    if p.get("cast"):
        gains = _cast_gains(img, str(p["cast"]), gains)
    out: Array = cv2.transform(np.ascontiguousarray(img, dtype=np.float32), np.diag(gains).astype(np.float32))
    return np.clip(out, 0.0, 1.0, out=out)
