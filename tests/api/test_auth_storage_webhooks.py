"""Per-key isolation, the storage upload flow, history, and signed webhooks."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..support.images import data_uri, png_bytes
from ..support.live_server import LiveServer
from ..support.polling import wait_done

# Each test here runs on the embedded store and on Redis + S3: both shapes must behave identically.
pytestmark = pytest.mark.backends("sqlite", "redis")

EDIT = "/openai/gpt-image-2/edit"


def test_auth_required_and_keys_isolated(live_auth: LiveServer) -> None:
    body = {"prompt": "gray", "image_urls": [data_uri(png_bytes())]}
    with live_auth.client() as anon:
        r = anon.post("/queue" + EDIT, json=body)
        assert r.status_code == 401 and "Authorization" in r.json()["detail"]
    with live_auth.client("alice-secret") as alice, live_auth.client("bob-secret") as bob:
        sub = alice.post("/queue" + EDIT, json=body).json()
        wait_done(alice, sub["status_url"])
        assert alice.get(sub["response_url"]).status_code == 200
        assert bob.get(sub["response_url"]).status_code == 404
        assert bob.get(sub["status_url"]).status_code == 404
        assert bob.put(sub["cancel_url"]).json()["status"] == "NOT_FOUND"
        url = alice.get(sub["response_url"]).json()["images"][0]["url"]
        assert bob.get(url).status_code == 404
        assert alice.get(url).status_code == 200
        assert [i["request_id"] for i in alice.get("/requests").json()["items"]] == [sub["request_id"]]
        assert bob.get("/requests").json()["items"] == []
        # Bob cannot use Alice's uploaded file as an input either.
        token = alice.post("/storage/auth/token?storage_type=fal-cdn-v3", json={}).json()
        up = alice.post(
            "/files/upload",
            content=png_bytes(),
            headers={
                "Authorization": f"{token['token_type']} {token['token']}",
                "Content-Type": "image/png",
                "X-Fal-File-Name": "in.png",
            },
        ).json()
        r = bob.post(EDIT, json={"prompt": "gray", "image_urls": [up["access_url"]]})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "image_urls"]
        assert alice.post(EDIT, json={"prompt": "gray", "image_urls": [up["access_url"]]}).status_code == 200


def test_upload_token_flow_then_url_as_input(live: LiveServer) -> None:
    with live.client() as c:
        token = c.post("/storage/auth/token?storage_type=fal-cdn-v3", json={}).json()
        assert token["expires_at"].endswith("+00:00")
        up = c.post(
            "/files/upload",
            content=png_bytes((40, 30)),
            headers={
                "Authorization": f"{token['token_type']} {token['token']}",
                "Content-Type": "image/png",
                "X-Fal-File-Name": "photo.png",
            },
        )
        assert up.status_code == 200, up.text
        url = up.json()["access_url"]
        assert c.get(url).content == png_bytes((40, 30))
        r = c.post(EDIT, json={"prompt": "gray", "image_urls": [url], "mask_image_url": url})
        assert r.status_code == 200, r.text
        assert r.json()["images"][0]["width"] == 40
        # Two-step flow: initiate, then PUT.
        init = c.post(
            "/storage/upload/initiate?storage_type=gcs",
            json={"file_name": "m.png", "content_type": "image/png"},
        ).json()
        assert c.put(init["upload_url"], content=png_bytes((40, 30))).status_code == 200
        assert c.get(init["file_url"]).status_code == 200
        forged = c.post("/files/upload", content=b"x", headers={"Authorization": "Bearer forged.sig"})
        assert forged.status_code == 401


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    fail_first = 0

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        if _Receiver.fail_first > 0:
            _Receiver.fail_first -= 1
            self.send_response(500)
            self.end_headers()
            return
        _Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


def test_webhook_is_signed_and_retried(live: LiveServer) -> None:
    live.app.state.runtime.webhooks.delays = [0.2] * 9
    _Receiver.received = []
    _Receiver.fail_first = 1
    hook = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{hook.server_port}/hook"
        with live.client() as c:
            sub = c.post(
                "/queue" + EDIT,
                params={"fal_webhook": url},
                json={"prompt": "gray", "image_urls": [data_uri(png_bytes())]},
            ).json()
            deadline = time.time() + 15
            while not _Receiver.received and time.time() < deadline:
                time.sleep(0.05)
            assert _Receiver.received, "webhook was not delivered after a failed first attempt"
            headers, body = _Receiver.received[0]
            payload = json.loads(body)
            assert payload["request_id"] == sub["request_id"] and payload["status"] == "OK"
            assert payload["payload"]["images"][0]["width"] == 64
            jwk = c.get("/.well-known/jwks.json").json()["keys"][0]
            raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
            message = "\n".join(
                [
                    headers["x-fal-webhook-request-id"],
                    headers["x-fal-webhook-user-id"],
                    headers["x-fal-webhook-timestamp"],
                    hashlib.sha256(body).hexdigest(),
                ]
            ).encode()
            Ed25519PublicKey.from_public_bytes(raw).verify(bytes.fromhex(headers["x-fal-webhook-signature"]), message)
            assert abs(int(headers["x-fal-webhook-timestamp"]) - time.time()) < 300
    finally:
        hook.shutdown()


def test_webhook_to_private_address_is_refused(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/queue" + EDIT,
            params={"fal_webhook": "http://10.1.2.3/hook"},
            json={"prompt": "gray", "image_urls": [data_uri(png_bytes())]},
        )
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"][:2] == ["body", "fal_webhook"]
