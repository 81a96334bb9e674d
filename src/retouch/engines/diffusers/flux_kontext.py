"""FLUX.1 Kontext [dev]: instruction editing with one or several reference images (``FluxKontextPipeline``).

Kontext conditions on a single reference latent, so several inputs are laid side by side (each scaled to the first
one's height) into one reference canvas, a common way to give it multiple references. The reference is sized to
the same pixel budget as the output, and the pipeline's own auto-resize is turned off so the size Retouch chose
is the size that runs.
"""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image

from ..base import EditTask
from .family import Family, Plan


def stitch(images: list[Image.Image]) -> Image.Image:
    """Places images left to right at the first image's height."""
    if len(images) == 1:
        return images[0].convert("RGB")
    height = images[0].height
    scaled = [img.convert("RGB").resize((max(1, round(img.width * height / img.height)), height)) for img in images]
    canvas = Image.new("RGB", (sum(img.width for img in scaled), height))
    x = 0
    for img in scaled:
        canvas.paste(img, (x, 0))
        x += img.width
    return canvas


def fit_area(image: Image.Image, area: int, multiple: int) -> Image.Image:
    """Resizes to about ``area`` pixels at the same aspect ratio, both edges multiples of ``multiple``."""
    aspect = image.width / image.height
    width = max(multiple, int((area * aspect) ** 0.5) // multiple * multiple)
    height = max(multiple, int((area / aspect) ** 0.5) // multiple * multiple)
    if (width, height) == image.size:
        return image
    return image.resize((width, height), Image.Resampling.LANCZOS)


class FluxLatents:
    """Latent layout shared by the FLUX pipelines: 2x2 patches packed into a token sequence."""

    def latents_grid(self, pipe: Any, latents: Any, plan: Plan) -> Any:
        return pipe._unpack_latents(latents, plan.height, plan.width, pipe.vae_scale_factor)

    def encode(self, pipe: Any, pixels: Any) -> Any:
        return pipe._encode_vae_image(pixels, torch.Generator(device=pixels.device).manual_seed(0))

    def decode(self, pipe: Any, grid: Any) -> Any:
        config = pipe.vae.config
        return pipe.vae.decode(grid / config.scaling_factor + config.shift_factor, return_dict=False)[0]


class FluxKontext(FluxLatents, Family):
    name = "flux-kontext"
    pipeline_class = "FluxKontextPipeline"
    max_inputs = 4
    can_generate = True
    default_steps = {"low": 14, "medium": 20, "high": 28}
    default_guidance = 2.5

    def call_kwargs(self, pipe: Any, task: EditTask, plan: Plan, images: list[Image.Image]) -> dict[str, Any]:
        reference = None
        if images:
            reference = fit_area(stitch(images), plan.width * plan.height, self.size_multiple(pipe))
        return {
            "image": reference,
            "prompt": task.prompt,
            "height": plan.height,
            "width": plan.width,
            "max_area": plan.width * plan.height,
            "num_inference_steps": plan.steps,
            "guidance_scale": plan.guidance,
            "num_images_per_prompt": plan.num_images,
            "generator": plan.generator,
            "output_type": "pil",
            "_auto_resize": False,
        }
