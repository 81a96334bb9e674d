"""Quantised and single-file components: the denoiser (transformer or UNet) and, optionally, the text encoder.

The component is built here and handed to ``from_pretrained`` as an override, so the rest of the pipeline loads
exactly as it does unquantised (same code path, same scheduler, same VAE). Each backend is checked before any
weights are read: one that cannot run on this machine (bitsandbytes without a CUDA GPU, a package not installed)
is an ``EngineUnavailable`` (HTTP 503) that names what is missing, never a crash halfway through a load.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import torch

from ...errors import EngineUnavailable
from .config import ModelOptions

DENOISERS = ("transformer", "unet")
TEXT_ENCODERS = ("text_encoder_2", "text_encoder")  # the large one first (T5-XXL beside CLIP in FLUX)
_PACKAGES = {"gguf": "gguf", "bnb": "bitsandbytes", "torchao": "torchao"}
_OTHER_BACKENDS = "gguf (a .gguf transformer_file) or torchao-int8"


def _backend(quantization: str) -> str:
    return quantization.split("-", 1)[0]


def check_backend(quantization: str, device: str, engine: str, what: str = "quantization") -> None:
    """Raises EngineUnavailable naming every missing piece, before anything is loaded."""
    if quantization == "none":
        return
    backend = _backend(quantization)
    missing: list[str] = []
    package = _PACKAGES[backend]
    if importlib.util.find_spec(package) is None:
        missing.append(f"the {package} package (pip install {package})")
    if backend == "bnb":
        if not device.startswith(("cuda", "xpu")):
            missing.append(f"a CUDA GPU (this engine runs on '{device}'; torch {torch.__version__})")
        elif not torch.cuda.is_available() and not (hasattr(torch, "xpu") and torch.xpu.is_available()):
            missing.append(f"a working CUDA GPU (torch.cuda.is_available() is False; torch {torch.__version__})")
    if missing:
        hint = f"; on this machine use {_OTHER_BACKENDS}" if backend == "bnb" else ""
        raise EngineUnavailable(
            f"engine '{engine}': {what} {quantization} needs {' and '.join(missing)}, which this server lacks{hint}"
        )


def _diffusers_config(quantization: str, dtype: torch.dtype) -> Any:
    import diffusers

    if quantization == "gguf":
        return diffusers.GGUFQuantizationConfig(compute_dtype=dtype)
    if quantization == "bnb-8bit":
        return diffusers.BitsAndBytesConfig(load_in_8bit=True)
    if quantization == "bnb-4bit":
        return diffusers.BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype, bnb_4bit_use_double_quant=True
        )
    return diffusers.TorchAoConfig(_torchao_type(quantization))


def _transformers_config(quantization: str, dtype: torch.dtype) -> Any:
    import transformers

    if quantization == "bnb-8bit":
        return transformers.BitsAndBytesConfig(load_in_8bit=True)
    if quantization == "bnb-4bit":
        return transformers.BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype, bnb_4bit_use_double_quant=True
        )
    return transformers.TorchAoConfig(_torchao_type(quantization))


def _torchao_type(quantization: str) -> Any:
    from torchao.quantization import Float8WeightOnlyConfig, Int8WeightOnlyConfig

    return Int8WeightOnlyConfig() if quantization == "torchao-int8" else Float8WeightOnlyConfig()


def component_class(model_dir: Path, names: tuple[str, ...]) -> tuple[str, Any] | None:
    """The first of ``names`` the pipeline has, with its class (from model_index.json)."""
    index = json.loads((model_dir / "model_index.json").read_text())
    for name in names:
        entry = index.get(name)
        if isinstance(entry, list) and len(entry) == 2 and entry[1]:
            library = importlib.import_module(entry[0])
            return name, getattr(library, entry[1])
    return None


def component_overrides(opts: ModelOptions, model_dir: Path, dtype: torch.dtype, weights_file: Path | None) -> dict:
    """Components built here (quantised or from one file) to pass to the pipeline's ``from_pretrained``."""
    overrides: dict[str, Any] = {}
    if opts.quantization != "none" or weights_file is not None:
        found = component_class(model_dir, DENOISERS)
        if found is None:
            raise EngineUnavailable(f"the pipeline at {model_dir} has no transformer or unet to quantise")
        name, cls = found
        config = None if opts.quantization == "none" else _diffusers_config(opts.quantization, dtype)
        common: dict[str, Any] = {"torch_dtype": dtype, "local_files_only": True}
        if config is not None:
            common["quantization_config"] = config
        if weights_file is not None:
            overrides[name] = cls.from_single_file(str(weights_file), config=str(model_dir), subfolder=name, **common)
        else:
            overrides[name] = cls.from_pretrained(str(model_dir), subfolder=name, **common)
    if opts.text_encoder_quantization != "none":
        found = component_class(model_dir, TEXT_ENCODERS)
        if found is None:
            raise EngineUnavailable(f"the pipeline at {model_dir} has no text encoder to quantise")
        name, cls = found
        overrides[name] = cls.from_pretrained(
            str(model_dir),
            subfolder=name,
            dtype=dtype,
            quantization_config=_transformers_config(opts.text_encoder_quantization, dtype),
            local_files_only=True,
        )
    return overrides


def denoiser(pipe: Any) -> Any:
    for name in DENOISERS:
        module = getattr(pipe, name, None)
        if module is not None:
            return module
    return None


def apply_runtime_options(pipe: Any, opts: ModelOptions, engine: str) -> None:
    """The attention backend and torch.compile, on the denoiser (where nearly all of the time goes)."""
    module = denoiser(pipe)
    if opts.attention_backend:
        if module is None or not hasattr(module, "set_attention_backend"):
            raise EngineUnavailable(f"engine '{engine}': this pipeline's denoiser has no selectable attention backend")
        if opts.attention_backend.endswith("_hub") and not opts.allow_download:
            raise EngineUnavailable(
                f"engine '{engine}': attention backend {opts.attention_backend} downloads its kernel from the Hub; "
                "set allow_download: true or choose a backend that is installed"
            )
        try:
            module.set_attention_backend(opts.attention_backend)
        except (ValueError, RuntimeError, ImportError) as exc:
            raise EngineUnavailable(
                f"engine '{engine}': attention backend {opts.attention_backend!r} cannot run here: {exc}"
            ) from exc
    if opts.compile is not None and module is not None:
        module.compile(**opts.compile)
