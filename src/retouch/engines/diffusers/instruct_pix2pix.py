"""InstructPix2Pix: small Stable Diffusion 1.5 instruction editor (``StableDiffusionInstructPix2PixPipeline``).

Runs on a modest GPU. Its output size is the input's, so the input is resized to the planned size first.
``image_guidance_scale`` (how closely to keep the input) comes from ``call_kwargs`` in the config (default 1.5).
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from ..base import EditTask
from .family import Family, Plan


class SDLatents:
    """Latent layout of Stable Diffusion 1.x/2.x: a (batch, 4, H/8, W/8) grid scaled by the VAE factor."""

    patch = 1

    def encode(self, pipe: Any, pixels: Any) -> Any:
        return pipe.vae.encode(pixels).latent_dist.mode() * pipe.vae.config.scaling_factor

    def decode(self, pipe: Any, grid: Any) -> Any:
        return pipe.vae.decode(grid / pipe.vae.config.scaling_factor, return_dict=False)[0]


class InstructPix2Pix(SDLatents, Family):
    name = "instruct-pix2pix"
    pipeline_class = "StableDiffusionInstructPix2PixPipeline"
    default_steps = {"low": 10, "medium": 20, "high": 30}
    default_guidance = 7.5

    def call_kwargs(self, pipe: Any, task: EditTask, plan: Plan, images: list[Image.Image]) -> dict[str, Any]:
        image = images[0].convert("RGB").resize((plan.width, plan.height), Image.Resampling.LANCZOS)
        return {
            # One copy of the input per output: the pipeline's own duplication of a single image is deprecated.
            "image": [image] * plan.num_images,
            "prompt": task.prompt,
            "num_inference_steps": plan.steps,
            "guidance_scale": plan.guidance,
            "num_images_per_prompt": plan.num_images,
            "generator": plan.generator,
            "output_type": "pil",
        }
