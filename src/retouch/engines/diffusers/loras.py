"""LoRAs chosen per request, as on the hosted LoRA apps: ``loras: [{path, scale}]``.

A path is a file in the engine's ``lora_dir`` (named relative to it; nothing outside it is reachable) or an http(s)
URL fetched under the same outbound address policy as images, with a size limit. Only safetensors files are
accepted (a pickle could run code). Files are identified by the SHA-256 of their bytes: a download is kept under
that name, and the adapter loaded into the pipeline is named after it, so the same LoRA reached by two paths is
loaded once. Adapters stay loaded (the least recently used dropped past ``max_loaded``) but are active only for the
request that asked for them: after every run they are disabled, so the next request without LoRAs runs the base
weights exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import EngineRefusal, InputError
from ...net.addresses import AddressPolicy
from ...net.fetch import ImageFetcher
from .config import LoraOptions

MB = 1024 * 1024
_MAX_HEADER = 100 * MB


@dataclass(frozen=True)
class LoraRequest:
    path: str
    scale: float
    field: str  # where an error points, e.g. ``loras.0.path``

    @property
    def is_url(self) -> bool:
        return self.path[:8].lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class LoraFile:
    digest: str
    path: Path
    scale: float
    field: str

    @property
    def adapter(self) -> str:
        return "lora_" + self.digest[:16]


def parse_loras(value: Any, opts: LoraOptions) -> list[LoraRequest]:
    """The request's ``loras`` field, checked against this engine's rules without touching the network."""
    if not value:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise InputError("loras", "must be a list of {path, scale}")
    if len(value) > opts.max_per_request:
        raise InputError("loras", f"at most {opts.max_per_request} LoRAs per request on this engine")
    found: list[LoraRequest] = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping) or not str(item.get("path") or "").strip():
            raise InputError(f"loras.{i}.path", "each LoRA needs a path")
        try:
            scale = float(item.get("scale", 1.0))
        except (TypeError, ValueError) as exc:
            raise InputError(f"loras.{i}.scale", "must be a number") from exc
        request = LoraRequest(str(item["path"]).strip(), scale, f"loras.{i}.path")
        if request.is_url and not opts.allow_urls:
            raise InputError(request.field, "this engine takes LoRAs from its lora_dir only, not from URLs")
        if not request.is_url:
            local_path(request, opts)
        found.append(request)
    return found


def local_path(request: LoraRequest, opts: LoraOptions) -> Path:
    """The file a relative path names inside ``lora_dir``; anything else is refused."""
    if not opts.lora_dir:
        raise InputError(request.field, "this engine has no lora_dir: name LoRAs by http(s) URL")
    root = Path(opts.lora_dir).resolve()
    if os.path.isabs(request.path):
        raise InputError(request.field, "must be a path relative to the engine's lora_dir, or an http(s) URL")
    candidate = (root / request.path).resolve()
    if root not in candidate.parents:
        raise InputError(request.field, "must stay inside the engine's lora_dir")
    if not candidate.is_file():
        raise InputError(request.field, f"no LoRA file {request.path!r} in the engine's lora_dir")
    if candidate.stat().st_size > opts.max_mb * MB:
        raise InputError(request.field, f"the LoRA file is larger than {opts.max_mb:g} MB")
    return candidate


def check_safetensors(data: bytes, field: str) -> None:
    """A safetensors file starts with the length of its JSON header, then the header (no code can hide in it)."""
    if len(data) < 8:
        raise InputError(field, "is not a safetensors file (too short)")
    (length,) = struct.unpack("<Q", data[:8])
    if length > min(_MAX_HEADER, len(data) - 8):
        raise InputError(field, "is not a safetensors file (LoRAs are accepted as .safetensors only)")
    try:
        header = json.loads(data[8 : 8 + length])
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(field, "is not a safetensors file (LoRAs are accepted as .safetensors only)") from exc
    if not isinstance(header, dict):
        raise InputError(field, "is not a safetensors file (its header is not a table of tensors)")


class LoraStore:
    """Turns requested LoRAs into files on disk named by content hash (fetching URLs, hashing local files)."""

    def __init__(self, opts: LoraOptions) -> None:
        self.opts = opts
        default_cache = Path(os.path.expanduser("~/.cache/retouch/loras"))
        self.cache_dir = Path(opts.cache_dir) if opts.cache_dir else default_cache
        self.fetcher = ImageFetcher(
            policy=AddressPolicy(allow_private=opts.allow_private_urls, allow_loopback=False),
            timeout=120.0,
            max_bytes=int(opts.max_mb * MB),
        )
        self._by_url: dict[str, str] = {}
        self._by_file: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def resolve(self, requests: list[LoraRequest]) -> list[LoraFile]:
        return [self._resolve(r) for r in requests]

    def _resolve(self, request: LoraRequest) -> LoraFile:
        if request.is_url:
            digest = self._fetch(request)
            return LoraFile(digest, self.cache_dir / f"{digest}.safetensors", request.scale, request.field)
        path = local_path(request, self.opts)
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            known = self._by_file.get(key)
        if known is None:
            data = path.read_bytes()
            check_safetensors(data, request.field)
            known = hashlib.sha256(data).hexdigest()
            with self._lock:
                self._by_file[key] = known
        return LoraFile(known, path, request.scale, request.field)

    def _fetch(self, request: LoraRequest) -> str:
        with self._lock:
            known = self._by_url.get(request.path)
        if known is not None and (self.cache_dir / f"{known}.safetensors").is_file():
            return known
        try:
            data = self.fetcher.fetch(request.path, field=request.field)
        except InputError as exc:
            message = exc.message.replace("the image", "the LoRA file").replace("image is", "the LoRA file is")
            raise InputError(request.field, message) from exc
        check_safetensors(data, request.field)
        digest = hashlib.sha256(data).hexdigest()
        target = self.cache_dir / f"{digest}.safetensors"
        if not target.is_file():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
            partial.write_bytes(data)
            partial.replace(target)
        with self._lock:
            self._by_url[request.path] = digest
        return digest


class AdapterSet:
    """The LoRA adapters loaded into one pipeline; used with the holder's run lock held."""

    def __init__(self, max_loaded: int, family: str) -> None:
        self.max_loaded = max_loaded
        self.family = family
        self.loaded: OrderedDict[str, float] = OrderedDict()
        self._pipe: weakref.ref[Any] | None = None  # the pipeline they are loaded into (ids can be reused)

    def activate(self, pipe: Any, files: list[LoraFile]) -> None:
        if not hasattr(pipe, "load_lora_weights"):
            raise EngineRefusal(f"the {self.family} pipeline does not take LoRAs", field="loras")
        if not self._holds(pipe):  # a reloaded pipeline starts without adapters
            self.loaded.clear()
            self._pipe = weakref.ref(pipe)
        scales: dict[str, float] = {}
        for lora in files:
            if lora.adapter not in self.loaded:
                self._make_room(pipe, keep={f.adapter for f in files})
                self._load(pipe, lora)
            self.loaded[lora.adapter] = time.monotonic()
            self.loaded.move_to_end(lora.adapter)
            scales[lora.adapter] = scales.get(lora.adapter, 0.0) + lora.scale  # the same file twice adds up
        pipe.enable_lora()
        pipe.set_adapters(list(scales), adapter_weights=list(scales.values()))

    def deactivate(self, pipe: Any) -> None:
        """After every run: the base weights alone answer the next request."""
        if self.loaded and self._holds(pipe):
            pipe.disable_lora()

    def _holds(self, pipe: Any) -> bool:
        return self._pipe is not None and self._pipe() is pipe

    def _load(self, pipe: Any, lora: LoraFile) -> None:
        try:
            pipe.load_lora_weights(str(lora.path), adapter_name=lora.adapter)
        except (ValueError, KeyError, RuntimeError, OSError, TypeError) as exc:
            self._drop(pipe, lora.adapter)
            raise InputError(lora.field, f"is not a LoRA the {self.family} pipeline can load: {exc}") from exc
        attached = [part for part, names in pipe.get_list_adapters().items() if lora.adapter in names]
        if not attached:  # diffusers only warns when no key matches: the request would run without its LoRA
            self._drop(pipe, lora.adapter)
            raise InputError(lora.field, f"is a LoRA for another model: none of its layers is in {self.family}")

    def _make_room(self, pipe: Any, keep: set[str]) -> None:
        while len(self.loaded) >= self.max_loaded:
            victim = next((name for name in self.loaded if name not in keep), None)
            if victim is None:
                return
            self._drop(pipe, victim)

    def _drop(self, pipe: Any, adapter: str) -> None:
        self.loaded.pop(adapter, None)
        try:
            pipe.delete_adapters([adapter])
        except (ValueError, KeyError, AttributeError):
            pass  # a failed load may have left nothing to delete
