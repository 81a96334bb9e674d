"""Real services for the tests, on 127.0.0.1 only, each on a free port in a folder of its own: a redis-server
(Debian package; standalone or as a one-node cluster) and moto's S3 server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .net import free_port, wait_port


def redis_server_binary() -> str:
    """redis-server's path. Missing, the Redis tests skip on a developer's machine but fail under CI, where
    scripts/install-test-deps.sh has installed it: a green CI run has run them."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (scripts/install-test-deps.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


@contextmanager
def _running(args: list[str], port: int, name: str, cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc, name)
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def redis_server(folder: Path, *, cluster: bool = False) -> Iterator[str]:
    """A redis-server; with ``cluster``, a one-node Redis Cluster holding every slot. Yields its URL."""
    port = free_port()
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", str(folder)]
    if cluster:
        args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", str(free_port())]
    with _running(args, port, "redis-server"):
        if cluster:
            _assign_every_slot(port)
        yield f"redis://127.0.0.1:{port}/0"


def _assign_every_slot(port: int) -> None:
    import redis

    node = redis.Redis(port=port, decode_responses=True)
    node.execute_command("CLUSTER ADDSLOTSRANGE", 0, 16383)
    deadline = time.time() + 30
    while node.cluster("info")["cluster_state"] != "ok":
        if time.time() > deadline:
            raise RuntimeError("the one-node Redis Cluster did not become ready")
        time.sleep(0.05)
    node.close()


@contextmanager
def moto_s3(folder: Path) -> Iterator[str]:
    """moto's S3-compatible server. Yields its endpoint URL."""
    port = free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with _running(args, port, "moto S3 server", cwd=folder):
        yield f"http://127.0.0.1:{port}"
