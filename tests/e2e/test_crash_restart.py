"""kill -9 in the middle of work, then start again: every accepted request completes, exactly once.

`retouch serve` runs as a subprocess with two workers and a slow test engine (loaded by module path from the YAML
config) plus the classic engine. Right after the kill, the state database on disk says which requests were running;
after the restart each request must be COMPLETED with one recorded result whose files exist, listed once in the
/requests history, and a request that had already completed before the kill keeps the result it had (it is not run
again). Only a request that was running at the kill may leave one orphan output file from its interrupted attempt.
"""

from __future__ import annotations

import io
import json
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from ..support.images import data_uri, solid_png
from ..support.net import free_port
from ..support.server_process import slow_gray, start_server

QUEUE = "/queue/openai/gpt-image-2/edit"
GRAY_JOBS = 12
CLASSIC_JOBS = 3


def _start(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    engines = {**slow_gray(5, 0.05), "classic": {"kind": "classic"}}
    return start_server(tmp, port, workers=2, engines=engines)


def _png(i: int) -> str:
    return data_uri(solid_png((24 + i % 5, 16), (200, i * 7 % 255, 30)))


def _bodies() -> list[dict[str, Any]]:
    gray = [{"prompt": "gray", "image_urls": [_png(i)]} for i in range(GRAY_JOBS)]
    classic = [
        {"prompt": "make it black and white", "image_urls": [_png(i)], "engine": "classic"} for i in range(CLASSIC_JOBS)
    ]
    return gray[:6] + classic + gray[6:]


def _states(db: Path) -> dict[str, tuple[str, str | None]]:
    """Status and stored result of every request, read from the database file the killed server left behind."""
    with sqlite3.connect(db) as conn:
        return {rid: (status, result) for rid, status, result in conn.execute("SELECT id, status, result FROM jobs")}


def _output_files(data: Path) -> Counter[str]:
    """Output files per request id, from the local object store's metadata (outputs are named <request id>-<n>)."""
    names = [json.loads(p.read_text())["file_name"] for p in (data / "files").rglob("*.json")]
    return Counter(name.rsplit("-", 1)[0] for name in names)


def test_kill_9_mid_run_loses_nothing_and_runs_nothing_twice(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(tmp_path, port)
    try:
        with httpx.Client(base_url=url, timeout=30) as c:
            subs = [c.post(QUEUE, json=body).json() for body in _bodies()]
            deadline = time.time() + 20
            while time.time() < deadline:
                states = [c.get(s["status_url"]).json()["status"] for s in subs]
                if "IN_PROGRESS" in states and "COMPLETED" in states:
                    break
                time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

        ids = {s["request_id"] for s in subs}
        at_kill = _states(tmp_path / "data" / "retouch.db")
        assert set(at_kill) == ids  # every accepted request was on disk
        interrupted = {rid for rid, (status, _) in at_kill.items() if status == "IN_PROGRESS"}
        done_before = {rid: result for rid, (status, result) in at_kill.items() if status == "COMPLETED"}
        assert interrupted and done_before, at_kill  # the kill really came mid-run

        proc = _start(tmp_path, port)
        results: dict[str, dict[str, Any]] = {}
        with httpx.Client(base_url=url, timeout=30) as c:
            for sub in subs:
                deadline = time.time() + 60
                while c.get(sub["status_url"]).json()["status"] != "COMPLETED" and time.time() < deadline:
                    time.sleep(0.05)
                reply = c.get(sub["response_url"])
                assert reply.status_code == 200, reply.text
                results[sub["request_id"]] = reply.json()
                image = reply.json()["images"][0]
                assert image["height"] == 16
                pixels = Image.open(io.BytesIO(c.get(image["url"]).content)).convert("RGB")
                r, g, b = pixels.getpixel((3, 3))  # type: ignore[misc]
                assert r == g == b  # both engines turn the red input gray
            history = c.get("/requests", params={"limit": 500}).json()["items"]

        listed = Counter(item["request_id"] for item in history)
        assert {rid: listed[rid] for rid in ids} == dict.fromkeys(ids, 1)
        for item in history:
            if item["request_id"] in ids:
                assert item["status"] == "COMPLETED" and item["outcome"] == "OK", item
                assert item["images"] == results[item["request_id"]]["images"]

        after = _states(tmp_path / "data" / "retouch.db")
        for rid, result in done_before.items():
            assert after[rid][1] == result  # completed before the kill: not run again

        files = _output_files(tmp_path / "data")
        for rid in ids:
            expected = len(results[rid]["images"])
            extra = files[rid] - expected
            assert extra == 0 or (rid in interrupted and extra == expected), (rid, files[rid], rid in interrupted)
    finally:
        proc.kill()
        proc.wait(10)
