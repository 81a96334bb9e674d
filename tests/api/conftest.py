"""An in-thread uvicorn server per test, on a free loopback port, with engines defined by the tests."""

from __future__ import annotations

import base64
import io
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image

from retouch.api.app import create_app
from retouch.config import EngineConfig, KeyConfig, Settings
from retouch.engines.registry import register_kind

from .engines_for_tests import GrayEngine

register_kind("gray", GrayEngine)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    settings: Settings
    app: Any

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Key {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def png_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    img = Image.new("RGB", size, color)
    for x in range(size[0]):
        img.putpixel((x, x % size[1]), (10, 200, 30))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def start_server(tmp_path: Path, **overrides: Any) -> tuple[LiveServer, uvicorn.Server, threading.Thread]:
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
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    return LiveServer(url=f"http://127.0.0.1:{port}", settings=settings, app=app), server, thread


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    srv, server, thread = start_server(tmp_path)
    yield srv
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def live_auth(tmp_path: Path) -> Iterator[LiveServer]:
    keys = [KeyConfig(id="alice", secret="alice-secret"), KeyConfig(id="bob", secret="bob-secret")]
    srv, server, thread = start_server(tmp_path, keys=keys)
    yield srv
    server.should_exit = True
    thread.join(10)


def wait_done(client: httpx.Client, status_url: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        body: dict[str, Any] = client.get(status_url, params={"logs": "1"}).json()
        if body["status"] == "COMPLETED":
            return body
        time.sleep(0.05)
    raise AssertionError("request did not complete in time")
