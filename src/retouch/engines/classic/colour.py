"""Colour-space helpers shared by the operations (CIELAB via OpenCV on float32, sRGB transfer curves)."""

from __future__ import annotations

import cv2
import numpy as np

Array = np.ndarray


def to_lab(rgb: Array) -> Array:
    """float32 RGB 0..1 → L* 0..100, a*, b* about -128..127."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2Lab)


def from_lab(lab: Array) -> Array:
    out: Array = cv2.cvtColor(np.ascontiguousarray(lab, dtype=np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(out, 0.0, 1.0)


def to_linear(rgb: Array) -> Array:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def from_linear(lin: Array) -> Array:
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055).astype(np.float32)


def luminance(rgb: Array) -> Array:
    return (rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114).astype(np.float32)


def rgb_to_lab_colour(rgb255: tuple[int, int, int]) -> Array:
    pixel = np.array([[rgb255]], dtype=np.float32) / 255.0
    return to_lab(pixel)[0, 0]
