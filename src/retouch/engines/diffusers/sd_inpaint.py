"""Stable Diffusion inpainting (``StableDiffusionInpaintPipeline``): the light fill pipeline for masked edits.

Use with an inpainting checkpoint (9-channel UNet). The mask is fal's (white = may change), as the pipeline wants.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from ..base import EditTask
from .family import Family, Plan
from .instruct_pix2pix import SDLatents


class StableDiffusionInpaint(SDLatents, Family):
    name = "sd-inpaint"
    pipeline_class = "StableDiffusionInpaintPipeline"
    uses_mask = True
    default_steps = {"low": 15, "medium": 25, "high": 40}
    default_guidance = 7.5

    def call_kwargs(self, pipe: Any, task: EditTask, plan: Plan, images: list[Image.Image]) -> dict[str, Any]:
        size = (plan.width, plan.height)
        assert task.mask is not None
        return {
            "image": images[0].convert("RGB").resize(size, Image.Resampling.LANCZOS),
            "mask_image": task.mask.convert("L").resize(size, Image.Resampling.NEAREST),
            "prompt": task.prompt,
            "height": plan.height,
            "width": plan.width,
            "num_inference_steps": plan.steps,
            "guidance_scale": plan.guidance,
            "num_images_per_prompt": plan.num_images,
            "generator": plan.generator,
            "output_type": "pil",
        }
