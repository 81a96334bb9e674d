"""``POST /{app_id}/estimate``: what a request would cost, before it runs."""

from __future__ import annotations

from typing import Any

from .. import pricing
from ..imaging.sizes import resolve_output_size
from ..service.lifecycle import GENERATE_APPS, Caller, RequestService

ASSUMED_REMOTE_SIZE = (1024, 1024)


def estimate_for(service: RequestService, app_id: str, payload: dict[str, Any], caller: Caller) -> dict[str, Any]:
    generate = app_id in GENERATE_APPS
    engine = service.engines.resolve_name(
        payload.get("engine"), has_openai_key=bool(payload.get("openai_api_key")), model=payload.get("model")
    )
    sizes: list[tuple[int, int]] = []
    assumed = False
    for i, url in enumerate(payload.get("image_urls") or []):
        size = service.checker.source_size(url, f"image_urls.{i}", caller.key_id)
        if size is None:
            assumed = True
            size = ASSUMED_REMOTE_SIZE
        sizes.append(size)
    default = "landscape_4_3" if generate else "auto"
    output = (
        resolve_output_size(payload.get("image_size") or default, sizes[0] if sizes else None, default=default)
        or ASSUMED_REMOTE_SIZE
    )
    est = pricing.estimate(
        prompt=payload["prompt"],
        input_sizes=sizes,
        output_size=output,
        quality=payload.get("quality", "high"),
        num_images=int(payload.get("num_images", 1)),
        engine=service.engines.kind(engine),
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
