"""Starting `retouch serve` as a real subprocess, as a user would, for the end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from .gray_engine import GRAY
from .paths import ROOT, pythonpath


def slow_gray(steps: int, step_seconds: float) -> dict[str, Any]:
    return {"slowgray": {"kind": GRAY, "options": {"steps": steps, "step_seconds": step_seconds}}}


def start_server(tmp: Path, port: int, **settings: Any) -> subprocess.Popen[bytes]:
    """``retouch serve`` with a YAML config in ``tmp`` (data there too); returns once /healthz answers."""
    config = {"data_dir": str(tmp / "data"), "default_engine": "slowgray", **settings}
    (tmp / "config.yaml").write_text(yaml.safe_dump(config))
    # The test's config is the whole configuration: the developer's own RETOUCH_* variables stay out. Output goes
    # to a file (a pipe nobody drains could block a talkative server).
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETOUCH_")}
    log = open(tmp / f"server-{port}.log", "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        [sys.executable, "-m", "retouch", "serve", "--config", str(tmp / "config.yaml"), "--port", str(port)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": pythonpath()},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start: " + (tmp / f"server-{port}.log").read_text()[-2000:])
