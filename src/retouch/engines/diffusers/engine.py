"""The ``diffusers`` engine: open-weight edit models run locally through a family adapter.

One engine = one configured family (its pipeline) plus, optionally, a fill/inpaint pipeline used whenever a request
carries a mask. The engine resolves the knobs (size within ``max_resolution``, steps and guidance per quality,
seed), calls the pipeline with a step callback, and returns its images untouched: the worker does the exact-mask
composite, so what the model made is exactly what the user gets outside of that.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PIL import Image

from ...errors import EngineRefusal, EngineUnavailable, InputError, JobCancelled
from ..base import EditTask, EngineResult, Progress, TaskInfo
from .config import DiffusersOptions, parse_options
from .family import Family, Plan, resolve_family
from .loras import LoraStore, parse_loras

if TYPE_CHECKING:
    from .loader import PipelineHolder
    from .memory import DeviceBudget

log = logging.getLogger("retouch.engines.diffusers")

DEFAULT_GENERATE_SIZE = (1024, 1024)


def fit_size(size: tuple[int, int], max_edge: int, multiple: int) -> tuple[int, int]:
    """Scales (w, h) down so the longer edge is at most ``max_edge``, then floors both to ``multiple``."""
    width, height = size
    scale = min(1.0, max_edge / max(width, height))
    w = max(multiple, int(width * scale) // multiple * multiple)
    h = max(multiple, int(height * scale) // multiple * multiple)
    return w, h


class DiffusersEngine:
    request_fields = ("loras",)

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        self.name = name
        self.options: DiffusersOptions = parse_options(name, options)
        try:
            from . import loader  # noqa: F401  (torch and diffusers, or a clear message)
        except ImportError as exc:
            raise EngineUnavailable(
                f"engine '{name}' needs torch and diffusers ({exc}); install the gpu extra: pip install 'retouch[gpu]'"
            ) from exc
        self.family: Family = resolve_family(self.options.main.family)
        self.loras = LoraStore(self.options.loras)
        self.main = self._holder_for(self.options.main, self.family, name)
        self.fill: PipelineHolder | None = None
        if self.options.fill is not None:
            fill_family = resolve_family(self.options.fill.family)
            if not fill_family.uses_mask:
                raise EngineUnavailable(
                    f"engines.{name}.options.fill: family '{fill_family.name}' is not a fill/inpaint family"
                )
            self.fill = self._holder_for(self.options.fill, fill_family, f"{name}/fill")
        if self.options.preload:
            self.main.get()
            if self.fill is not None:
                self.fill.get()

    # -- the engine interface -------------------------------------------------------------------------------

    def preflight(self, info: TaskInfo) -> None:
        family = self.family
        if info.mode == "generate" and not family.can_generate:
            raise EngineRefusal(
                f"engine '{self.name}' ({family.name}) edits images and cannot generate from text alone; "
                "send image_urls or use an engine that generates",
                field="image_urls",
            )
        if info.num_inputs > family.max_inputs:
            raise InputError(
                "image_urls", f"engine '{self.name}' ({family.name}) takes at most {family.max_inputs} image(s)"
            )
        if info.num_images > self.options.max_num_images:
            raise InputError("num_images", f"engine '{self.name}' makes at most {self.options.max_num_images} images")
        if family.uses_mask and not info.has_mask:
            raise EngineRefusal(
                f"engine '{self.name}' ({family.name}) fills a masked region; send mask_image_url with the request",
                field="mask_image_url",
            )
        parse_loras(info.options.get("loras"), self.options.loras)
        self._holder(info).check()

    def run(self, task: EditTask, progress: Progress) -> EngineResult:
        info = task.info()
        self.preflight(info)
        holder = self._holder(info)
        loras = self.loras.resolve(parse_loras(task.options.get("loras"), self.options.loras))
        with holder.use(progress) as pipe:
            return self._run_on(pipe, holder, task, progress, loras)

    def _run_on(
        self, pipe: Any, holder: PipelineHolder, task: EditTask, progress: Progress, loras: list[Any]
    ) -> EngineResult:
        from .progress import StepReporter

        plan = self._plan(task, holder, pipe)
        images = list(task.images)
        if task.mask is not None and not holder.family.uses_mask:
            progress.log("no fill pipeline for this request: editing the whole image, the mask is applied afterwards")
        kwargs = holder.family.call_kwargs(pipe, task, plan, images)
        kwargs.update(holder.opts.call_kwargs)
        reporter = StepReporter(progress, plan, holder.previewer, self.options.preview_every)
        kwargs["callback_on_step_end"] = reporter
        kwargs["callback_on_step_end_tensor_inputs"] = ["latents"]
        progress.log(
            f"{holder.family.name}: {plan.width}x{plan.height}, {plan.steps} steps, guidance {plan.guidance}, "
            f"{plan.num_images} image(s), seed {plan.seed}"
        )
        for lora in loras:
            progress.log(f"LoRA {lora.path.name} (sha256 {lora.digest[:12]}) at scale {lora.scale:g}")
        started = time.perf_counter()
        with holder.run_lock:
            try:
                if loras:
                    holder.adapters.activate(pipe, loras)
                output = pipe(**kwargs)
            except JobCancelled:
                pipe.maybe_free_model_hooks()
                progress.log(f"cancelled after step {reporter.done}")
                raise
            finally:
                holder.adapters.deactivate(pipe)
        seconds = time.perf_counter() - started
        results: list[Image.Image] = list(output.images)
        log.info(
            "diffusers run",
            extra={
                "engine": self.name,
                "family": holder.family.name,
                "steps": plan.steps,
                "loras": len(loras),
                "seconds": round(seconds, 3),
            },
        )
        return EngineResult(
            images=results,
            info={
                "family": holder.family.name,
                "mask_honoured": holder.family.uses_mask,
                "steps": plan.steps,
                "previews": reporter.previews,
                "preview_seconds": reporter.preview_seconds,
                "loras": [{"sha256": lora.digest, "scale": lora.scale} for lora in loras],
            },
        )

    # -- helpers --------------------------------------------------------------------------------------------

    def _holder_for(self, opts: Any, family: Family, label: str) -> PipelineHolder:
        from .loader import PipelineHolder, resolve_device

        budget: DeviceBudget | None = None
        if self.options.device_memory_budget_gb is not None:
            from .memory import budget_for

            budget = budget_for(resolve_device(opts.device), self.options.device_memory_budget_gb)
        return PipelineHolder(
            self.name,
            opts,
            family,
            self.options.preview,
            label=label,
            budget=budget,
            idle_offload=self.options.idle_offload,
            max_loras=self.options.loras.max_loaded,
        )

    def _holder(self, info: TaskInfo) -> PipelineHolder:
        """The fill pipeline for a masked request it can serve, else the engine's own family."""
        if info.has_mask and self.fill is not None and info.num_inputs <= self.fill.family.max_inputs:
            return self.fill
        return self.main

    def _plan(self, task: EditTask, holder: PipelineHolder, pipe: Any) -> Plan:
        family: Family = holder.family
        opts = holder.opts
        if task.size is not None:
            wanted = task.size
        elif task.images:
            wanted = task.images[0].size
        else:
            wanted = DEFAULT_GENERATE_SIZE
        width, height = fit_size(wanted, self.options.max_resolution, family.size_multiple(pipe))
        steps = opts.steps.get(task.quality) or family.default_steps[task.quality]
        guidance = opts.guidance.get(task.quality, family.default_guidance)
        return Plan(
            width=width,
            height=height,
            steps=int(steps),
            guidance=float(guidance),
            num_images=task.num_images,
            seed=task.seed,
            generator=holder.generator(task.seed),
        )
