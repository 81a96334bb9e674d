"""Callers who send too much, too slowly, too often or without a key get their answer before the work it bounds.

Raw sockets stand in for hostile clients: they announce bodies they never send, so an answer that arrives proves
the server did not wait for (or read) the body.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retouch.config import KeyConfig

from ..support.images import data_uri, png_bytes
from ..support.live_server import LiveServer, start_server

EDIT = "/openai/gpt-image-2/edit"


def _raw(url: str, head: str, body: bytes = b"", *, wait: float = 10.0) -> tuple[int, bytes, float]:
    """Sends ``head`` (+ part of a body) and returns (status, response, seconds until the answer came)."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(head.encode() + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        elapsed = time.monotonic() - started
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data, elapsed


def _post_head(path: str, length: int, *, key: str | None = None, ctype: str = "application/json") -> str:
    auth = f"Authorization: Key {key}\r\n" if key else ""
    return f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: {ctype}\r\nContent-Length: {length}\r\n\r\n"


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[LiveServer]:
    srv, server, thread = start_server(
        tmp_path,
        keys=[KeyConfig(id="alice", secret="alice-secret")],
        max_request_bytes=1_000_000,
        max_input_bytes=20_000,
        body_read_timeout_seconds=1.0,
        max_concurrent_requests=3,
    )
    yield srv
    server.should_exit = True
    thread.join(10)


def test_a_wrong_key_is_refused_before_the_body_is_read(guarded: LiveServer) -> None:
    status, _, elapsed = _raw(guarded.url, _post_head("/queue" + EDIT, 200_000_000, key="wrong"))
    assert status == 401 and elapsed < 2


def test_a_body_announced_past_the_limit_is_413_before_it_is_read(guarded: LiveServer) -> None:
    status, data, elapsed = _raw(guarded.url, _post_head("/queue" + EDIT, 200_000_000, key="alice-secret"))
    assert status == 413 and elapsed < 2
    assert b"error_type" in data or b"detail" in data


def test_a_body_past_the_limit_without_a_length_is_413_while_reading(guarded: LiveServer) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"prompt": "gray", "image_urls": ["'
        for _ in range(40):
            yield b"A" * 50_000

    with guarded.client("alice-secret") as c:
        r = c.post("/queue" + EDIT, content=body(), headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_a_body_that_trickles_in_is_cut_off(guarded: LiveServer) -> None:
    status, _, elapsed = _raw(guarded.url, _post_head("/queue" + EDIT, 5000, key="alice-secret"), b'{"prompt"')
    assert status == 408 and elapsed < 5


def test_too_many_requests_at_once_get_503_and_health_still_answers(guarded: LiveServer) -> None:
    host, port = guarded.url.removeprefix("http://").split(":")
    held = []
    try:
        for _ in range(3):  # three slow bodies hold the three slots
            sock = socket.create_connection((host, int(port)))
            sock.sendall(_post_head("/queue" + EDIT, 5000, key="alice-secret").encode() + b"{")
            held.append(sock)
        time.sleep(0.2)
        with guarded.client("alice-secret") as c:
            busy = c.post("/queue" + EDIT, json={"prompt": "gray", "image_urls": [data_uri(png_bytes())]})
            assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
            assert busy.json()["error_type"] == "server_busy"
            assert c.get("/healthz").status_code == 200
    finally:
        for sock in held:
            sock.close()


def test_a_data_uri_past_max_input_bytes_is_refused_like_a_fetched_image(guarded: LiveServer) -> None:
    big = png_bytes() + b"\0" * 30_000
    with guarded.client("alice-secret") as c:
        r = c.post("/queue" + EDIT, json={"prompt": "gray", "image_urls": [data_uri(big)]})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "image_urls", 0]
        assert "limit" in r.json()["detail"][0]["msg"]


def test_the_json_body_errors_name_the_body(guarded: LiveServer) -> None:
    with guarded.client("alice-secret") as c:
        for raw in (b"{not json", b"[1, 2]", b'"text"', b""):
            r = c.post("/queue" + EDIT, content=raw, headers={"content-type": "application/json"})
            assert r.status_code == 422, raw
            assert r.json()["detail"][0]["loc"][0] == "body"


def test_submit_and_status_do_not_carry_the_inputs(guarded: LiveServer) -> None:
    """Inputs are stored once as files; the job record holds references, so a status read stays small."""
    photo = png_bytes((64, 48))
    with guarded.client("alice-secret") as c:
        sub = c.post("/queue" + EDIT, json={"prompt": "gray", "image_urls": [data_uri(photo)]}).json()
        job = guarded.app.state.runtime.store.get(sub["request_id"])
        assert not any(u.startswith("data:") for u in job.payload["image_urls"])
        assert len(json.dumps(job.payload)) < 1000
