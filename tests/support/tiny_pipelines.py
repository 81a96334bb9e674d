"""Tiny randomly initialised pipelines of every family, built offline from configs, for tests and benchmarks.

They produce noise, not pictures, but they run the real pipeline code end to end on a CPU in well under a second,
so a checkout can prove that loading, stepping, previews, cancellation and seeding work without any weights.
``save_tiny(family, directory)`` writes one with ``save_pretrained``; point an engine's ``model`` at it.
Tokenizers are built from small in-memory vocabularies (no hub access needed).
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import string
import tempfile
from pathlib import Path
from typing import Any

import torch

_CHARS = list(string.ascii_lowercase + string.digits + ".,!?'-")


def clip_parts(hidden: int = 32, layers: int = 2) -> tuple[Any, Any]:
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in _CHARS:
        vocab[ch] = len(vocab)
        vocab[ch + "</w>"] = len(vocab)
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=32)
    config = CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_size=hidden,
        intermediate_size=37,
        layer_norm_eps=1e-05,
        num_attention_heads=4,
        num_hidden_layers=layers,
        vocab_size=len(vocab) + 8,
        max_position_embeddings=32,
        hidden_act="gelu",
        projection_dim=32,
    )
    torch.manual_seed(0)
    return CLIPTextModel(config), tokenizer


def t5_parts() -> tuple[Any, Any]:
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    pieces += [(ch, -3.0) for ch in _CHARS] + [("\u2581" + ch, -2.5) for ch in _CHARS]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    config = T5Config(
        vocab_size=len(pieces) + 8,
        d_model=32,
        d_ff=37,
        d_kv=8,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        is_encoder_decoder=False,
    )
    torch.manual_seed(0)
    return T5EncoderModel(config), tokenizer


def flux_vae(latent_channels: int, blocks: tuple[int, ...] = (4,)) -> Any:
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return AutoencoderKL(
        sample_size=32,
        in_channels=3,
        out_channels=3,
        block_out_channels=blocks,
        down_block_types=("DownEncoderBlock2D",) * len(blocks),
        up_block_types=("UpDecoderBlock2D",) * len(blocks),
        layers_per_block=1,
        latent_channels=latent_channels,
        norm_num_groups=1,
        use_quant_conv=False,
        use_post_quant_conv=False,
        shift_factor=0.0609,
        scaling_factor=1.5035,
    )


def flux_transformer(in_channels: int, out_channels: int | None, layers: int = 1, heads: int = 2) -> Any:
    from diffusers import FluxTransformer2DModel

    torch.manual_seed(0)
    return FluxTransformer2DModel(
        patch_size=1,
        in_channels=in_channels,
        out_channels=out_channels,
        num_layers=layers,
        num_single_layers=layers,
        attention_head_dim=16,
        num_attention_heads=heads,
        joint_attention_dim=32,
        pooled_projection_dim=32,
        axes_dims_rope=[4, 4, 8],
    )


def flux_kontext(layers: int = 1, heads: int = 2) -> Any:
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxKontextPipeline

    text_encoder, tokenizer = clip_parts()
    text_encoder_2, tokenizer_2 = t5_parts()
    return FluxKontextPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=flux_vae(1),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        transformer=flux_transformer(4, None, layers, heads),
        image_encoder=None,
        feature_extractor=None,
    )


def flux_fill() -> Any:
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxFillPipeline

    text_encoder, tokenizer = clip_parts()
    text_encoder_2, tokenizer_2 = t5_parts()
    # latents (2 ch x 4) + masked-image latents (8) + the mask packed at VAE scale 1 (4) = 20 input channels.
    return FluxFillPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=flux_vae(2),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        transformer=flux_transformer(20, 8),
    )


def sd_unet(in_channels: int) -> Any:
    from diffusers import UNet2DConditionModel

    torch.manual_seed(0)
    return UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=16,
        in_channels=in_channels,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
    )


def sd_vae() -> Any:
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
    )


def _sd_components(in_channels: int) -> dict[str, Any]:
    from diffusers import PNDMScheduler

    text_encoder, tokenizer = clip_parts()
    return {
        "unet": sd_unet(in_channels),
        "scheduler": PNDMScheduler(skip_prk_steps=True, steps_offset=1),
        "vae": sd_vae(),
        "text_encoder": text_encoder,
        "tokenizer": tokenizer,
        "safety_checker": None,
        "feature_extractor": None,
        "requires_safety_checker": False,
    }


def instruct_pix2pix() -> Any:
    from diffusers import StableDiffusionInstructPix2PixPipeline

    return StableDiffusionInstructPix2PixPipeline(**_sd_components(8))


def sd_inpaint() -> Any:
    from diffusers import StableDiffusionInpaintPipeline

    return StableDiffusionInpaintPipeline(**_sd_components(9))


def qwen_parts() -> tuple[Any, Any, Any]:
    """A tiny Qwen2.5-VL text encoder with a byte-level tokenizer and a small-image processor."""
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2Tokenizer
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from retouch.engines.diffusers.qwen_image_edit import make_processor

    vocab = {ch: i for i, ch in enumerate(sorted(ByteLevel.alphabet()))}
    tokenizer = Qwen2Tokenizer(vocab=vocab, merges=[])
    specials = ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    tokenizer.add_special_tokens({"additional_special_tokens": specials})
    ids: dict[str, Any] = {tok: tokenizer.convert_tokens_to_ids(tok) for tok in specials}
    image_processor = Qwen2VLImageProcessorPil(min_pixels=28 * 28, max_pixels=56 * 56)
    processor = make_processor(image_processor, tokenizer)
    config = Qwen2_5_VLConfig(
        text_config={
            "hidden_size": 16,
            "intermediate_size": 16,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 2,
            "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
            "rope_theta": 1000000.0,
            "vocab_size": len(tokenizer) + 8,
            "bos_token_id": ids["<|im_start|>"],
            "eos_token_id": ids["<|im_end|>"],
        },
        vision_config={"depth": 2, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2, "out_hidden_size": 16},
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(0)
    return Qwen2_5_VLForConditionalGeneration(config), tokenizer, processor


def qwen_image_edit() -> Any:
    from diffusers import (
        AutoencoderKLQwenImage,
        FlowMatchEulerDiscreteScheduler,
        QwenImageEditPlusPipeline,
        QwenImageTransformer2DModel,
    )

    torch.manual_seed(0)
    transformer = QwenImageTransformer2DModel(
        patch_size=2,
        in_channels=16,
        out_channels=4,
        num_layers=2,
        attention_head_dim=16,
        num_attention_heads=3,
        joint_attention_dim=16,
        guidance_embeds=False,
        axes_dims_rope=(8, 4, 4),
    )
    torch.manual_seed(0)
    z_dim = 4
    vae = AutoencoderKLQwenImage(
        base_dim=z_dim * 6,
        z_dim=z_dim,
        dim_mult=[1, 2, 4],
        num_res_blocks=1,
        temperal_downsample=[False, True],
        latents_mean=[0.0] * z_dim,
        latents_std=[1.0] * z_dim,
    )
    text_encoder, tokenizer, processor = qwen_parts()
    return QwenImageEditPlusPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        processor=processor,
    )


BUILDERS = {
    "flux-kontext": flux_kontext,
    "flux-fill": flux_fill,
    "instruct-pix2pix": instruct_pix2pix,
    "sd-inpaint": sd_inpaint,
    "qwen-image-edit": qwen_image_edit,
}


def save_tiny(family: str, directory: str | Path, **kwargs: Any) -> Path:
    """Builds the tiny pipeline of ``family`` and saves it where an engine's ``model`` option can point."""
    path = Path(directory)
    BUILDERS[family](**kwargs).save_pretrained(path)
    index_file = path / "model_index.json"
    index = json.loads(index_file.read_text())
    if "processor" in index:
        # Saved without torchvision the processor is our image-only subclass; record the standard class so the
        # folder looks exactly like a downloaded Qwen-Image-Edit checkpoint.
        index["processor"] = ["transformers", "Qwen2VLProcessor"]
        index_file.write_text(json.dumps(index, indent=2))
    return path


_CACHE_ROOT: Path | None = None


@functools.cache
def tiny_model_dir(family: str, **kwargs: Any) -> Path:
    """A tiny pipeline of ``family`` (built with ``kwargs``) saved once per process in a temporary directory."""
    global _CACHE_ROOT
    if _CACHE_ROOT is None:
        _CACHE_ROOT = Path(tempfile.mkdtemp(prefix="retouch-tiny-"))
        atexit.register(shutil.rmtree, _CACHE_ROOT, True)
    suffix = "".join(f"-{key}{value}" for key, value in sorted(kwargs.items()))
    return save_tiny(family, _CACHE_ROOT / f"{family}{suffix}", **kwargs)
