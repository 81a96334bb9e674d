"""Runs one job: inputs → engine → exact-mask composite → encode → store. Knows nothing of HTTP.

The result is a JSON-ready dict in the fal output shape; failures become the error payload of a RetouchError.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from ..engines.base import EditTask, Progress, request_options
from ..engines.registry import EngineRegistry
from ..errors import SecretLost
from ..files.base import ObjectStore, file_path
from ..imaging.encode import CONTENT_TYPES, EXTENSIONS, encode_data_uri, encode_image
from ..imaging.limits import MAX_OUTPUT_PIXELS as MAX_PIXELS
from ..imaging.sizes import resolve_output_size
from ..jobs.base import Job
from ..net.fetch import ImageFetcher
from ..pricing import Prices, cost_from_usage
from .finish import finish_output
from .inputs import load_inputs, scale_to_limit

log = logging.getLogger("retouch.worker")


@dataclass
class RunOutcome:
    result: dict[str, Any]
    inference_time: float
    # Seconds per phase (inputs, engine, finish, deliver): reported in the job's metrics, so where a job's time
    # goes can be read from its status.
    timings: dict[str, float] = field(default_factory=dict)


class JobRunner:
    isolated = False

    def __init__(
        self,
        engines: EngineRegistry,
        files: ObjectStore,
        fetcher: ImageFetcher,
        prices: Prices,
        *,
        max_input_pixels: int,
        max_job_pixels: int = 8_294_400 * 8,
        result_ttl_seconds: int = 0,
    ) -> None:
        self.engines = engines
        self.files = files
        self.fetcher = fetcher
        self.prices = prices
        self.max_input_pixels = max_input_pixels
        self.max_job_pixels = max_job_pixels
        self.result_ttl_seconds = result_ttl_seconds

    def close(self) -> None:
        self.fetcher.close()

    def run(self, job: Job, progress: Progress) -> RunOutcome:
        payload = job.payload
        lost = sorted(set(job.secret_names) - set(job.secrets))
        if lost:
            raise SecretLost(
                f"this request's {', '.join(lost)} is held only in the memory of the server that accepted it, "
                "and that server restarted before the request ran; submit the request again"
            )
        generate = "image_urls" not in payload
        engine_name = payload.get("engine") or self.engines.default
        engine = self.engines.get(engine_name)
        t_inputs = time.perf_counter()
        inputs = load_inputs(payload, self.fetcher, max_pixels=self.max_input_pixels, job_pixels=self.max_job_pixels)
        originals = [scale_to_limit(img, MAX_PIXELS) for img in inputs.images]
        mask = inputs.mask
        if mask is not None and mask.size != originals[0].size:
            mask = mask.resize(originals[0].size, Image.Resampling.NEAREST)
        first = originals[0].size if originals else None
        default = "landscape_4_3" if generate else "auto"
        requested = payload.get("image_size") or default
        target = resolve_output_size(requested, first, default=default)
        explicit = not (requested == "auto" and first is not None)
        task = EditTask(
            prompt=payload["prompt"],
            images=originals,
            mask=mask,
            size=target if explicit else None,
            quality=payload.get("quality", "high"),
            num_images=int(payload.get("num_images", 1)),
            seed=int(payload["seed"]),
            output_format=payload.get("output_format", "png"),
            mode="generate" if generate else "edit",
            options={
                **job.secrets,
                **{k: v for k, v in payload.items() if k.startswith("x_")},
                **request_options(job.app_id, payload),
            },
        )
        progress.log(f"Running on engine '{engine_name}' ({len(originals)} input image(s), seed {task.seed})")
        started = time.perf_counter()
        t_engine = started
        outcome = engine.run(task, progress)
        inference_time = time.perf_counter() - started
        geometric = bool(outcome.info.get("geometric"))
        first_image = originals[0] if originals else None
        t_finish = time.perf_counter()
        finals = [
            finish_output(img, first_image, mask, target, explicit_size=explicit, geometric=geometric)
            for img in outcome.images
        ]
        t_deliver = time.perf_counter()
        images = [self._deliver(job, img, i) for i, img in enumerate(finals)]
        t_end = time.perf_counter()
        result: dict[str, Any] = {"images": images, "seed": task.seed}
        result.update(self._price(payload, originals, finals, outcome.usage, engine_name, inference_time))
        timings = {
            "inputs": t_engine - t_inputs,
            "engine": t_finish - t_engine,
            "finish": t_deliver - t_finish,
            "deliver": t_end - t_deliver,
        }
        return RunOutcome(result=result, inference_time=inference_time, timings=timings)

    def _deliver(self, job: Job, image: Image.Image, index: int) -> dict[str, Any]:
        fmt = job.payload.get("output_format", "png")
        compression = job.payload.get("_output_compression")
        if compression is not None and fmt != "png" and int(compression) < 100:
            data = encode_image(image, fmt, quality=max(1, int(compression)), lossless=False)
        else:
            data = encode_image(image, fmt)
        content_type = CONTENT_TYPES[fmt]
        file_name = f"{job.id}-{index}.{EXTENSIONS[fmt]}"
        if job.payload.get("sync_mode"):
            url = encode_data_uri(data, content_type)
        else:
            retain = job.payload.get("_retain_seconds", self.result_ttl_seconds)
            expires = time.time() + float(retain) if retain else None
            stored = self.files.put(
                data, file_name=file_name, content_type=content_type, owner=job.owner, expires_at=expires
            )
            url = job.base_url.rstrip("/") + file_path(stored.key, file_name)
        return {
            "url": url,
            "content_type": content_type,
            "file_name": file_name,
            "width": image.width,
            "height": image.height,
            "file_size": len(data),
        }

    def _price(
        self,
        payload: dict[str, Any],
        originals: list[Image.Image],
        finals: list[Image.Image],
        usage: dict[str, Any] | None,
        engine_name: str,
        seconds: float,
    ) -> dict[str, Any]:
        out_size = finals[0].size if finals else (1024, 1024)
        estimate = self.prices.estimate(
            prompt=payload["prompt"],
            input_sizes=[img.size for img in originals],
            output_size=out_size,
            quality=payload.get("quality", "high"),
            num_images=len(finals),
            engine=self.engines.kind(engine_name),
            loras=len(payload.get("loras") or []),
        )
        surcharge = estimate.breakdown.get("loras", 0.0)
        if usage:
            return {"usage": usage, "cost": round(cost_from_usage(usage) + surcharge, 6)}
        return {
            "usage": estimate.usage,
            "cost": self.prices.run_cost(estimate.cost, self.engines.kind(engine_name), seconds, surcharge),
        }
