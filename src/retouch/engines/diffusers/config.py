"""The options of one ``diffusers`` engine, read once from the config file's ``engines.<name>.options``.

Kept free of torch so that a bad configuration is reported the same way whether or not the gpu extra is installed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import EngineUnavailable

QUALITIES = ("low", "medium", "high")
PREVIEW_KINDS = ("latent", "vae", "off")


@dataclass(frozen=True)
class ModelOptions:
    """Where one pipeline's weights are and how to run it."""

    family: str
    model: str
    dtype: str = "auto"
    device: str = "auto"
    cpu_offload: bool = False
    cache_dir: str | None = None
    revision: str | None = None
    variant: str | None = None
    steps: dict[str, int] = field(default_factory=dict)
    guidance: dict[str, float] = field(default_factory=dict)
    call_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DiffusersOptions:
    main: ModelOptions
    # The fill/inpaint pipeline used when a request carries a mask (None: edit whole image, worker composites).
    fill: ModelOptions | None = None
    max_resolution: int = 1024
    preview: str = "latent"
    preview_every: int = 4
    preload: bool = False
    max_num_images: int = 4


def _per_quality(value: Any, kind: type, what: str) -> dict[str, Any]:
    """``steps: 28`` or ``steps: {low: 8, medium: 16, high: 28}`` → a dict over the qualities given."""
    if value is None:
        return {}
    try:
        if isinstance(value, Mapping):
            unknown = set(value) - set(QUALITIES)
            if unknown:
                raise EngineUnavailable(f"{what}: unknown quality level(s) {sorted(unknown)}; use low/medium/high")
            return {str(k): kind(v) for k, v in value.items()}
        return {q: kind(value) for q in QUALITIES}
    except (TypeError, ValueError) as exc:
        raise EngineUnavailable(f"{what}: expected a number or a low/medium/high mapping, got {value!r}") from exc


def _model(options: Mapping[str, Any], where: str) -> ModelOptions:
    family = options.get("family")
    model = options.get("model")
    if not family or not model:
        raise EngineUnavailable(f"{where}: 'family' and 'model' (a local directory or a Hugging Face id) are required")
    call_kwargs = options.get("call_kwargs") or {}
    if not isinstance(call_kwargs, Mapping):
        raise EngineUnavailable(f"{where}.call_kwargs must be a mapping")
    return ModelOptions(
        family=str(family),
        model=os.path.expanduser(str(model)),
        dtype=str(options.get("dtype", "auto")),
        device=str(options.get("device", "auto")),
        cpu_offload=bool(options.get("cpu_offload", False)),
        cache_dir=str(options["cache_dir"]) if options.get("cache_dir") else None,
        revision=str(options["revision"]) if options.get("revision") else None,
        variant=str(options["variant"]) if options.get("variant") else None,
        steps=_per_quality(options.get("steps"), int, f"{where}.steps"),
        guidance=_per_quality(options.get("guidance"), float, f"{where}.guidance"),
        call_kwargs=dict(call_kwargs),
    )


def parse_options(name: str, options: Mapping[str, Any]) -> DiffusersOptions:
    where = f"engines.{name}.options"
    main = _model(options, where)
    fill_raw = options.get("fill")
    fill = None
    if fill_raw:
        if not isinstance(fill_raw, Mapping):
            raise EngineUnavailable(f"{where}.fill must be a mapping with 'family' and 'model'")
        # The fill pipeline inherits device/dtype/offload from the engine unless it says otherwise.
        inherited = {k: options[k] for k in ("dtype", "device", "cpu_offload", "cache_dir") if k in options}
        fill = _model({**inherited, **fill_raw}, f"{where}.fill")
    preview = str(options.get("preview", "latent"))
    if preview not in PREVIEW_KINDS:
        raise EngineUnavailable(f"{where}.preview must be one of {', '.join(PREVIEW_KINDS)}")
    return DiffusersOptions(
        main=main,
        fill=fill,
        max_resolution=int(options.get("max_resolution", 1024)),
        preview=preview,
        preview_every=max(0, int(options.get("preview_every", 4))),
        preload=bool(options.get("preload", False)),
        max_num_images=int(options.get("max_num_images", 4)),
    )


def hub_cache_dir(cache_dir: str | None) -> Path:
    """Where the Hugging Face cache lives (same rules as huggingface_hub, without importing it)."""
    if cache_dir:
        return Path(cache_dir)
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "huggingface"
    )
    return Path(home) / "hub"


def looks_like_hub_id(model: str) -> bool:
    """``org/name`` that is not an existing path: resolved from the local HF cache, never downloaded."""
    return (
        not os.path.isabs(model) and not model.startswith(".") and model.count("/") == 1 and not os.path.exists(model)
    )


def weights_location(opts: ModelOptions) -> Path:
    """The directory the weights must be in: the local directory itself, or the id's folder in the HF cache."""
    if looks_like_hub_id(opts.model):
        return hub_cache_dir(opts.cache_dir) / ("models--" + opts.model.replace("/", "--"))
    return Path(opts.model)


def check_weights_present(opts: ModelOptions, engine: str) -> None:
    """Fails fast, naming the path looked in, when the weights are plainly not there (a couple of stat calls)."""
    where = weights_location(opts)
    if looks_like_hub_id(opts.model):
        if not (where / "snapshots").is_dir():
            raise EngineUnavailable(
                f"engine '{engine}': model '{opts.model}' is not in the local Hugging Face cache (looked in "
                f"{where}); download it first (e.g. `hf download {opts.model}`) - the server never downloads"
            )
        return
    if not (where / "model_index.json").is_file():
        raise EngineUnavailable(
            f"engine '{engine}': no diffusers pipeline at {where} (model_index.json not found); "
            f"set engines.{engine}.options.model to a directory saved with save_pretrained or a cached HF id"
        )
