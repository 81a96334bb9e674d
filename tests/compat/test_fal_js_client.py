"""The official npm @fal-ai/client (pinned in js/package.json), unchanged, under Node against an in-thread server.

Node and the package are installed by scripts/install-test-deps.sh; the tests skip only when `node` itself or the
installed package is missing. The client's own requestMiddleware sends its fal.run / queue.fal.run / rest.fal.ai
calls here (see js/subscribe.mjs).
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from retouch.config import KeyConfig

from ..support.fal_tls_server import scrubbed_environ
from ..support.live_server import LiveServer, start_server

JS = Path(__file__).with_name("js")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None or not (JS / "node_modules" / "@fal-ai" / "client").exists(),
    reason="needs `node` and tests/compat/js/node_modules (scripts/install-test-deps.sh installs both)",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv, uv, thread = start_server(tmp_path_factory.mktemp("js"), keys=[KeyConfig(id="js", secret="js-key")])
    yield srv
    uv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def report(server: LiveServer) -> dict[str, Any]:
    buf = io.BytesIO()
    Image.new("RGB", (36, 20), (10, 120, 240)).save(buf, "PNG")
    env = {
        **scrubbed_environ(),
        "RETOUCH_URL": server.url,
        "RETOUCH_KEY": "js-key",
        "PNG_B64": base64.b64encode(buf.getvalue()).decode(),
    }
    out = subprocess.run([str(NODE), "subscribe.mjs"], cwd=JS, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if dump := os.environ.get("RETOUCH_COMPAT_REPORT_JS"):  # for a human: where to write what the client saw
        Path(dump).write_text(json.dumps(data, indent=1))
    return data


def _image(data: dict[str, Any]) -> dict[str, Any]:
    image: dict[str, Any] = data["images"][0]
    return image


def test_upload_then_subscribe_with_logs(report: dict[str, Any]) -> None:
    assert "/files/" in report["uploaded"]
    polling = report["polling"]
    assert _image(polling["data"])["width"] == 36 and polling["requestId"] == polling["enqueued"]
    statuses = [u["status"] for u in polling["updates"]]
    assert statuses[-1] == "COMPLETED" and set(statuses) <= {"IN_QUEUE", "IN_PROGRESS", "COMPLETED"}
    assert any("step 3/3" in line["message"] for line in polling["updates"][-1]["logs"])


def test_subscribe_over_the_status_stream_with_an_auto_uploaded_blob(report: dict[str, Any]) -> None:
    streaming = report["streaming"]
    assert _image(streaming["data"])["width"] == 36 and streaming["statuses"][-1] == "COMPLETED"
    # The Blob was uploaded by the client (initiate + PUT) before the submit.
    assert report["called"].count("POST /storage/upload/initiate") == 2


def test_stream_ends_with_the_output(report: dict[str, Any]) -> None:
    stream = report["stream"]
    assert stream["count"] >= 2 and stream["partials"] == stream["count"] - 1
    assert _image(stream["done"])["height"] == 20


def test_queue_status_and_cancel(report: dict[str, Any]) -> None:
    q = report["queue"]
    assert q["submitted"] == {"status": "IN_QUEUE", "hasUrls": True}
    assert q["waiting"]["status"] == "IN_QUEUE" and q["waiting"]["queue_position"] == 0
    assert q["cancelWaiting"]["raised"] is None and q["cancelRunning"]["raised"] is None
    assert q["finalStatus"]["status"] == "COMPLETED" and "cancel" in q["finalStatus"]["error"].lower()
    assert q["result"]["raised"] == "ApiError" and q["result"]["status"] == 400


def test_run_and_errors(report: dict[str, Any]) -> None:
    assert _image(report["run"]["data"])["url"].startswith("data:image/png;base64,")
    assert report["run"]["requestId"]
    bad = report["bad"]
    assert bad["raised"] == "ValidationError" and bad["status"] == 422
    assert bad["fieldErrors"][0]["loc"][-1] == "num_images"
    # A stream's error is an SSE event with the error status (for the Python client); JS sees the status.
    assert report["badStream"]["status"] == 422


def test_only_the_server_under_test_was_called(report: dict[str, Any]) -> None:
    called = report["called"]
    assert "POST /queue/openai/gpt-image-2/edit" in called
    assert any(c.startswith("GET /queue/openai/gpt-image-2/requests/") and c.endswith("/status") for c in called)
    assert any(c.endswith("/status/stream") for c in called) and "POST /openai/gpt-image-2/edit/stream" in called
