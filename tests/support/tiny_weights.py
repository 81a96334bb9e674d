"""Weight files people download, made from tiny pipelines: GGUF transformers (Q8_0, Q4_0, Q4_K), single-file
safetensors transformers, and LoRAs made with ``peft``.

GGUF files are written with the ``gguf`` package (the reference writer of llama.cpp's format). It can quantise
Q8_0 and Q4_0 but not the K-quants, so ``quantize_q4_k`` below packs Q4_K blocks itself (the simple min/max
rounding, not llama.cpp's search); the layout is checked against ``gguf``'s own dequantiser by the tests.
Tensors whose rows do not fill whole blocks stay in float32, as the real converters leave small tensors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

QK_K = 256


def quantize_q4_k(values: np.ndarray) -> np.ndarray:
    """Rows of float32 (length a multiple of 256) → Q4_K blocks (144 bytes per 256 values), as uint8 rows."""
    rows = values.reshape(-1, values.shape[-1]).astype(np.float32)
    blocks = rows.reshape(-1, 8, 32)  # super-blocks of 8 sub-blocks of 32
    low = np.minimum(blocks.min(axis=-1), 0.0)
    high = blocks.max(axis=-1)
    scale = np.maximum(high - low, 1e-12) / 15.0
    offset = -low
    d = scale.max(axis=-1, keepdims=True) / 63.0
    dmin = np.maximum(offset.max(axis=-1, keepdims=True) / 63.0, 1e-12)
    d16, dmin16 = d.astype(np.float16), dmin.astype(np.float16)
    sc = np.clip(np.round(scale / d16.astype(np.float32)), 1, 63).astype(np.uint8)
    mn = np.clip(np.round(offset / dmin16.astype(np.float32)), 0, 63).astype(np.uint8)
    step = (d16.astype(np.float32) * sc)[..., None]
    base = (dmin16.astype(np.float32) * mn)[..., None]
    q = np.clip(np.round((blocks + base) / step), 0, 15).astype(np.uint8)
    packed = np.empty((blocks.shape[0], 12), dtype=np.uint8)
    packed[:, 0:4] = sc[:, 0:4] | ((sc[:, 4:8] & 0x30) << 2)
    packed[:, 4:8] = mn[:, 0:4] | ((mn[:, 4:8] & 0x30) << 2)
    packed[:, 8:12] = (sc[:, 4:8] & 0x0F) | ((mn[:, 4:8] & 0x0F) << 4)
    nibbles = q.reshape(-1, 4, 2, 32)
    qs = (nibbles[:, :, 0, :] | (nibbles[:, :, 1, :] << 4)).reshape(-1, 128)
    out = np.concatenate([d16.view(np.uint8), dmin16.view(np.uint8), packed, qs], axis=-1)
    return out.reshape(*values.shape[:-1], values.shape[-1] // QK_K * 144)


def write_gguf(state_dict: dict[str, torch.Tensor], path: Path, qtype: str) -> dict[str, str]:
    """Writes a diffusers-keyed transformer as GGUF; returns each tensor's stored type."""
    import gguf

    kind = gguf.GGMLQuantizationType[qtype]
    block = gguf.GGML_QUANT_SIZES[kind][0]
    writer = gguf.GGUFWriter(str(path), arch="flux")
    stored: dict[str, str] = {}
    for name, tensor in state_dict.items():
        array = tensor.detach().float().numpy()
        if array.ndim == 2 and array.shape[-1] % block == 0:
            data = quantize_q4_k(array) if qtype == "Q4_K" else gguf.quants.quantize(array, kind)
            writer.add_tensor(name, data, raw_shape=data.shape, raw_dtype=kind)
            stored[name] = qtype
        else:
            writer.add_tensor(name, array.astype(np.float32))
            stored[name] = "F32"
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return stored


def expected_gguf_bytes(state_dict: dict[str, torch.Tensor], stored: dict[str, str]) -> int:
    """Bytes the GGUF tensors take in memory: quantised ones at their block size, the rest as float32."""
    import gguf

    total = 0
    for name, tensor in state_dict.items():
        if stored[name] == "F32":
            total += tensor.numel() * 4
        else:
            block, size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[stored[name]]]
            total += tensor.numel() // block * size
    return total


def save_single_file(state_dict: dict[str, torch.Tensor], path: Path) -> Path:
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in state_dict.items()}, str(path))
    return path


def make_lora(
    pipeline_class: Any,
    transformer: Any,
    path: Path,
    rank: int = 4,
    seed: int = 1,
    gain: float = 8.0,
    component: str = "transformer",
) -> Path:
    """A LoRA on the attention projections of ``transformer`` (random, strong enough to change the picture),
    saved as diffusers saves LoRAs (``pytorch_lora_weights.safetensors``)."""
    from peft import LoraConfig, get_peft_model_state_dict

    torch.manual_seed(seed)
    config = LoraConfig(r=rank, lora_alpha=rank, target_modules=["to_q", "to_k", "to_v", "to_out.0"])
    config.init_lora_weights = False
    name = f"made-{seed}"
    transformer.add_adapter(config, adapter_name=name)
    layers = get_peft_model_state_dict(transformer, adapter_name=name)
    layers = {k: v * gain if "lora_B" in k else v for k, v in layers.items()}
    path.mkdir(parents=True, exist_ok=True)
    pipeline_class.save_lora_weights(str(path), **{f"{component}_lora_layers": layers})
    return path / "pytorch_lora_weights.safetensors"
