"""The price table of SPEC section 6, and its extension to any size.

Rows are grouped by aspect ratio (long side / short side): square 1:1, 4:3, 3:2 and 16:9. A custom size takes the
family of the nearest aspect ratio (on a log scale) and is priced along that family's rows by pixel count:
linearly between two rows, in proportion to the pixels beyond the ends (a constant price per pixel). So every
listed cell is reproduced exactly, and at a fixed aspect ratio a larger image never costs less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# USD per output image by (width, height) and quality.
PER_IMAGE: dict[tuple[int, int], dict[str, float]] = {
    (1024, 768): {"low": 0.01, "medium": 0.04, "high": 0.15},
    (1024, 1024): {"low": 0.01, "medium": 0.06, "high": 0.22},
    (1024, 1536): {"low": 0.01, "medium": 0.05, "high": 0.17},
    (1920, 1080): {"low": 0.01, "medium": 0.04, "high": 0.16},
    (2560, 1440): {"low": 0.01, "medium": 0.06, "high": 0.23},
    (3840, 2160): {"low": 0.02, "medium": 0.11, "high": 0.41},
}


@dataclass(frozen=True)
class TokenPrices:
    """USD per one million tokens."""

    text_input: float = 5.00
    text_cached_input: float = 1.25
    text_output: float = 10.00
    image_input: float = 8.00
    image_cached_input: float = 2.00
    image_output: float = 30.00


TOKEN_PRICES = TokenPrices()


def _ratio(size: tuple[int, int]) -> float:
    return max(size) / min(size)


def _families() -> dict[float, list[tuple[int, dict[str, float]]]]:
    families: dict[float, list[tuple[int, dict[str, float]]]] = {}
    for size, prices in PER_IMAGE.items():
        families.setdefault(round(_ratio(size), 3), []).append((size[0] * size[1], prices))
    return {r: sorted(rows, key=lambda row: row[0]) for r, rows in families.items()}


FAMILIES = _families()


def per_image_price(size: tuple[int, int], quality: str) -> float:
    """USD for one output image of ``size`` at ``quality`` (exact for the table's sizes, either orientation)."""
    ratio = _ratio(size)
    family = FAMILIES[min(FAMILIES, key=lambda r: abs(math.log(r) - math.log(ratio)))]
    pixels = size[0] * size[1]
    points = [(p, prices[quality]) for p, prices in family]
    if pixels <= points[0][0]:
        price = points[0][1] * pixels / points[0][0]
    elif pixels >= points[-1][0]:
        price = points[-1][1] * pixels / points[-1][0]
    else:
        for (p0, c0), (p1, c1) in zip(points, points[1:], strict=False):
            if p0 <= pixels <= p1:
                price = c0 + (c1 - c0) * (pixels - p0) / (p1 - p0)
                break
    return round(price, 6)
