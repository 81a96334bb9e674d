"""An in-thread uvicorn server on a free loopback port, with the test engine "gray" configured by default."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from retouch.api.app import create_app
from retouch.api.http_protocol import coalescing_protocol
from retouch.config import EngineConfig, Settings

from . import gray_engine  # noqa: F401  (registers the "gray" engine kind)
from .net import free_port


@dataclass
class LiveServer:
    url: str
    settings: Settings
    app: Any

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Key {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def serve_app(app: Any, settings: Settings) -> tuple[LiveServer, uvicorn.Server, threading.Thread]:
    """Runs ``app`` in a thread; returns once it accepts requests. Stop it with ``stop``."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", http=coalescing_protocol() or "auto"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    return LiveServer(url=f"http://127.0.0.1:{port}", settings=settings, app=app), server, thread


def start_server(tmp_path: Path, **overrides: Any) -> tuple[LiveServer, uvicorn.Server, threading.Thread]:
    """A server with data in ``tmp_path``, one worker, engines "gray" and "slowgray" unless ``engines`` is given."""
    engines = overrides.pop("engines", None) or {
        "gray": EngineConfig(kind="gray", options={"steps": 3}),
        "slowgray": EngineConfig(kind="gray", options={"steps": 20, "step_seconds": 0.1}),
    }
    settings = Settings(
        data_dir=tmp_path / "data",
        engines=engines,
        default_engine=overrides.pop("default_engine", "gray"),
        workers=overrides.pop("workers", 1),
        job_lease_seconds=5,
        # Engines the tests register in this process (register_kind) exist only here: run them in threads.
        worker_mode=overrides.pop("worker_mode", "threads"),
        **overrides,
    )
    return serve_app(create_app(settings), settings)


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(10)


@contextmanager
def serving(tmp_path: Path, **overrides: Any) -> Iterator[LiveServer]:
    """``start_server`` for the length of a ``with`` block."""
    srv, server, thread = start_server(tmp_path, **overrides)
    try:
        yield srv
    finally:
        stop(server, thread)
