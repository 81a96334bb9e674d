"""The price table of SPEC section 6, and the token prices it is consistent with."""

from __future__ import annotations

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


def per_image_price(size: tuple[int, int], quality: str) -> float:
    """The table's price for a size; sizes between rows take the row nearest in pixel count (either
    orientation), so a 768x1024 portrait costs what 1024x768 does and a 512x512 costs what the smallest row does."""
    w, h = size
    key = (max(w, h), min(w, h))
    if key in PER_IMAGE:
        return PER_IMAGE[key][quality]
    if (w, h) in PER_IMAGE:
        return PER_IMAGE[(w, h)][quality]
    pixels = w * h
    nearest = min(PER_IMAGE, key=lambda s: (abs(s[0] * s[1] - pixels), s[0] * s[1]))
    return PER_IMAGE[nearest][quality]
