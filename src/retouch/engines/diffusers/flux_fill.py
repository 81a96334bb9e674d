"""FLUX.1 Fill [dev]: fills the masked region of one image from a prompt (``FluxFillPipeline``).

The mask is passed as fal gives it (white = may change), which is also what the pipeline expects.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from ..base import EditTask
from .family import Family, Plan
from .flux_kontext import FluxLatents


class FluxFill(FluxLatents, Family):
    name = "flux-fill"
    pipeline_class = "FluxFillPipeline"
    uses_mask = True
    default_steps = {"low": 20, "medium": 30, "high": 50}
    default_guidance = 30.0

    def call_kwargs(self, pipe: Any, task: EditTask, plan: Plan, images: list[Image.Image]) -> dict[str, Any]:
        size = (plan.width, plan.height)
        image = images[0].convert("RGB").resize(size, Image.Resampling.LANCZOS)
        assert task.mask is not None
        mask = task.mask.convert("L").resize(size, Image.Resampling.NEAREST)
        return {
            "image": image,
            "mask_image": mask,
            "prompt": task.prompt,
            "height": plan.height,
            "width": plan.width,
            "num_inference_steps": plan.steps,
            "guidance_scale": plan.guidance,
            "num_images_per_prompt": plan.num_images,
            "generator": plan.generator,
            "output_type": "pil",
        }
