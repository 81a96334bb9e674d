"""Loads a pipeline once and keeps it warm; under a device memory budget, moves it off the device when idle.

Weights come from a local directory saved with ``save_pretrained`` or from the Hugging Face cache
(``local_files_only=True``). Only an engine configured with ``allow_download: true`` fetches missing weights, once,
into its configured cache; otherwise a missing model fails fast, naming where it looked. Quantised or single-file
denoisers and text encoders are built by ``quantize.py`` and handed to ``from_pretrained``, so every pipeline loads
through this one path.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from ...errors import EngineUnavailable
from ..base import Progress
from .config import (
    ModelOptions,
    cached_hub_file,
    cached_snapshot,
    check_weights_present,
    hub_cache_dir,
    hub_file,
    looks_like_hub_id,
    weights_location,
)
from .family import Family
from .loras import AdapterSet
from .memory import DeviceBudget, module_bytes, pipeline_bytes, pipeline_modules
from .progress import LatentPreviewer, VaePreviewer
from .quantize import apply_runtime_options, check_backend, component_overrides

log = logging.getLogger("retouch.engines.diffusers")

_DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "float16": torch.float16,
    "fp16": torch.float16,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
}


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def resolve_dtype(dtype: str, device: str) -> torch.dtype:
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    try:
        return _DTYPES[dtype]
    except KeyError:
        raise EngineUnavailable(f"unknown dtype {dtype!r}; use one of {', '.join(sorted(_DTYPES))} or auto") from None


def _dtype_keyword() -> str:
    """Newer diffusers call the dtype argument ``dtype`` and deprecate ``torch_dtype``; older ones know only that."""
    from diffusers.utils import deprecation_utils

    return "dtype" if hasattr(deprecation_utils, "_TORCH_DTYPE_DEPRECATION_MESSAGE") else "torch_dtype"


class PipelineHolder:
    """One configured pipeline: loaded on first use (or at start with ``preload``), then shared.

    A diffusers pipeline keeps per-call state (scheduler timesteps, guidance, active LoRAs), so runs on one pipeline
    are serialised with ``run_lock``; loading is guarded separately so a second job waits for the first load.
    ``busy`` counts the requests using it (running or waiting to run): a budget never moves a busy pipeline.
    """

    def __init__(
        self,
        engine: str,
        opts: ModelOptions,
        family: Family,
        preview: str,
        *,
        label: str | None = None,
        budget: DeviceBudget | None = None,
        idle_offload: str = "cpu",
        max_loras: int = 8,
    ) -> None:
        self.engine = engine
        self.label = label or engine
        self.opts = opts
        self.family = family
        self.preview = preview
        self.device = resolve_device(opts.device)
        self.dtype = resolve_dtype(opts.dtype, self.device)
        self.run_lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._pipe: Any = None
        self._on_device = False
        self._loaded_once = False
        self.previewer: Any = None
        self.adapters = AdapterSet(max_loras, family.name)
        self.budget = budget
        self.idle_offload = idle_offload
        self.busy = 0
        self.last_used = 0.0
        self.weight_bytes = 0
        if budget is not None:
            budget.join(self)

    @property
    def loaded(self) -> bool:
        return self._pipe is not None

    def check(self) -> None:
        check_weights_present(self.opts, self.engine)
        check_backend(self.opts.quantization, self.device, self.engine)
        check_backend(self.opts.text_encoder_quantization, self.device, self.engine, "text_encoder_quantization")

    # -- use, with the device budget --------------------------------------------------------------------------

    @contextmanager
    def use(self, progress: Progress | None = None) -> Iterator[Any]:
        """The pipeline, on its device, for the length of one request."""
        with self._state_lock:
            self.busy += 1
        try:
            yield self.get(progress)
        finally:
            with self._state_lock:
                self.busy -= 1
                self.last_used = time.monotonic()
            if self.budget is not None:
                with self.budget.cond:
                    self.budget.cond.notify_all()

    def get(self, progress: Progress | None = None) -> Any:
        with self._load_lock:
            if self.budget is None:
                if self._pipe is None:
                    self._install(self._load(progress))
                    self._place(self._pipe)
                return self._pipe
            with self.budget.cond:
                if self._pipe is not None and self._on_device:
                    return self._pipe
                pipe = self._pipe
            direction = "restore" if pipe is not None else ("reload" if self._loaded_once else "")
            started = time.perf_counter()
            if pipe is None:
                pipe = self._install(self._load(progress))
            check = progress.check_cancelled if progress is not None else _never
            with self.budget.cond:
                self.budget.admit(self, self.weight_bytes, check)
                self._place(pipe)
            if direction:
                self.budget.record_return(self, direction, time.perf_counter() - started)
            return pipe

    def resident_bytes(self) -> int:
        return self.weight_bytes if self._pipe is not None and self._on_device else 0

    def evict(self) -> str:
        """Called by the budget (its lock held) when this pipeline is idle and another needs the room."""
        pipe = self._pipe
        self._on_device = False
        if self.opts.cpu_offload and self.idle_offload == "cpu":
            pipe.maybe_free_model_hooks()
            return "offload"
        if self.idle_offload == "free" or self.device == "cpu" or self.opts.quantization.startswith("bnb"):
            self._pipe = None
            self.previewer = None
            del pipe
            gc.collect()
            if self.device.startswith("cuda"):
                torch.cuda.empty_cache()
            return "free"
        pipe.to("cpu")
        if self.device.startswith("cuda"):
            torch.cuda.empty_cache()
        return "offload"

    # -- loading --------------------------------------------------------------------------------------------------

    def _install(self, pipe: Any) -> Any:
        self._pipe = pipe
        self._loaded_once = True
        if self.preview == "latent":
            self.previewer = LatentPreviewer(self.family, pipe)
        elif self.preview == "vae":
            self.previewer = VaePreviewer(self.family, pipe)
        return pipe

    def _place(self, pipe: Any) -> None:
        if self.opts.cpu_offload:
            if not getattr(pipe, "_retouch_offload_hooks", False):
                pipe.enable_model_cpu_offload(device=self.device)
                pipe._retouch_offload_hooks = True
        else:
            pipe.to(self.device)
        self._on_device = True

    def _load(self, progress: Progress | None) -> Any:
        self.check()
        if progress is not None:
            progress.log(f"Loading {self.family.name} weights from {weights_location(self.opts)}")
        cls = self.family.pipeline_type()
        started = time.perf_counter()
        directory = self.local_dir(progress)
        weights_file = self.weights_file(progress)
        kwargs: dict[str, Any] = {_dtype_keyword(): self.dtype, "local_files_only": True}
        if self.opts.variant:
            kwargs["variant"] = self.opts.variant
        try:
            kwargs.update(self.family.load_overrides(directory))
            kwargs.update(component_overrides(self.opts, directory, self.dtype, weights_file))
            pipe = cls.from_pretrained(str(directory), **kwargs)
        except (OSError, ValueError, TypeError, KeyError, ImportError) as exc:
            raise EngineUnavailable(
                f"engine '{self.engine}': cannot load {cls.__name__} from {weights_location(self.opts)}: {exc}"
            ) from exc
        apply_runtime_options(pipe, self.opts, self.engine)
        pipe.set_progress_bar_config(disable=True)
        sizes = [module_bytes(module) for _, module in pipeline_modules(pipe)]
        self.weight_bytes = max(sizes, default=0) if self.opts.cpu_offload else pipeline_bytes(pipe)
        log.info(
            "diffusers pipeline loaded",
            extra={
                "engine": self.engine,
                "family": self.family.name,
                "model": self.opts.model,
                "device": self.device,
                "dtype": str(self.dtype),
                "quantization": self.opts.quantization,
                "weight_bytes": self.weight_bytes,
                "seconds": round(time.perf_counter() - started, 2),
            },
        )
        return pipe

    def local_dir(self, progress: Progress | None = None) -> Path:
        """The weights directory: the configured one, or the id's snapshot in the HF cache (fetched if allowed)."""
        if not looks_like_hub_id(self.opts.model):
            return Path(self.opts.model)
        from .catalog import missing_parts

        cache = hub_cache_dir(self.opts.cache_dir)
        found = cached_snapshot(self.opts.model, self.opts.revision, self.opts.cache_dir)
        if found is not None and (found / "model_index.json").is_file():
            missing = missing_parts(found)
            if not missing:
                return found
            problem = f"is incomplete in the local Hugging Face cache ({found}: no {', '.join(missing)})"
        else:
            problem = f"is not in the local Hugging Face cache ({cache})"
        if not self.opts.allow_download:
            raise EngineUnavailable(
                f"engine '{self.engine}': model '{self.opts.model}' {problem}; "
                f"fetch it with `retouch models pull {self.opts.model}`"
            )
        return self._download(self.opts.model, None, progress)

    def weights_file(self, progress: Progress | None = None) -> Path | None:
        path = self.opts.transformer_file
        if not path:
            return None
        remote = hub_file(path)
        if remote is None:
            return Path(path)
        cached = cached_hub_file(remote[0], remote[1], self.opts.cache_dir)
        return cached if cached is not None else self._download(remote[0], remote[1], progress)

    def _download(self, repo_id: str, filename: str | None, progress: Progress | None) -> Path:
        from .hub import Target, endpoint, pull

        what = f"{repo_id}/{filename}" if filename else repo_id
        if progress is not None:
            progress.log(f"Downloading {what} from {endpoint()} (allow_download is on for this engine)")
        cache = hub_cache_dir(self.opts.cache_dir)
        return pull(Target(repo_id, filename), revision=self.opts.revision, cache_dir=cache, progress=False)

    def generator(self, seed: int) -> torch.Generator:
        """Seeded noise on the execution device: the same seed on the same device gives the same bytes."""
        return torch.Generator(device=self.device).manual_seed(seed)


def _never() -> None:
    return None
