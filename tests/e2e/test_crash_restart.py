"""kill -9 in the middle of work: after a restart every accepted request completes, each with one stored result."""

from __future__ import annotations

import base64
import io
import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx
from PIL import Image

from .server_process import free_port, slow_gray, start_server

QUEUE = "/queue/openai/gpt-image-2/edit"


def _start(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    return start_server(tmp, port, workers=2, engines=slow_gray(5, 0.05))


def _png(i: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (24 + i % 5, 16), (200, i * 7 % 255, 30)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_kill_9_mid_run_loses_nothing_and_stores_one_result_each(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(tmp_path, port)
    try:
        with httpx.Client(base_url=url, timeout=30) as c:
            subs = [c.post(QUEUE, json={"prompt": "gray", "image_urls": [_png(i)]}).json() for i in range(12)]
            deadline = time.time() + 20
            while time.time() < deadline:
                running = [s for s in subs if c.get(s["status_url"]).json()["status"] == "IN_PROGRESS"]
                if running:
                    break
                time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc = _start(tmp_path, port)
        with httpx.Client(base_url=url, timeout=30) as c:
            for sub in subs:
                deadline = time.time() + 60
                while c.get(sub["status_url"]).json()["status"] != "COMPLETED" and time.time() < deadline:
                    time.sleep(0.05)
                result = c.get(sub["response_url"])
                assert result.status_code == 200, result.text
                assert result.json()["images"][0]["height"] == 16
        names = [json.loads(p.read_text())["file_name"] for p in (tmp_path / "data" / "files").rglob("*.json")]
        outputs = Counter(name.rsplit("-", 1)[0] for name in names)
        ids = {s["request_id"] for s in subs}
        stored = {rid: n for rid, n in outputs.items() if rid in ids}
        assert set(stored) == ids
        # An interrupted run may have written its file before the kill, but only one result is ever recorded;
        # the recorded one is served, and at most the interrupted jobs leave one extra orphan file each.
        assert sum(stored.values()) <= len(ids) + 2
    finally:
        proc.kill()
        proc.wait(10)
