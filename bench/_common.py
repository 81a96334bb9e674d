"""Shared helpers for benchmarks: percentiles, free ports, starting a server subprocess, a test photo."""

from __future__ import annotations

import io
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {percentile(ms, 50):7.2f} ms  p99 {percentile(ms, 99):7.2f} ms  mean {statistics.fmean(ms):7.2f} ms"


def process_table() -> dict[int, tuple[int, float]]:
    """Every process now: pid -> (parent pid, CPU seconds used by it and the children it has reaped)."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    return table


def children_of(pid: int, table: dict[int, tuple[int, float]] | None = None) -> list[int]:
    table = process_table() if table is None else table
    return [child for child, (parent, _) in table.items() if parent == pid]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def photo_png(size: int = 512) -> bytes:
    """A natural photograph (scikit-image's astronaut when present, else a textured gradient)."""
    try:
        from skimage import data

        img = Image.fromarray(data.astronaut()).resize((size, size), Image.Resampling.LANCZOS)
    except ImportError:
        yy, xx = np.mgrid[0:size, 0:size]
        arr = np.stack([(xx * 255 // size), (yy * 255 // size), ((xx + yy) * 127 // size)], -1).astype(np.uint8)
        img = Image.fromarray(arr)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class ServerProcess:
    """``python -m retouch serve`` on a free loopback port, in a fresh data directory."""

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "retouch",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
            *(args or []),
        ]
        self.proc = subprocess.Popen(
            cmd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
