"""The official fal-client from PyPI, unchanged, against a Retouch server started here with TLS.

fal-client builds https://{FAL_RUN_HOST}/… and https://{FAL_QUEUE_RUN_HOST}/… from its environment, and sends
storage calls to hosts fixed in its code; those go through a loopback CONNECT proxy to the same server. Nothing
leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ..support.connect_proxy import ConnectProxy
from ..support.tls import make_tls

ROOT = Path(__file__).resolve().parents[2]
GRAY = "tests.api.engines_for_tests:GrayEngine"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("fal")
    tls = make_tls(tmp)
    port = _port()
    config = {
        "data_dir": str(tmp / "data"),
        "keys": [{"id": "fal-user", "secret": "fal-secret-key"}],
        "default_engine": "gray",
        "engines": {
            "gray": {"kind": GRAY, "options": {"steps": 3}},
            "slowgray": {"kind": GRAY, "options": {"steps": 60, "step_seconds": 0.05}},
        },
    }
    (tmp / "config.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "retouch",
            "serve",
            "--config",
            str(tmp / "config.yaml"),
            "--port",
            str(port),
            "--tls-certfile",
            str(tls.cert),
            "--tls-keyfile",
            str(tls.key),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    proxy = ConnectProxy(port)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if (
                    httpx.get(
                        f"https://127.0.0.1:{port}/healthz",
                        verify=ssl.create_default_context(cafile=str(tls.ca)),
                        timeout=1,
                    ).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        client_env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY") and k not in ("FAL_KEY",)}
        client_env.update(
            FAL_KEY="fal-secret-key",
            FAL_RUN_HOST=f"127.0.0.1:{port}",
            FAL_QUEUE_RUN_HOST=f"127.0.0.1:{port}/queue",
            SSL_CERT_FILE=str(tls.ca),
            HTTPS_PROXY=proxy.url,
            NO_PROXY="127.0.0.1,localhost",
        )
        out = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("fal_client_script.py"))],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        data = json.loads(out.stdout)
        data["_proxied"] = list(proxy.requested)
        yield data
    finally:
        proxy.close()
        server.terminate()
        server.wait(20)


def test_subscribe_with_logs_and_queue_updates(report: dict[str, Any]) -> None:
    sub = report["subscribe"]
    assert sub["result"]["images"][0]["width"] == 40
    assert "Completed" in sub["updates"]
    assert any("step" in line for line in sub["logs"])


def test_submit_status_result(report: dict[str, Any]) -> None:
    sub = report["submit"]
    assert sub["request_id"] and "Completed" in sub["statuses"]
    assert sub["result"]["images"][0]["width"] == 24 and sub["result"]["images"][0]["url"].startswith("https://")


def test_cancel_ends_the_request(report: dict[str, Any]) -> None:
    assert report["cancel"]["raised"] is not None, report["cancel"]
    assert "cancel" in report["cancel"]["message"].lower()


def test_stream_ends_with_the_output(report: dict[str, Any]) -> None:
    assert report["stream"]["count"] >= 1 and report["stream"]["last"]["images"][0]["width"] == 40


def test_upload_file_then_use_its_url(report: dict[str, Any]) -> None:
    assert "/files/" in report["upload"]["url"]
    assert report["upload"]["result"]["images"][0]["width"] == 48
    assert any(host.startswith(("rest.fal.ai", "v3")) for host in report["_proxied"])


def test_async_client_and_validation_errors(report: dict[str, Any]) -> None:
    assert report["async"]["images"][0]["width"] == 16
    assert report["bad"]["status"] == 422 and "multiple of 16" in report["bad"]["message"]
    assert "literal" not in report["bad"]["message"]  # pydantic's union internals stay out of the error
