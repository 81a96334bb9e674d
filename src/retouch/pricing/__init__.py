"""What a request costs: token usage and USD, before a run (estimate) and after it (report).

Output image tokens are derived from the per-image table so that the token view and the table always agree;
input tokens grow with the prompt's length and with the number and size of input images.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .table import TOKEN_PRICES, TokenPrices, per_image_price

__all__ = ["Estimate", "Prices", "estimate", "cost_from_usage", "text_tokens", "image_input_tokens"]


@dataclass(frozen=True)
class Prices:
    """The prices one server charges: the reference table, with the operator's own terms for engine kinds — a
    multiplier of the table (0 = free) or USD per second of run time (e.g. what a GPU hour costs, divided by 3600).
    Built from settings once and handed to whoever prices (the worker after a run, the service for estimates), so
    every process of a deployment prices alike without remembering to configure a module.

    ``lora_surcharge`` is USD added per output image of a request that applies LoRAs (the hosted LoRA apps cost
    more than their base apps), whichever way the rest is priced."""

    multipliers: Mapping[str, float] = field(default_factory=dict)
    per_second: Mapping[str, float] = field(default_factory=dict)
    lora_surcharge: float = 0.0

    def estimate(
        self,
        *,
        prompt: str,
        input_sizes: list[tuple[int, int]],
        output_size: tuple[int, int],
        quality: str,
        num_images: int,
        engine: str = "classic",
        loras: int = 0,
    ) -> Estimate:
        est = estimate(
            prompt=prompt, input_sizes=input_sizes, output_size=output_size, quality=quality, num_images=num_images
        )
        cost, per_image, breakdown = est.cost, est.per_image, dict(est.breakdown)
        multiplier = self.multipliers.get(engine)
        if multiplier is not None:
            cost, per_image = round(cost * multiplier, 6), round(per_image * multiplier, 6)
        surcharge = self.surcharge(loras, num_images)
        if surcharge:
            cost = round(cost + surcharge, 6)
            per_image = round(per_image + surcharge / num_images, 6)
            breakdown["loras"] = surcharge
        return Estimate(usage=est.usage, cost=cost, per_image=per_image, breakdown=breakdown)

    def surcharge(self, loras: int, num_images: int) -> float:
        """USD the LoRA surcharge adds to a request with ``loras`` LoRAs making ``num_images`` images."""
        return round(max(0.0, self.lora_surcharge) * num_images, 6) if loras > 0 else 0.0

    def run_cost(self, estimated: float, engine: str, seconds: float, surcharge: float = 0.0) -> float:
        """The cost reported after a run: per-second pricing when the operator set it for this engine kind (plus
        the LoRA ``surcharge``, which an ``estimated`` cost already contains); estimates use the table, since the
        run time is not known before."""
        rate = self.per_second.get(engine)
        return round(rate * seconds + surcharge, 6) if rate is not None else estimated


@dataclass
class Estimate:
    usage: dict[str, Any]
    cost: float
    per_image: float
    breakdown: dict[str, float] = field(default_factory=dict)


def text_tokens(prompt: str) -> int:
    """About four characters per token, as tokenizers average on English text."""
    return max(1, math.ceil(len(prompt) / 4))


def image_input_tokens(size: tuple[int, int]) -> int:
    """A base plus a cost per 512x512 tile after fitting in 2048x2048 with the short side at most 768."""
    w, h = float(size[0]), float(size[1])
    scale = min(1.0, 2048 / max(w, h))
    w, h = w * scale, h * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return 65 + 129 * tiles


def image_output_tokens(size: tuple[int, int], quality: str, prices: TokenPrices = TOKEN_PRICES) -> int:
    """The output tokens that cost what the table charges for one image (price / $30 per million)."""
    return round(per_image_price(size, quality) / prices.image_output * 1_000_000)


def cost_from_usage(usage: dict[str, Any], prices: TokenPrices = TOKEN_PRICES) -> float:
    inp = usage.get("input_tokens_details") or {}
    out = usage.get("output_tokens_details") or {}
    text_in = int(inp.get("text_tokens", 0))
    image_in = int(inp.get("image_tokens", 0))
    cached = int(inp.get("cached_tokens", 0))
    if not out:
        out = {"image_tokens": int(usage.get("output_tokens", 0))}
    image_out = int(out.get("image_tokens", 0))
    text_out = int(out.get("text_tokens", 0))
    cached_text = min(cached, text_in)
    cached_image = min(cached - cached_text, image_in)
    total = (
        (text_in - cached_text) * prices.text_input
        + cached_text * prices.text_cached_input
        + (image_in - cached_image) * prices.image_input
        + cached_image * prices.image_cached_input
        + text_out * prices.text_output
        + image_out * prices.image_output
    ) / 1_000_000
    return round(total, 6)


def estimate(
    *,
    prompt: str,
    input_sizes: list[tuple[int, int]],
    output_size: tuple[int, int],
    quality: str,
    num_images: int,
) -> Estimate:
    """The reference table's price (see ``Prices`` for an operator's own)."""
    text_in = text_tokens(prompt)
    image_in = sum(image_input_tokens(size) for size in input_sizes)
    per_image = per_image_price(output_size, quality)
    image_out = image_output_tokens(output_size, quality) * num_images
    usage = {
        "input_tokens": text_in + image_in,
        "input_tokens_details": {"text_tokens": text_in, "image_tokens": image_in, "cached_tokens": 0},
        "output_tokens": image_out,
        "output_tokens_details": {"text_tokens": 0, "image_tokens": image_out},
        "total_tokens": text_in + image_in + image_out,
    }
    # Inputs at the token prices; outputs at the table's exact per-image price (the tokens above are its image).
    input_cost = (text_in * TOKEN_PRICES.text_input + image_in * TOKEN_PRICES.image_input) / 1_000_000
    cost = round(input_cost + per_image * num_images, 6)
    return Estimate(usage=usage, cost=cost, per_image=per_image, breakdown={"input": round(input_cost, 6)})
