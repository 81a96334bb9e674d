"""What a model family adapter is, and which families exist.

A family adapter knows one diffusers pipeline class: how to turn an ``EditTask`` into that pipeline's call
arguments, and how to read its latents for previews. Adding a family is one module defining an adapter and one
entry in ``FAMILIES`` below. Adapter modules import torch; this module does not, so that configuration can be
checked (and a missing family reported) without the gpu extra.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ...errors import EngineUnavailable

if TYPE_CHECKING:
    from PIL import Image

    from ..base import EditTask

FAMILIES: dict[str, str] = {
    "flux-kontext": "retouch.engines.diffusers.flux_kontext:FluxKontext",
    "qwen-image-edit": "retouch.engines.diffusers.qwen_image_edit:QwenImageEditPlus",
    "instruct-pix2pix": "retouch.engines.diffusers.instruct_pix2pix:InstructPix2Pix",
    "flux-fill": "retouch.engines.diffusers.flux_fill:FluxFill",
    "sd-inpaint": "retouch.engines.diffusers.sd_inpaint:StableDiffusionInpaint",
}
ALIASES = {
    "fill": "flux-fill",
    "inpaint": "sd-inpaint",
    "qwen-image-edit-plus": "qwen-image-edit",
    "kontext": "flux-kontext",
}


@dataclass(frozen=True)
class Plan:
    """The resolved knobs of one run, shared by every family."""

    width: int
    height: int
    steps: int
    guidance: float
    num_images: int
    seed: int
    generator: Any  # torch.Generator
    extra: dict[str, Any] = field(default_factory=dict)


class Family:
    """Base adapter. Subclasses set the class attributes and implement ``call_kwargs``."""

    name: ClassVar[str] = ""
    pipeline_class: ClassVar[str] = ""
    # Sizes must be multiples of (VAE downscale x this), e.g. 2 for latents packed in 2x2 patches.
    patch: ClassVar[int] = 2
    max_inputs: ClassVar[int] = 1
    uses_mask: ClassVar[bool] = False
    can_generate: ClassVar[bool] = False
    default_steps: ClassVar[dict[str, int]] = {"low": 12, "medium": 20, "high": 28}
    default_guidance: ClassVar[float] = 3.5

    def pipeline_type(self) -> Any:
        import diffusers

        cls = getattr(diffusers, self.pipeline_class, None)
        if cls is None:
            raise EngineUnavailable(
                f"family '{self.name}' needs diffusers.{self.pipeline_class}, which the installed diffusers "
                f"({diffusers.__version__}) does not have; upgrade diffusers"
            )
        return cls

    def size_multiple(self, pipe: Any) -> int:
        """Output width and height must be multiples of this for the loaded pipeline."""
        return int(getattr(pipe, "vae_scale_factor", 8)) * self.patch

    def load_overrides(self, model_dir: Path) -> dict[str, Any]:
        """Components to build by hand instead of letting ``from_pretrained`` load them (default: none)."""
        return {}

    def call_kwargs(self, pipe: Any, task: EditTask, plan: Plan, images: list[Image.Image]) -> dict[str, Any]:
        """Keyword arguments for ``pipe(...)``, without the callback (the engine adds it)."""
        raise NotImplementedError

    def latents_grid(self, pipe: Any, latents: Any, plan: Plan) -> Any:
        """The callback's latents as a (batch, channels, h, w) tensor in the pipeline's normalised space."""
        return latents

    def encode(self, pipe: Any, pixels: Any) -> Any:
        """Normalised latents (1, C, h, w) of an image tensor (1, 3, H, W) in [-1, 1], as the denoiser sees them."""
        raise NotImplementedError

    def decode(self, pipe: Any, grid: Any) -> Any:
        """Full VAE decode of a latent grid to (B, 3, H, W) in [-1, 1] (used only when ``preview: vae``)."""
        raise NotImplementedError


def resolve_family(name: str) -> Family:
    """The adapter for a family name; imports its module (and so torch and diffusers)."""
    key = ALIASES.get(name, name)
    target = FAMILIES.get(key)
    if target is None:
        known = ", ".join(sorted(FAMILIES))
        raise EngineUnavailable(f"unknown diffusers family {name!r}; known families: {known}")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EngineUnavailable(
            f"diffusers family {name!r} cannot be loaded ({exc}); install the gpu extra: pip install 'retouch[gpu]'"
        ) from exc
    adapter: Family = getattr(module, attr)()
    return adapter
