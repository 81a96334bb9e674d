"""What a request would cost, before it runs (``POST /{app_id}/estimate``)."""

from __future__ import annotations

from typing import Any

from ..engines.registry import EngineRegistry
from ..imaging.sizes import resolve_output_size
from ..pricing import Prices
from .validate import InputChecker

ASSUMED_REMOTE_SIZE = (1024, 1024)


def estimate_request(
    checker: InputChecker,
    engines: EngineRegistry,
    prices: Prices,
    *,
    generate: bool,
    app_id: str,
    payload: dict[str, Any],
    owner: str | None,
) -> dict[str, Any]:
    """Sizes come from the inputs' headers where they can be read without a fetch; remote ones are assumed."""
    engine = engines.resolve_name(
        payload.get("engine"), has_openai_key=bool(payload.get("openai_api_key")), model=payload.get("model")
    )
    sizes: list[tuple[int, int]] = []
    assumed = False
    for i, url in enumerate(payload.get("image_urls") or []):
        size = checker.source_size(url, f"image_urls.{i}", owner)
        if size is None:
            assumed = True
            size = ASSUMED_REMOTE_SIZE
        sizes.append(size)
    default = "landscape_4_3" if generate else "auto"
    output = (
        resolve_output_size(payload.get("image_size") or default, sizes[0] if sizes else None, default=default)
        or ASSUMED_REMOTE_SIZE
    )
    est = prices.estimate(
        prompt=payload["prompt"],
        input_sizes=sizes,
        output_size=output,
        quality=payload.get("quality", "high"),
        num_images=int(payload.get("num_images", 1)),
        engine=engines.kind(engine),
        loras=len(payload.get("loras") or []),
    )
    return {
        "app_id": app_id,
        "engine": engine,
        "output_size": {"width": output[0], "height": output[1]},
        "usage": est.usage,
        "cost": est.cost,
        "per_image": est.per_image,
        "currency": "USD",
        "input_sizes_assumed": assumed,
    }
