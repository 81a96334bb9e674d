"""SIGTERM drains: no new claims, a running job finishes before the process exits; with a short drain time the
job is handed back and finished by the next start. Nothing accepted is lost either way."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx

from ..support.images import data_uri, solid_png
from ..support.net import free_port
from ..support.server_process import slow_gray, start_server

QUEUE = "/queue/openai/gpt-image-2/edit"


def _start(tmp: Path, port: int, drain: float) -> subprocess.Popen[bytes]:
    return start_server(tmp, port, workers=1, drain_timeout_seconds=drain, engines=slow_gray(15, 0.1))


def _png() -> str:
    return data_uri(solid_png((32, 32), (250, 10, 10)))


def _submit_and_wait_running(url: str) -> dict[str, str]:
    sub: dict[str, str] = httpx.post(url + QUEUE, json={"prompt": "gray", "image_urls": [_png()]}).json()
    deadline = time.time() + 20
    while httpx.get(sub["status_url"]).json()["status"] != "IN_PROGRESS" and time.time() < deadline:
        time.sleep(0.05)
    return sub


def test_sigterm_lets_the_running_job_finish(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(tmp_path, port, drain=30)
    try:
        sub = _submit_and_wait_running(url)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after its graceful shutdown
        proc = _start(tmp_path, port, drain=30)
        status = httpx.get(sub["status_url"], params={"logs": 1}).json()
        assert status["status"] == "COMPLETED"
        assert httpx.get(sub["response_url"]).status_code == 200
        steps = [line for line in status["logs"] if line["message"] == "step 1/15"]
        assert len(steps) == 1  # ran once, to the end, before the process exited
    finally:
        proc.kill()
        proc.wait(10)


def test_sigterm_with_a_short_drain_hands_the_job_back_and_the_next_start_finishes_it(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(tmp_path, port, drain=0.2)
    try:
        sub = _submit_and_wait_running(url)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after its graceful shutdown
        proc = _start(tmp_path, port, drain=30)
        deadline = time.time() + 30
        while httpx.get(sub["status_url"]).json()["status"] != "COMPLETED" and time.time() < deadline:
            time.sleep(0.1)
        result = httpx.get(sub["response_url"])
        assert result.status_code == 200, result.text
        assert result.json()["images"][0]["width"] == 32
    finally:
        proc.kill()
        proc.wait(10)
