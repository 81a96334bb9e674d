"""Which engines exist is configuration: a name maps to a kind (an implementation) and its options.

Engines are constructed lazily, once, and then stay warm. Adding a kind is one entry in ``KINDS``; tests may
register extra kinds (e.g. a scripted engine) with ``register_kind``.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..config import EngineConfig
from ..errors import EngineUnavailable, InputError
from .base import Engine

EngineFactory = Callable[[str, Mapping[str, Any]], Engine]
log = logging.getLogger("retouch.engines")

OPENAI_IMAGE_MODEL_PREFIXES = ("gpt-image-", "dall-e-")


def is_openai_image_model(model: str) -> bool:
    """One of the names OpenAI's image API takes (this API's own name among them)."""
    return model.lower().startswith(OPENAI_IMAGE_MODEL_PREFIXES)


KINDS: dict[str, str] = {
    "classic": "retouch.engines.classic:ClassicEngine",
    "diffusers": "retouch.engines.diffusers:DiffusersEngine",
    "openai": "retouch.engines.openai_api:OpenAIEngine",
}
_EXTRA_KINDS: dict[str, EngineFactory] = {}


def register_kind(kind: str, factory: EngineFactory) -> None:
    _EXTRA_KINDS[kind] = factory


def _factory(kind: str) -> EngineFactory:
    """A built-in kind by name, or an operator's own engine class by import path (``package.module:Class``)."""
    if kind in _EXTRA_KINDS:
        return _EXTRA_KINDS[kind]
    target = KINDS.get(kind) or (kind if ":" in kind else None)
    if target is None:
        raise EngineUnavailable(f"unknown engine kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = " (install the 'gpu' extra: pip install 'retouch[gpu]')" if kind == "diffusers" else ""
        raise EngineUnavailable(f"engine kind {kind!r} cannot be loaded: {exc}{extra}") from exc
    factory: EngineFactory = getattr(module, attr)
    return factory


class EngineRegistry:
    def __init__(self, engines: Mapping[str, EngineConfig], default: str) -> None:
        self._configs = dict(engines)
        self.default = default
        self._instances: dict[str, Engine] = {}
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        return sorted(self._configs)

    def resolve_name(self, requested: str | None, *, has_openai_key: bool = False, model: str | None = None) -> str:
        """The engine a request runs on: the one it names; else the one its ``model`` names (an engine, as
        ``/v1/models`` lists them, or an OpenAI model, which the openai engine runs when a key for it is at hand);
        OpenAI when it brings a key; else the default.

        OpenAI's own image model names (``gpt-image-2``, as the official SDK's examples send) with no key at hand
        run on the default engine, as the fal app of the same name does: a new user's first call works, and what
        the default engine can not do it refuses, naming what would."""
        if requested:
            if requested not in self._configs:
                raise InputError("engine", f"unknown engine {requested!r}; configured engines: {', '.join(self.names)}")
            return requested
        if model and model in self._configs:
            return model
        openai = next((name for name, cfg in self._configs.items() if cfg.kind == "openai"), None)
        if model:
            if openai is not None and (has_openai_key or self._server_has_key(openai)):
                return openai
            if is_openai_image_model(model):
                return self.default
            if openai is None:
                raise InputError("model", f"model {model!r} is not offered here; models: {', '.join(self.names)}")
            return openai
        if has_openai_key and openai is not None:
            return openai
        return self.default

    def _server_has_key(self, name: str) -> bool:
        try:
            check = getattr(self.get(name), "has_server_key", None)
        except EngineUnavailable:
            return False
        return bool(check()) if callable(check) else False

    def warm(self) -> list[str]:
        """Constructs every configured engine now (their modules imported, their parsers ready), so the first
        request does not pay for it; one that can not be built here is left for its requests to report. Returns
        the names that are ready."""
        ready = []
        for name in self.names:
            try:
                engine = self.get(name)
                warm = getattr(engine, "warm", None)
                if callable(warm):
                    warm()
                ready.append(name)
            except EngineUnavailable as exc:
                log.info("engine not ready at start-up", extra={"engine": name, "reason": exc.message})
        return ready

    def names_of_kind(self, kind: str) -> list[str]:
        return sorted(name for name, cfg in self._configs.items() if cfg.kind == kind)

    def get(self, name: str) -> Engine:
        with self._lock:
            engine = self._instances.get(name)
            if engine is None:
                cfg = self._configs.get(name)
                if cfg is None:
                    raise InputError("engine", f"unknown engine {name!r}; configured engines: {', '.join(self.names)}")
                engine = _factory(cfg.kind)(name, cfg.options)
                self._instances[name] = engine
            return engine

    def kind(self, name: str) -> str:
        return self._configs[name].kind
