"""The official fal-client from PyPI, unchanged, against `retouch serve` over TLS (tests/support/fal_tls_server.py).

The client runs in a subprocess (it reads FAL_RUN_HOST / FAL_QUEUE_RUN_HOST when imported) with an environment
built from scratch for it; that process refuses any non-loopback lookup or connection. One run of the script
exercises everything and each test checks one part of its report.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..support.fal_tls_server import TLSServer

SCRIPT = Path(__file__).with_name("fal_client_script.py")


@dataclass
class WebhookReceiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture(scope="module")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A loopback HTTP endpoint that keeps every POST (headers and body) it gets."""
    received: list[tuple[dict[str, str], bytes]] = []
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()
            arrived.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield WebhookReceiver(f"http://127.0.0.1:{server.server_address[1]}/hook", received, arrived)
    server.shutdown()
    server.server_close()


def _run_script(env: dict[str, str], mode: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), mode], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-4000:]
    report: dict[str, Any] = json.loads(out.stdout)
    return report


@pytest.fixture(scope="module")
def report(tls_server: TLSServer, webhook_receiver: WebhookReceiver) -> dict[str, Any]:
    env = tls_server.client_env(WEBHOOK_URL=webhook_receiver.url)
    data = _run_script(env, "full")
    data["_proxied"] = list(tls_server.proxy.requested)
    if dump := os.environ.get("RETOUCH_COMPAT_REPORT"):  # for a human: where to write what the client saw
        Path(dump).write_text(json.dumps(data, indent=1))
    return data


def _image(result: dict[str, Any]) -> dict[str, Any]:
    image: dict[str, Any] = result["images"][0]
    return image


def test_the_client_never_retried_fell_back_or_left_loopback(report: dict[str, Any]) -> None:
    assert report["blocked"] == []
    # A retry would mean the server answered 408/409/429 or something that looks like a proxy's error page; a
    # storage fallback would mean the CDN upload route failed and the client quietly used the other one.
    assert report["client_log"] == []


def test_subscribe_with_logs_hint_priority_and_start_timeout(report: dict[str, Any]) -> None:
    sub = report["subscribe"]
    assert _image(sub["result"])["width"] == 40 and _image(sub["result"])["height"] == 30
    assert _image(sub["result"])["url"].startswith("https://127.0.0.1:")
    assert len(sub["enqueued"]) == 1 and len(sub["enqueued"][0]) >= 16
    kinds = [u["type"] for u in sub["updates"]]
    assert kinds[-1] == "Completed" and kinds.count("Completed") == 1
    final = sub["updates"][-1]
    assert any("step 3/3" in line["message"] for line in final["logs"])
    assert {"message", "level", "source", "timestamp"} <= set(final["logs"][0])
    assert final["error"] is None and "inference_time" in final["metrics"]


def test_submit_then_status_and_result_by_handle_and_by_id(report: dict[str, Any]) -> None:
    sub = report["submit"]
    rid = sub["request_id"]
    status_url, response_url, cancel_url = sub["urls"]
    assert status_url.endswith(f"/queue/openai/gpt-image-2/requests/{rid}/status")  # owner/alias, not /edit
    assert response_url.endswith(f"/requests/{rid}") and cancel_url.endswith(f"/requests/{rid}/cancel")
    assert sub["statuses"][-1]["type"] == "Completed"
    assert {s["type"] for s in sub["statuses"]} <= {"Queued", "InProgress", "Completed"}
    assert _image(sub["result"])["width"] == 24
    assert sub["result_by_id"] == sub["result"]
    by_id = sub["status_by_id"]
    assert by_id["type"] == "Completed" and any("step" in line["message"] for line in by_id["logs"])


def test_queue_position_cancel_and_start_timeout(report: dict[str, Any]) -> None:
    q = report["queue"]
    assert q["running"]["type"] == "InProgress"
    assert q["waiting"] == {"type": "Queued", "position": 0}
    assert q["timed_waiting"] == {"type": "Queued", "position": 1}
    assert q["cancel_waiting"]["raised"] is None and q["cancel_running"]["raised"] is None
    # A cancelled request is COMPLETED with an error; its result raises the stored error.
    assert q["slow_result"]["raised"] == "FalClientHTTPError" and "cancel" in q["slow_result"]["message"].lower()
    assert q["slow_status"]["type"] == "Completed" and "cancel" in q["slow_status"]["error"].lower()
    assert not any("step 60/60" in line["message"] for line in q["slow_status"]["logs"])  # stopped mid-run
    assert q["waiting_result"]["raised"] == "FalClientHTTPError" and "cancel" in q["waiting_result"]["message"].lower()
    # X-Fal-Request-Timeout: not started in time → 504 marked as the user's timeout (the client does not retry it).
    timed = q["timed_result"]
    assert timed["status"] == 504 and timed["timeout_type"] == "user", timed
    assert q["cancel_completed"]["status"] == 400 and q["cancel_unknown"]["status"] == 404


def test_low_priority_waits_for_normal_requests(report: dict[str, Any], tls_server: TLSServer) -> None:
    low, normal = report["queue"]["low"], report["queue"]["normal"]
    assert low["queued"]["type"] == normal["queued"]["type"] == "Queued"
    assert normal["queued"]["position"] < low["queued"]["position"]  # sent later, but ahead in the queue
    assert low["result"]["raised"] is None and normal["result"]["raised"] is None
    with tls_server.http() as http:
        items = {i["request_id"]: i for i in http.get("/requests", params={"limit": 500}).json()["items"]}

    def started(request: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(items[request["request_id"]]["started_at"])

    assert started(normal) < started(low)


def test_client_timeout_cancels_the_request(report: dict[str, Any]) -> None:
    q = report["queue"]
    assert q["client_timeout"]["raised"] == "FalClientTimeoutError" and q["client_timeout"]["request_id"]
    assert q["client_timeout_seconds"] < 2.5  # slowgray would take 3 s
    assert "cancel" in q["client_timeout_status"]["error"].lower()


def test_stream_previews_then_the_output_last(report: dict[str, Any]) -> None:
    events = report["stream"]["events"]
    assert len(events) >= 2 and all(e.get("partial") for e in events[:-1])
    assert not events[-1].get("partial") and _image(events[-1])["width"] == 40
    bad = report["stream"]["bad"]
    assert len(bad) == 1 and bad[-1]["error_type"] == "validation_error"
    assert "multiple of 16" in json.dumps(bad[-1]["detail"])


def test_uploads_reach_the_server_through_the_fixed_storage_hosts(report: dict[str, Any]) -> None:
    st = report["storage"]
    # upload_file: token from rest.fal.ai, bytes to v3.fal.media; upload_image(repository="fal"): initiate on
    # rest.fal.ai, then PUT to the URL the server handed back. All of it tunnelled to the server under test.
    assert st["url"].startswith("https://v3.fal.media/files/")
    assert st["mask_url"].startswith("https://rest.fal.ai/files/")
    assert {"rest.fal.ai:443", "v3.fal.media:443"} <= set(report["_proxied"])
    assert st["kept_bytes"] is True


def test_uploaded_files_work_as_image_and_mask(report: dict[str, Any]) -> None:
    st = report["storage"]
    assert _image(st["result"])["width"] == 48 and _image(st["result"])["height"] == 32
    changed, kept = st["pixels"]
    assert changed[0] == changed[1] == changed[2]  # white in the mask: turned gray
    assert kept == [10, 200, 10]  # black in the mask: exactly the uploaded green


def test_run_sync_mode_errors_and_auth(report: dict[str, Any]) -> None:
    run = report["run"]
    assert _image(run["sync_mode"])["url"].startswith("data:image/png;base64,")
    r, g, b = run["sync_pixels"][0]
    assert r == g == b
    bad = run["bad"]
    assert bad["raised"] == "FalClientHTTPError" and bad["status"] == 422 and bad["error_type"] == "validation_error"
    assert "multiple of 16" in bad["message"] and "literal" not in bad["message"]
    assert run["wrong_key"]["status"] == 401


def test_store_io_header_keeps_a_request_out_of_history(report: dict[str, Any], tls_server: TLSServer) -> None:
    assert _image(report["run"]["unlisted"]["result"])["width"] == 40
    with tls_server.http() as http:
        listed = {item["request_id"] for item in http.get("/requests", params={"limit": 500}).json()["items"]}
    assert report["submit"]["request_id"] in listed
    assert report["run"]["unlisted"]["request_id"] not in listed


def test_webhook_from_submit_is_delivered_and_signed(
    report: dict[str, Any], tls_server: TLSServer, webhook_receiver: WebhookReceiver
) -> None:
    rid = report["run"]["webhook"]["request_id"]
    assert webhook_receiver.arrived.wait(10)
    headers, body = webhook_receiver.received[0]
    payload = json.loads(body)
    assert payload["request_id"] == rid and payload["status"] == "OK"
    assert payload["payload"]["images"] == report["run"]["webhook"]["result"]["images"]
    with tls_server.http() as http:
        jwk = http.get("/.well-known/jwks.json").json()["keys"][0]
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)))
    message = "\n".join(
        [
            headers["x-fal-webhook-request-id"],
            headers["x-fal-webhook-user-id"],
            headers["x-fal-webhook-timestamp"],
            hashlib.sha256(body).hexdigest(),
        ]
    )
    key.verify(bytes.fromhex(headers["x-fal-webhook-signature"]), message.encode())  # raises if forged


def test_async_client(report: dict[str, Any]) -> None:
    a = report["async"]
    assert _image(a["subscribe"])["width"] == 16 and a["updates"][-1] == "Completed"
    assert a["upload_url"].startswith("https://v3.fal.media/files/") and _image(a["uploaded"])["width"] == 20
    assert a["stream_count"] >= 2 and _image(a["stream_last"])["height"] == 32
    assert a["cancelled"]["raised"] == "FalClientHTTPError"
    assert a["status_by_id"]["type"] == "Completed" and "cancel" in a["status_by_id"]["error"].lower()
    assert a["result_by_id"]["raised"] == "FalClientHTTPError"


def test_everything_through_the_proxy_without_no_proxy(tls_server: TLSServer) -> None:
    """No NO_PROXY: the run host is tunnelled too, and still lands on the server under test."""
    before = len(tls_server.proxy.requested)
    data = _run_script(tls_server.client_env(no_proxy=False), "minimal")
    assert data["blocked"] == [] and data["client_log"] == []
    assert _image(data["run"])["width"] == 16 and data["upload_url"].startswith("https://v3.fal.media/files/")
    assert _image(data["subscribe"])["width"] == 32
    assert f"127.0.0.1:{tls_server.port}" in tls_server.proxy.requested[before:]


def test_only_fal_run_host_set_uses_the_queue_host_layout(tls_server: TLSServer) -> None:
    """FAL_RUN_HOST alone: the client submits to https://queue.localhost:port/openai/… (no /queue prefix), and the
    server, seeing a queue.* Host, serves it as the queue and hands back URLs on that host."""
    before = len(tls_server.proxy.requested)
    data = _run_script(tls_server.client_env(queue_host=False), "minimal")
    assert data["blocked"] == [] and data["client_log"] == []
    assert _image(data["run"])["width"] == 16 and _image(data["subscribe"])["width"] == 32
    assert f"queue.localhost:{tls_server.port}" in tls_server.proxy.requested[before:]
    assert f"localhost:{tls_server.port}" in tls_server.proxy.requested[before:]
