"""`retouch serve` started as the README says, with RETOUCH_KEYS in its documented `id:secret[:admin]` form."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ..support.net import free_port
from ..support.paths import ROOT, pythonpath


def test_the_documented_keys_form_starts_the_server_with_auth_on(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETOUCH_")}
    env.update(
        RETOUCH_KEYS="alice:alice-secret,ops:ops-secret:admin",
        RETOUCH_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=pythonpath(),
    )
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        [sys.executable, "-m", "retouch", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError((tmp_path / "server.log").read_text()[-2000:])
        assert httpx.get(base + "/healthz").json()["auth"] is True
        assert httpx.get(base + "/requests").status_code == 401
        assert httpx.get(base + "/requests", headers={"Authorization": "Key alice-secret"}).status_code == 200
        admin = httpx.get(base + "/admin/queue", headers={"Authorization": "Key ops-secret"})
        assert admin.status_code == 200
        assert httpx.get(base + "/admin/queue", headers={"Authorization": "Key alice-secret"}).status_code == 403
        assert "Auth is ON: 2 key(s)" in (tmp_path / "server.log").read_text()
    finally:
        proc.terminate()
        proc.wait(20)
