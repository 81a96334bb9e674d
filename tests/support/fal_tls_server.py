"""A `retouch serve` subprocess over TLS (throw-away CA) plus a loopback CONNECT proxy, for the official fal clients.

The fal clients speak https to hosts they build from their environment (run and queue hosts) and to storage
hosts fixed in their code. The server here holds a certificate for all of those names, and the proxy sends every
CONNECT, whatever host it names, to the server's loopback port; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from .connect_proxy import ConnectProxy
from .gray_engine import GRAY
from .net import free_port
from .paths import ROOT, pythonpath
from .tls import TLSFiles, make_tls

FAL_SECRET = "fal-secret-key"

# Variables from the developer's shell that would change what the server or the client does: proxies (a NO_PROXY
# naming fal's hosts would send storage calls to the real internet), fal credentials and hosts, Retouch settings
# (the environment wins over the config file), CA bundles.
_SCRUBBED_PREFIXES = ("FAL_", "RETOUCH_")
_SCRUBBED_SUFFIXES = ("_PROXY",)
_SCRUBBED_NAMES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def scrubbed_environ() -> dict[str, str]:
    """os.environ without the variables above (case-insensitively: http_proxy counts)."""
    out = {}
    for name, value in os.environ.items():
        upper = name.upper()
        if upper.startswith(_SCRUBBED_PREFIXES) or upper.endswith(_SCRUBBED_SUFFIXES) or upper in _SCRUBBED_NAMES:
            continue
        out[name] = value
    return out


@dataclass
class TLSServer:
    port: int
    tls: TLSFiles
    proxy: ConnectProxy
    data_dir: Path
    log: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def http(self) -> httpx.Client:
        """A plain httpx client for the test's own checks (trusting the throw-away CA, no proxy)."""
        return httpx.Client(
            base_url=self.url,
            verify=ssl.create_default_context(cafile=str(self.tls.ca)),
            headers={"Authorization": f"Key {FAL_SECRET}"},
            timeout=30,
            trust_env=False,
        )

    def client_env(self, *, no_proxy: bool = True, queue_host: bool = True, **extra: str) -> dict[str, str]:
        """The environment for a process running the official Python client against this server.

        With ``no_proxy`` the run/queue host (127.0.0.1) is reached directly and only the fixed storage hosts go
        through the proxy; without it, everything goes through the proxy (which still lands on this server).
        Without ``queue_host`` only FAL_RUN_HOST is set (``localhost:port``), and the client derives its queue host
        as ``queue.localhost:port``: a name that only the proxy can reach, so this implies no NO_PROXY.
        """
        env = scrubbed_environ()
        env.update(
            FAL_KEY=FAL_SECRET,
            FAL_RUN_HOST=f"127.0.0.1:{self.port}",
            FAL_QUEUE_RUN_HOST=f"127.0.0.1:{self.port}/queue",
            SSL_CERT_FILE=str(self.tls.ca),
            HTTPS_PROXY=self.proxy.url,
            PYTHONPATH=pythonpath(),
            **extra,
        )
        if not queue_host:
            env["FAL_RUN_HOST"] = f"localhost:{self.port}"
            del env["FAL_QUEUE_RUN_HOST"]
        elif no_proxy:
            env["NO_PROXY"] = "127.0.0.1,localhost"
        return env


def _wait_healthy(server: subprocess.Popen[bytes], url: str, ca: Path, log: Path) -> None:
    context = ssl.create_default_context(cafile=str(ca))
    deadline = time.time() + 30
    while time.time() < deadline:
        if server.poll() is not None:
            break
        try:
            if httpx.get(f"{url}/healthz", verify=context, timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(f"retouch serve did not start:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def fal_tls_server(tmp: Path) -> Iterator[TLSServer]:
    """One worker, so that a slow job holds the queue and the tests can see queued and timed-out requests."""
    tls = make_tls(tmp)
    port = free_port()
    config: dict[str, Any] = {
        "data_dir": str(tmp / "data"),
        "workers": 1,
        "keys": [{"id": "fal-user", "secret": FAL_SECRET}],
        # The test's webhook receiver listens on loopback; with keys set, that takes the operator's say-so.
        "allow_loopback_webhooks": True,
        "default_engine": "gray",
        "engines": {
            "gray": {"kind": GRAY, "options": {"steps": 3}},
            "slowgray": {"kind": GRAY, "options": {"steps": 60, "step_seconds": 0.05}},
        },
    }
    (tmp / "config.yaml").write_text(yaml.safe_dump(config))
    cmd = [sys.executable, "-m", "retouch", "serve", "--config", str(tmp / "config.yaml"), "--port", str(port)]
    cmd += ["--tls-certfile", str(tls.cert), "--tls-keyfile", str(tls.key)]
    log = tmp / "server.log"
    with log.open("wb") as sink:  # a file, not a pipe: nobody reads the server's log while it runs
        server = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**scrubbed_environ(), "PYTHONPATH": pythonpath()},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    proxy = ConnectProxy(port)
    try:
        _wait_healthy(server, f"https://127.0.0.1:{port}", tls.ca, log)
        yield TLSServer(port=port, tls=tls, proxy=proxy, data_dir=tmp / "data", log=log)
    finally:
        proxy.close()
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
