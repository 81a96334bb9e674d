"""Loads a pipeline once, offline, and keeps it warm for the life of the engine.

``from_pretrained(..., local_files_only=True)``: a local directory saved with ``save_pretrained`` or an id already
in the Hugging Face cache. Nothing is ever downloaded; a missing model fails fast, naming where it looked.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import torch

from ...errors import EngineUnavailable
from ..base import Progress
from .config import ModelOptions, check_weights_present, hub_cache_dir, looks_like_hub_id, weights_location
from .family import Family
from .progress import LatentPreviewer, VaePreviewer

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

    A diffusers pipeline keeps per-call state (scheduler timesteps, guidance), so runs on one pipeline are
    serialised with ``run_lock``; loading is guarded separately so a second job waits for the first load.
    """

    def __init__(self, engine: str, opts: ModelOptions, family: Family, preview: str) -> None:
        self.engine = engine
        self.opts = opts
        self.family = family
        self.preview = preview
        self.device = resolve_device(opts.device)
        self.dtype = resolve_dtype(opts.dtype, self.device)
        self.run_lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._pipe: Any = None
        self.previewer: Any = None

    @property
    def loaded(self) -> bool:
        return self._pipe is not None

    def check(self) -> None:
        check_weights_present(self.opts, self.engine)

    def get(self, progress: Progress | None = None) -> Any:
        with self._load_lock:
            if self._pipe is None:
                if progress is not None:
                    progress.log(f"Loading {self.family.name} weights from {weights_location(self.opts)}")
                self._pipe = self._load()
                if self.preview == "latent":
                    self.previewer = LatentPreviewer(self.family, self._pipe)
                elif self.preview == "vae":
                    self.previewer = VaePreviewer(self.family, self._pipe)
            return self._pipe

    def _load(self) -> Any:
        self.check()
        cls = self.family.pipeline_type()
        started = time.perf_counter()
        kwargs: dict[str, Any] = {_dtype_keyword(): self.dtype, "local_files_only": True}
        if self.opts.variant:
            kwargs["variant"] = self.opts.variant
        try:
            directory = self.local_dir()
            kwargs.update(self.family.load_overrides(directory))
            pipe = cls.from_pretrained(str(directory), **kwargs)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise EngineUnavailable(
                f"engine '{self.engine}': cannot load {cls.__name__} from {weights_location(self.opts)}: {exc}"
            ) from exc
        if self.opts.cpu_offload:
            pipe.enable_model_cpu_offload(device=self.device)
        else:
            pipe.to(self.device)
        pipe.set_progress_bar_config(disable=True)
        log.info(
            "diffusers pipeline loaded",
            extra={
                "engine": self.engine,
                "family": self.family.name,
                "model": self.opts.model,
                "device": self.device,
                "dtype": str(self.dtype),
                "seconds": round(time.perf_counter() - started, 2),
            },
        )
        return pipe

    def local_dir(self) -> Path:
        """The weights directory: the configured one, or the id's snapshot in the HF cache (never downloaded)."""
        if not looks_like_hub_id(self.opts.model):
            return Path(self.opts.model)
        from huggingface_hub import snapshot_download

        cache = hub_cache_dir(self.opts.cache_dir)
        try:
            found = snapshot_download(
                self.opts.model, revision=self.opts.revision, cache_dir=str(cache), local_files_only=True
            )
        except Exception as exc:  # huggingface_hub raises several unrelated types for "not cached"
            raise EngineUnavailable(
                f"engine '{self.engine}': model '{self.opts.model}' is not complete in the local Hugging Face cache "
                f"({cache}): {type(exc).__name__}; download it first - the server never downloads"
            ) from exc
        return Path(found)

    def generator(self, seed: int) -> torch.Generator:
        """Seeded noise on the execution device: the same seed on the same device gives the same bytes."""
        return torch.Generator(device=self.device).manual_seed(seed)
