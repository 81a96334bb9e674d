"""Qwen-Image-Edit (the multi-image "Plus" / 2509+ release): ``QwenImageEditPlusPipeline``.

Takes up to three reference images natively. Uses true classifier-free guidance (``true_cfg_scale``), which needs
a negative prompt; a blank one is the documented default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from PIL import Image
from transformers import Qwen2VLProcessor

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

    def load_overrides(self, model_dir: Path) -> dict[str, Any]:
        if torchvision_available() or not (model_dir / "processor").is_dir():
            return {}
        return {"processor": load_processor(model_dir / "processor")}

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


def torchvision_available() -> bool:
    try:
        import torchvision  # noqa: F401
    except Exception:  # a broken torchvision build fails with errors other than ImportError
        return False
    return True


class ImageOnlyQwen2VLProcessor(Qwen2VLProcessor):
    """Qwen2-VL's processor without its video half, for machines without torchvision.

    transformers builds the video processor (and checks its class) through torchvision; the edit pipeline only
    ever sends images, so the text+image processor is all it needs.
    """

    def check_argument_for_proper_class(self, argument_name: str, argument: Any) -> Any:
        if argument is None and "video" in argument_name:
            return None
        return super().check_argument_for_proper_class(argument_name, argument)

    def save_pretrained(self, save_directory: Any, *args: Any, **kwargs: Any) -> list[str]:
        """Saves the two halves it has, in the layout the full processor reads back."""
        saved = list(self.tokenizer.save_pretrained(save_directory))
        saved += list(self.image_processor.save_pretrained(save_directory))
        return saved


def make_processor(image_processor: Any, tokenizer: Any) -> Any:
    if torchvision_available():
        return Qwen2VLProcessor(image_processor=image_processor, tokenizer=tokenizer)
    return ImageOnlyQwen2VLProcessor(image_processor=image_processor, tokenizer=tokenizer, video_processor=None)


def load_processor(directory: Path) -> Any:
    """The processor saved in ``directory`` (the pipeline's ``processor/`` folder), built without torchvision."""
    from transformers import Qwen2Tokenizer
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    tokenizer = Qwen2Tokenizer.from_pretrained(directory, local_files_only=True)
    image_processor = Qwen2VLImageProcessorPil.from_pretrained(directory, local_files_only=True)
    return ImageOnlyQwen2VLProcessor(image_processor=image_processor, tokenizer=tokenizer, video_processor=None)
