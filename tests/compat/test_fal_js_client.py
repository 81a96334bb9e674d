"""The official npm @fal-ai/client, unchanged, under Node: upload, subscribe with logs, a validation error."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from retouch.config import KeyConfig

from ..api.conftest import LiveServer, start_server

JS = Path(__file__).with_name("js")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None or not (JS / "node_modules" / "@fal-ai" / "client").exists(),
    reason="node and tests/compat/js/node_modules (scripts/install-test-deps.sh installs them) are needed",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv, uv, thread = start_server(tmp_path_factory.mktemp("js"), keys=[KeyConfig(id="js", secret="js-key")])
    yield srv
    uv.should_exit = True
    thread.join(10)


def test_upload_and_subscribe_from_node(server: LiveServer) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (36, 20), (10, 120, 240)).save(buf, "PNG")
    env = {
        **os.environ,
        "RETOUCH_URL": server.url,
        "RETOUCH_KEY": "js-key",
        "PNG_B64": base64.b64encode(buf.getvalue()).decode(),
    }
    out = subprocess.run([str(NODE), "subscribe.mjs"], cwd=JS, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert "/files/" in report["uploaded"]
    sub = report["subscribe"]
    assert sub["data"]["images"][0]["width"] == 36 and sub["requestId"]
    assert "COMPLETED" in sub["updates"] and any("step" in line for line in sub["logs"])
    assert report["bad"]["status"] == 422
