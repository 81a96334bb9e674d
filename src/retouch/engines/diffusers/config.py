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
# How a component's weights are stored in memory. ``gguf`` reads a GGUF transformer file (``transformer_file``);
# the others quantise the component as it loads.
QUANTIZATIONS = ("none", "gguf", "bnb-8bit", "bnb-4bit", "torchao-int8", "torchao-float8")
IDLE_OFFLOADS = ("cpu", "free")


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
    # The denoiser (transformer or UNet) from one file instead of the pipeline folder: a GGUF file or a
    # single-file safetensors checkpoint; a local path or ``org/repo/path/in/repo``.
    transformer_file: str | None = None
    quantization: str = "none"
    text_encoder_quantization: str = "none"
    # Fetch missing weights from the Hugging Face Hub on first use (into cache_dir); off by default.
    allow_download: bool = False
    compile: dict[str, Any] | None = None  # torch.compile options for the denoiser; None = not compiled
    attention_backend: str | None = None  # diffusers attention backend of the denoiser; None = its default


@dataclass(frozen=True)
class LoraOptions:
    """Where per-request LoRAs may come from and how much of them is allowed."""

    lora_dir: str | None = None  # files a request may name by relative path
    allow_urls: bool = True  # http(s) URLs, under the outbound address policy
    allow_private_urls: bool = False  # the same rule as ``allow_private_image_urls``
    max_mb: float = 512.0
    max_per_request: int = 4
    max_loaded: int = 8  # adapters kept loaded in the pipeline, least recently used dropped first
    cache_dir: str | None = None  # downloaded LoRA files, named by content hash


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
    loras: LoraOptions = field(default_factory=LoraOptions)
    # Several engines on one device: the parameter bytes they may keep there together (None = no budget).
    device_memory_budget_gb: float | None = None
    idle_offload: str = "cpu"


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
    quantization = _choice(options.get("quantization"), QUANTIZATIONS, f"{where}.quantization")
    transformer_file = str(options["transformer_file"]) if options.get("transformer_file") else None
    if transformer_file and transformer_file.lower().endswith(".gguf") and quantization == "none":
        quantization = "gguf"
    if quantization == "gguf" and not (transformer_file or "").lower().endswith(".gguf"):
        raise EngineUnavailable(f"{where}: quantization gguf needs transformer_file, the path of a .gguf file")
    if transformer_file and transformer_file.lower().endswith(".gguf") and quantization != "gguf":
        raise EngineUnavailable(f"{where}: a .gguf transformer_file is already quantised; use quantization: gguf")
    text_quant = _choice(options.get("text_encoder_quantization"), QUANTIZATIONS, f"{where}.text_encoder_quantization")
    if text_quant == "gguf":
        raise EngineUnavailable(f"{where}.text_encoder_quantization: use bnb-8bit, bnb-4bit, torchao-int8 or none")
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
        transformer_file=os.path.expanduser(transformer_file) if transformer_file else None,
        quantization=quantization,
        text_encoder_quantization=text_quant,
        allow_download=bool(options.get("allow_download", False)),
        compile=_compile_options(options.get("compile"), where),
        attention_backend=str(options["attention_backend"]) if options.get("attention_backend") else None,
    )


def _choice(value: Any, allowed: tuple[str, ...], what: str) -> str:
    chosen = str(value or allowed[0]).lower()
    if chosen not in allowed:
        raise EngineUnavailable(f"{what} must be one of {', '.join(allowed)} (got {value!r})")
    return chosen


def _compile_options(value: Any, where: str) -> dict[str, Any] | None:
    """``compile: true`` or ``compile: {mode: max-autotune, backend: inductor, fullgraph: false}``."""
    if not value:
        return None
    if value is True:
        return {}
    if not isinstance(value, Mapping):
        raise EngineUnavailable(f"{where}.compile must be true/false or a mapping of torch.compile options")
    unknown = set(value) - {"mode", "backend", "fullgraph", "dynamic"}
    if unknown:
        raise EngineUnavailable(
            f"{where}.compile: unknown option(s) {sorted(unknown)}; use mode/backend/fullgraph/dynamic"
        )
    return dict(value)


def _lora_options(options: Mapping[str, Any], where: str) -> LoraOptions:
    try:
        return LoraOptions(
            lora_dir=os.path.expanduser(str(options["lora_dir"])) if options.get("lora_dir") else None,
            allow_urls=bool(options.get("allow_lora_urls", True)),
            allow_private_urls=bool(options.get("allow_private_lora_urls", False)),
            max_mb=float(options.get("max_lora_mb", 512.0)),
            max_per_request=int(options.get("max_loras_per_request", 4)),
            max_loaded=max(1, int(options.get("max_loaded_loras", 8))),
            cache_dir=os.path.expanduser(str(options["lora_cache_dir"])) if options.get("lora_cache_dir") else None,
        )
    except (TypeError, ValueError) as exc:
        raise EngineUnavailable(f"{where}: a LoRA option has the wrong type ({exc})") from exc


def parse_options(name: str, options: Mapping[str, Any]) -> DiffusersOptions:
    where = f"engines.{name}.options"
    main = _model(options, where)
    fill_raw = options.get("fill")
    fill = None
    if fill_raw:
        if not isinstance(fill_raw, Mapping):
            raise EngineUnavailable(f"{where}.fill must be a mapping with 'family' and 'model'")
        # The fill pipeline inherits device/dtype/offload from the engine unless it says otherwise.
        inherited_keys = ("dtype", "device", "cpu_offload", "cache_dir", "allow_download", "attention_backend")
        inherited = {k: options[k] for k in inherited_keys if k in options}
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
        loras=_lora_options(options, where),
        device_memory_budget_gb=_budget(options.get("device_memory_budget_gb"), where),
        idle_offload=_choice(options.get("idle_offload"), IDLE_OFFLOADS, f"{where}.idle_offload"),
    )


def _budget(value: Any, where: str) -> float | None:
    if value in (None, "", 0):
        return None
    try:
        budget = float(value)
    except (TypeError, ValueError) as exc:
        raise EngineUnavailable(f"{where}.device_memory_budget_gb must be a number of GB") from exc
    if budget <= 0:
        raise EngineUnavailable(f"{where}.device_memory_budget_gb must be positive")
    return budget


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
    """``org/name`` that is not an existing path: a Hugging Face id, resolved from the local HF cache."""
    return (
        not os.path.isabs(model) and not model.startswith(".") and model.count("/") == 1 and not os.path.exists(model)
    )


def hub_file(path: str) -> tuple[str, str] | None:
    """``org/repo/path/in/repo.gguf`` that is not an existing path → (repo id, file name in the repo)."""
    if os.path.isabs(path) or path.startswith(".") or path.count("/") < 2 or os.path.exists(path):
        return None
    org, repo, rest = path.split("/", 2)
    return f"{org}/{repo}", rest


def repo_cache_folder(repo_id: str, cache_dir: str | None) -> Path:
    return hub_cache_dir(cache_dir) / ("models--" + repo_id.replace("/", "--"))


def weights_location(opts: ModelOptions) -> Path:
    """The directory the weights must be in: the local directory itself, or the id's folder in the HF cache."""
    if looks_like_hub_id(opts.model):
        return repo_cache_folder(opts.model, opts.cache_dir)
    return Path(opts.model)


def cached_snapshot(repo_id: str, revision: str | None, cache_dir: str | None) -> Path | None:
    """The cached snapshot folder of ``revision`` (a branch or tag through ``refs/``, or a commit), or None."""
    folder = repo_cache_folder(repo_id, cache_dir)
    name = revision or "main"
    ref = folder / "refs" / name
    commit = ref.read_text().strip() if ref.is_file() else name
    snapshot = folder / "snapshots" / commit
    return snapshot if snapshot.is_dir() else None


def cached_hub_file(repo_id: str, filename: str, cache_dir: str | None) -> Path | None:
    """A file of a repository in the HF cache (any snapshot, newest first), or None."""
    snapshots = repo_cache_folder(repo_id, cache_dir) / "snapshots"
    if not snapshots.is_dir():
        return None
    for snapshot in sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if (snapshot / filename).is_file():
            return snapshot / filename
    return None


def check_weights_present(opts: ModelOptions, engine: str) -> None:
    """Fails fast, naming the path looked in, when the weights are plainly not there (a couple of stat calls).

    With ``allow_download`` missing hub weights are not an error: the first run fetches them.
    """
    where = weights_location(opts)
    if looks_like_hub_id(opts.model):
        if not (where / "snapshots").is_dir() and not opts.allow_download:
            raise EngineUnavailable(
                f"engine '{engine}': model '{opts.model}' is not in the local Hugging Face cache (looked in "
                f"{where}); fetch it first with `retouch models pull {opts.model}`, or set "
                f"engines.{engine}.options.allow_download: true"
            )
    elif not (where / "model_index.json").is_file():
        raise EngineUnavailable(
            f"engine '{engine}': no diffusers pipeline at {where} (model_index.json not found); "
            f"set engines.{engine}.options.model to a directory saved with save_pretrained or a cached HF id"
        )
    if opts.transformer_file:
        check_file_present(opts.transformer_file, opts, engine)


def check_file_present(path: str, opts: ModelOptions, engine: str) -> None:
    remote = hub_file(path)
    if remote is None:
        if not os.path.isfile(path):
            raise EngineUnavailable(f"engine '{engine}': transformer_file {path} does not exist")
        return
    if cached_hub_file(remote[0], remote[1], opts.cache_dir) is None and not opts.allow_download:
        raise EngineUnavailable(
            f"engine '{engine}': transformer_file '{path}' is not in the local Hugging Face cache (looked in "
            f"{repo_cache_folder(remote[0], opts.cache_dir)}); fetch it with `retouch models pull {path}`"
        )
