"""Quantised and single-file weights, attention backends and torch.compile, on a tiny FLUX.1 Kontext pipeline.

Each variant loads through the engine's one loading path and runs; its output stays close to the unquantised
engine's (mean |Δ| ≤ 8 on uint8) while its transformer takes the share of memory its format implies. A backend
this machine cannot run (bitsandbytes without a CUDA GPU) is a 503 naming what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gguf  # noqa: F401  (installed by scripts/install-gpu-stack.sh)
import numpy as np
import pytest
import torch
import torchao  # noqa: F401  (installed by scripts/install-gpu-stack.sh)

from retouch.engines.base import EditTask, NullProgress  # noqa: E402
from retouch.engines.diffusers import DiffusersEngine  # noqa: E402
from retouch.engines.diffusers.memory import module_bytes  # noqa: E402
from retouch.errors import EngineUnavailable  # noqa: E402
from tests.support.tiny_pipelines import tiny_model_dir  # noqa: E402
from tests.support.tiny_weights import expected_gguf_bytes, quantize_q4_k, save_single_file, write_gguf  # noqa: E402
from tests.unit.test_diffusers_families import picture  # noqa: E402

HEADS = 16  # inner width 256: the transformer's rows fill whole Q4_K blocks
MAX_MEAN_DELTA = 8.0


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def model_dir() -> Path:
    return tiny_model_dir("flux-kontext", heads=HEADS)


def state_dict() -> dict[str, Any]:
    from diffusers import FluxTransformer2DModel

    return dict(FluxTransformer2DModel.from_pretrained(model_dir(), subfolder="transformer").state_dict())


def engine(**extra: Any) -> DiffusersEngine:
    opts: dict[str, Any] = {
        "family": "flux-kontext",
        "model": str(model_dir()),
        "steps": 2,
        "guidance": 3.0,
        "max_resolution": 32,
        "device": "cpu",
        "preview": "off",
        "call_kwargs": {"max_sequence_length": 16},
    }
    opts.update(extra)
    return DiffusersEngine("quant", opts)


def run(eng: DiffusersEngine) -> np.ndarray:
    task = EditTask(prompt="a red hat", images=[picture()], seed=7, quality="low")
    return np.asarray(eng.run(task, NullProgress()).images[0]).astype(np.int16)


@pytest.fixture(scope="module")
def base() -> tuple[np.ndarray, int]:
    eng = engine()
    pixels = run(eng)
    return pixels, module_bytes(eng.main.get().transformer)


def test_q4_k_packing_matches_the_reference_dequantiser() -> None:

    values = np.random.default_rng(0).normal(size=(3, 512)).astype(np.float32)
    packed = quantize_q4_k(values)
    assert packed.shape == (3, 2 * 144)
    back = gguf.quants.dequantize(packed, gguf.GGMLQuantizationType.Q4_K)
    assert back.shape == values.shape and np.abs(back - values).mean() < 0.1 * np.abs(values).mean()


@pytest.mark.parametrize(("qtype", "bits"), [("Q8_0", 8.5), ("Q4_0", 4.5), ("Q4_K", 4.5)])
def test_gguf_transformer(tmp_path: Path, base: tuple[np.ndarray, int], qtype: str, bits: float) -> None:
    weights = state_dict()
    stored = write_gguf(weights, tmp_path / f"transformer-{qtype}.gguf", qtype)
    eng = engine(transformer_file=str(tmp_path / f"transformer-{qtype}.gguf"))
    assert eng.options.main.quantization == "gguf"
    pixels = run(eng)
    transformer = eng.main.get().transformer
    assert type(transformer.transformer_blocks[0].attn.to_q.weight).__name__ == "GGUFParameter"
    # The quantised tensors are held at their stored size: exactly what the file's types say.
    held = module_bytes(transformer)
    assert held == expected_gguf_bytes(weights, stored)
    share = held / base[1]
    assert share < bits / 32 + 0.06, share  # most of the weights are quantised; small tensors stay float32
    delta = float(np.abs(pixels - base[0]).mean())
    assert 0 < delta <= MAX_MEAN_DELTA, delta


@pytest.mark.parametrize(("kind", "max_share"), [("torchao-int8", 0.3), ("torchao-float8", 0.3)])
def test_torchao_transformer(base: tuple[np.ndarray, int], kind: str, max_share: float) -> None:
    eng = engine(quantization=kind)
    pixels = run(eng)
    share = module_bytes(eng.main.get().transformer) / base[1]
    assert 0.2 < share < max_share, share  # one byte a weight (plus scales) instead of four
    delta = float(np.abs(pixels - base[0]).mean())
    assert delta <= MAX_MEAN_DELTA, delta


def test_torchao_text_encoder_too(base: tuple[np.ndarray, int]) -> None:
    eng = engine(quantization="torchao-int8", text_encoder_quantization="torchao-int8")
    pixels = run(eng)
    encoder = eng.main.get().text_encoder_2
    assert "Int8" in type(encoder.encoder.block[0].layer[0].SelfAttention.q.weight).__name__
    assert float(np.abs(pixels - base[0]).mean()) <= MAX_MEAN_DELTA


def test_single_file_safetensors_transformer_is_the_same_model(tmp_path: Path, base: tuple[np.ndarray, int]) -> None:
    path = save_single_file(state_dict(), tmp_path / "flux1-kontext-tiny.safetensors")
    pixels = run(engine(transformer_file=str(path)))
    assert np.array_equal(pixels, base[0])


@pytest.mark.parametrize(
    ("kind", "where"),
    [("bnb-8bit", "quantization"), ("bnb-4bit", "quantization"), ("bnb-4bit", "text_encoder_quantization")],
)
def test_bitsandbytes_without_cuda_is_unavailable_naming_what_is_missing(kind: str, where: str) -> None:
    eng = engine(**{where: kind})
    task = EditTask(prompt="a red hat", images=[picture()], seed=7)
    with pytest.raises(EngineUnavailable) as info:
        eng.preflight(task.info())
    message = info.value.message
    assert info.value.status_code == 503
    assert "CUDA GPU" in message and f"{where} {kind}" in message and "gguf" in message
    with pytest.raises(EngineUnavailable):
        eng.run(task, NullProgress())
    assert not eng.main.loaded


def test_bad_quantization_settings_are_reported(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="quantization must be one of"):
        engine(quantization="int3")
    with pytest.raises(EngineUnavailable, match="transformer_file"):
        engine(quantization="gguf")
    with pytest.raises(EngineUnavailable, match="does not exist"):
        engine(transformer_file=str(tmp_path / "missing.gguf")).preflight(EditTask("x", [picture()]).info())


def test_attention_backend_and_compile_reach_the_pipeline(base: tuple[np.ndarray, int]) -> None:
    eng = engine(attention_backend="_native_math", compile={"backend": "eager"})
    pixels = run(eng)
    transformer = eng.main.get().transformer
    backends = {m.processor._attention_backend for m in transformer.modules() if hasattr(m, "processor")}
    assert backends == {"_native_math"}
    assert transformer._compiled_call_impl is not None  # nn.Module.compile() ran on the denoiser
    assert float(np.abs(pixels - base[0]).mean()) <= 1.0  # the math kernel: the same attention, other rounding
    # Off by default.
    default = engine().main.get().transformer
    assert default._compiled_call_impl is None
    assert {m.processor._attention_backend for m in default.modules() if hasattr(m, "processor")} == {None}


def test_attention_backend_that_cannot_run_here_is_unavailable() -> None:
    with pytest.raises(EngineUnavailable, match="flash"):
        engine(attention_backend="flash").run(EditTask("x", [picture()]), NullProgress())
