"""The price table of SPEC section 6, exactly, and its extension to any size."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retouch import pricing
from retouch.pricing.table import PER_IMAGE, per_image_price

CELLS = [(size, quality, price) for size, row in PER_IMAGE.items() for quality, price in row.items()]


@pytest.mark.parametrize(("size", "quality", "price"), CELLS, ids=[f"{s[0]}x{s[1]}-{q}" for s, q, _ in CELLS])
def test_every_listed_cell_is_exact(size: tuple[int, int], quality: str, price: float) -> None:
    assert len(CELLS) == 18
    assert per_image_price(size, quality) == price
    assert per_image_price((size[1], size[0]), quality) == price  # either orientation
    est = pricing.estimate(prompt="x", input_sizes=[], output_size=size, quality=quality, num_images=1)
    assert est.per_image == price
    assert est.cost == pytest.approx(price + 5.0 / 1_000_000, abs=1e-9)  # one text token of input


@given(
    w=st.integers(16, 3840).map(lambda v: v - v % 16 or 16),
    scale=st.floats(1.01, 3.0),
    quality=st.sampled_from(["low", "medium", "high"]),
)
def test_larger_at_the_same_aspect_never_costs_less(w: int, scale: float, quality: str) -> None:
    for aspect in (1.0, 4 / 3, 1.5, 16 / 9, 0.75, 2.5):
        small = (w, max(16, round(w / aspect)))
        big = (round(small[0] * scale), round(small[1] * scale))
        assert per_image_price(big, quality) >= per_image_price(small, quality)


def test_quality_orders_and_inputs_add_cost() -> None:
    for size in [(512, 512), (1536, 864), (1000, 2000)]:
        assert per_image_price(size, "low") <= per_image_price(size, "medium") <= per_image_price(size, "high")
    base = pricing.estimate(prompt="a", input_sizes=[], output_size=(1024, 1024), quality="high", num_images=1)
    longer = pricing.estimate(prompt="a" * 400, input_sizes=[], output_size=(1024, 1024), quality="high", num_images=1)
    more = pricing.estimate(
        prompt="a", input_sizes=[(1024, 1024), (2048, 2048)], output_size=(1024, 1024), quality="high", num_images=2
    )
    assert longer.cost > base.cost and more.cost > base.cost * 2
    assert more.usage["input_tokens_details"]["image_tokens"] > 0
    assert more.usage["output_tokens"] == 2 * base.usage["output_tokens"]


def test_usage_reported_by_an_engine_is_priced_by_tokens() -> None:
    usage = {
        "input_tokens_details": {"text_tokens": 1_000_000, "image_tokens": 1_000_000, "cached_tokens": 0},
        "output_tokens_details": {"image_tokens": 1_000_000, "text_tokens": 0},
    }
    assert pricing.cost_from_usage(usage) == pytest.approx(5 + 8 + 30)


def test_operator_multiplier_for_local_engines() -> None:
    prices = pricing.Prices(multipliers={"classic": 0.0, "diffusers": 0.5})
    args = {"prompt": "x", "input_sizes": [], "output_size": (1024, 1024), "quality": "high", "num_images": 1}
    assert prices.estimate(**args, engine="classic").cost == 0  # type: ignore[arg-type]
    assert prices.estimate(**args, engine="diffusers").per_image == 0.11  # type: ignore[arg-type]
    assert prices.estimate(**args, engine="openai").per_image == 0.22  # type: ignore[arg-type]
    assert pricing.Prices().estimate(**args, engine="classic").per_image == 0.22  # type: ignore[arg-type]


def test_per_second_prices_apply_after_the_run() -> None:
    prices = pricing.Prices(per_second={"diffusers": 0.001})
    assert prices.run_cost(0.22, "diffusers", 12.5) == 0.0125
    assert prices.run_cost(0.22, "classic", 12.5) == 0.22


def test_lora_surcharge_is_an_operator_setting() -> None:
    args = {"prompt": "a", "input_sizes": [], "output_size": (1024, 1024), "quality": "high", "num_images": 2}
    free = pricing.Prices(lora_surcharge=0.0).estimate(**args, loras=1)  # type: ignore[arg-type]
    assert free.cost == pricing.estimate(**args).cost and "loras" not in free.breakdown  # type: ignore[arg-type]
    prices = pricing.Prices(multipliers={"diffusers": 0.5}, per_second={"diffusers": 0.001}, lora_surcharge=0.01)
    base = prices.estimate(**args, engine="diffusers")  # type: ignore[arg-type]
    with_lora = prices.estimate(**args, engine="diffusers", loras=2)  # type: ignore[arg-type]
    assert with_lora.cost == pytest.approx(base.cost + 0.02) and with_lora.breakdown["loras"] == 0.02
    assert with_lora.per_image == pytest.approx(base.per_image + 0.01)
    # Priced per second after the run, the surcharge still applies.
    assert prices.run_cost(with_lora.cost, "diffusers", 10.0, 0.02) == pytest.approx(0.03)
