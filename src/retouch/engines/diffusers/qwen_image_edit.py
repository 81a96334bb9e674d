"""Qwen-Image-Edit (the multi-image "Plus" / 2509+ release): ``QwenImageEditPlusPipeline``.

Takes up to three reference images natively. Uses true classifier-free guidance (``true_cfg_scale``), which needs
a negative prompt; a blank one is the documented default.
"""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image

from ..base import EditTask
from .family import Family, Plan


class QwenImageEditPlus(Family):
    name = "qwen-image-edit"
    pipeline_class = "QwenImageEditPlusPipeline"
    max_inputs = 3
    default_steps = {"low": 20, "medium": 30, "high": 40}
    default_guidance = 4.0

    def call_kwargs(self, pipe: Any, task: EditTask, plan: Plan, images: list[Image.Image]) -> dict[str, Any]:
        return {
            "image": [img.convert("RGB") for img in images],
            "prompt": task.prompt,
            "negative_prompt": " ",
            "true_cfg_scale": plan.guidance,
            "height": plan.height,
            "width": plan.width,
            "num_inference_steps": plan.steps,
            "num_images_per_prompt": plan.num_images,
            "generator": plan.generator,
            "output_type": "pil",
        }

    def latents_grid(self, pipe: Any, latents: Any, plan: Plan) -> Any:
        return pipe._unpack_latents(latents, plan.height, plan.width, pipe.vae_scale_factor)[:, :, 0]

    def encode(self, pipe: Any, pixels: Any) -> Any:
        generator = torch.Generator(device=pixels.device).manual_seed(0)
        return pipe._encode_vae_image(pixels.unsqueeze(2), generator)[:, :, 0]

    def decode(self, pipe: Any, grid: Any) -> Any:
        config = pipe.vae.config
        mean = torch.tensor(config.latents_mean).view(1, -1, 1, 1).to(grid.device, grid.dtype)
        std = torch.tensor(config.latents_std).view(1, -1, 1, 1).to(grid.device, grid.dtype)
        latents = (grid * std + mean).unsqueeze(2)
        return pipe.vae.decode(latents, return_dict=False)[0][:, :, 0]
