"""Filters: blur, sharpen, denoise, vignette, grain, pixelate, posterize and the stylisations."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from .colour import Array, luminance
from .ops import OpContext, register


def _amount(p: dict[str, Any]) -> float:
    return float(p.get("amount", 1.0))


def _scale(img: Array) -> float:
    """Filter sizes follow the image, so "blur" looks alike on a thumbnail and on a 4K photo."""
    return min(img.shape[0], img.shape[1]) / 1000.0


@register("blur", "Gaussian blur (radius in pixels, or by amount)")
def blur(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    sigma = float(p["radius"]) if "radius" in p else max(1.0, 4.0 * _amount(p) * _scale(img))
    return cv2.GaussianBlur(img, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)


@register("sharpen", "unsharp mask")
def sharpen(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    sigma = max(0.8, 1.5 * _scale(img))
    soft = cv2.GaussianBlur(img, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)
    return np.clip(img + (img - soft) * np.float32(1.2 * _amount(p)), 0, 1).astype(np.float32)


@register("denoise", "edge-preserving smoothing of noise")
def denoise(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    sigma_colour = 0.2 * _amount(p)
    return cv2.bilateralFilter(img, d=7, sigmaColor=sigma_colour, sigmaSpace=3.0)


@register("vignette", "darken toward the corners")
def vignette(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    # The falloff is smooth: computed on a small grid and scaled up, it costs a fraction of a full-size one.
    sh, sw = max(2, h // 8), max(2, w // 8)
    yy = np.linspace(-1.0, 1.0, sh, dtype=np.float32)[:, None]
    xx = np.linspace(-1.0, 1.0, sw, dtype=np.float32)[None, :]
    radius = np.sqrt(xx * xx + yy * yy) * np.float32(1 / np.sqrt(2.0))
    small = 1.0 - np.float32(0.6 * min(_amount(p), 1.6)) * np.clip((radius - 0.35) / 0.65, 0, 1) ** 2
    falloff = cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    out: Array = cv2.multiply(np.ascontiguousarray(img, dtype=np.float32), cv2.merge([falloff, falloff, falloff]))
    return out


@register("grain", "film grain (seeded)", uses_rng=True)
def grain(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    # Grain has a size of its own: drawn at half resolution and scaled up, like film's clumps of silver.
    noise = ctx.rng.standard_normal(((h + 1) // 2, (w + 1) // 2), dtype=np.float32)
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR) * np.float32(0.045 * _amount(p))
    out: Array = cv2.add(np.ascontiguousarray(img, dtype=np.float32), cv2.merge([noise, noise, noise]))
    return np.clip(out, 0, 1, out=out)


@register("pixelate", "large square pixels")
def pixelate(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    block = int(p.get("block", max(2, round(min(h, w) / 48 * _amount(p)))))
    small = cv2.resize(img, (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


@register("posterize", "few flat tone levels per channel")
def posterize(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    levels = max(2, int(p.get("levels", 4)))
    return (np.floor(img * levels - 1e-6).clip(0, levels - 1) / (levels - 1)).astype(np.float32)


@register("cartoon", "flat colours with dark outlines")
def cartoon(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    for _ in range(2):
        small = cv2.bilateralFilter(small, d=7, sigmaColor=0.12, sigmaSpace=5.0)
    flat = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = np.round(flat * 7) / 7
    grey = cv2.medianBlur((luminance(img) * 255).astype(np.uint8), 5)
    block = max(3, (int(9 * _scale(img) + 0.5) | 1))
    edges = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 4)
    return (flat * edges[..., None].astype(np.float32)).astype(np.float32)


@register("pencil_sketch", "graphite drawing (colour dodge of the blurred negative)")
def pencil_sketch(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    grey = luminance(img)
    sigma = max(2.0, 8.0 * _scale(img))
    blurred = cv2.GaussianBlur(1.0 - grey, (0, 0), sigmaX=sigma)
    sketch = np.clip(grey / np.maximum(1.0 - blurred, 1e-3), 0, 1)
    sketch = sketch ** np.float32(1.0 + 0.6 * _amount(p))
    return np.repeat(sketch[..., None], 3, axis=2).astype(np.float32)


@register("emboss", "relief: light from the top left")
def emboss(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    kernel = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.float32) * np.float32(_amount(p))
    grey = luminance(img)
    relief = cv2.filter2D(grey, -1, kernel, borderType=cv2.BORDER_REFLECT) - grey * np.float32(_amount(p))
    out = np.clip(0.5 + relief * 0.5 + (grey - 0.5) * 0.15, 0, 1)
    return np.repeat(out[..., None], 3, axis=2).astype(np.float32)


def _channel_min(img: Array) -> Array:
    out: Array = cv2.min(cv2.min(img[..., 0], img[..., 1]), img[..., 2])
    return out


@register("dehaze", "remove haze: the dark channel prior (airlight and transmission, refined along the edges)")
def dehaze(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    """Haze adds a veil of the sky's colour that grows with distance. In a clear photo almost every patch has a
    pixel with some channel near zero; where none does, the veil is what lifted it. That gives, per pixel, how
    much of the scene gets through (the transmission); the veil is taken off in proportion. A photo without haze
    has dark pixels everywhere, so it is left nearly as it was. The transmission is smooth: it is found on a copy
    at most 512 px across and scaled up."""
    h, w = img.shape[:2]
    img = np.ascontiguousarray(img, dtype=np.float32)
    scale = min(1.0, 512 / max(h, w))
    small = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    patch = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    dark = cv2.erode(_channel_min(small), patch)
    # The veil's colour: the image's colour where the dark channel is highest (the haziest 0.1%).
    count = max(1, dark.size // 1000)
    haziest = np.argpartition(dark.ravel(), -count)[-count:]
    airlight = np.maximum(small.reshape(-1, 3)[haziest].mean(axis=0), 0.05).astype(np.float32)
    strength = np.float32(min(0.95, 0.8 * _amount(p)))
    veiled = cv2.erode(_channel_min(small * (1 / airlight)), patch)
    rough = (1 - strength * veiled).astype(np.float32)
    guide = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    transmission = np.maximum(cv2.ximgproc.guidedFilter(guide, rough, 24, 1e-3), np.float32(0.2))
    through = cv2.resize(transmission, (w, h), interpolation=cv2.INTER_LINEAR)
    veil = np.empty_like(img)
    veil[:] = airlight
    out: Array = cv2.add(cv2.divide(cv2.subtract(img, veil), cv2.merge([through, through, through])), veil)
    np.clip(out, 0.0, 1.0, out=out)
    return out
