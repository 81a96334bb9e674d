"""Storage under attack: only images are stored and served (typed by their bytes, with nosniff and a sandboxing
policy), odd names and bodies give clear 4xx answers, never a 500."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..support.images import png_bytes
from ..support.live_server import LiveServer, start_server

HTML = b"<!doctype html><html><body><script>fetch('/steal?k='+localStorage.getItem('retouch.key'))</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


@pytest.fixture
def small(tmp_path: Path) -> Iterator[LiveServer]:
    srv, server, thread = start_server(tmp_path, max_upload_bytes=20_000, max_request_bytes=50_000)
    yield srv
    server.should_exit = True
    thread.join(10)


def _token(c: object) -> str:
    tok = c.post("/storage/auth/token?storage_type=fal-cdn-v3", json={}).json()  # type: ignore[attr-defined]
    return f"{tok['token_type']} {tok['token']}"


@pytest.mark.parametrize("body,kind", [(HTML, "HTML"), (SVG, "SVG"), (b"%PDF-1.7 ...", "PDF"), (b"hello", "not")])
def test_non_images_are_refused_at_upload_in_both_flows(live: LiveServer, body: bytes, kind: str) -> None:
    with live.client() as c:
        auth = _token(c)
        r = c.post("/files/upload", content=body, headers={"Authorization": auth, "Content-Type": "image/png"})
        assert r.status_code == 422 and kind in r.json()["detail"][0]["msg"], r.text
        assert r.json()["detail"][0]["loc"] == ["body", "file"]
        init = c.post("/storage/upload/initiate", json={"file_name": "x.html", "content_type": "text/html"}).json()
        assert c.put(init["upload_url"], content=body).status_code == 422
        assert c.get(init["file_url"]).status_code == 404
    staging = live.settings.data_dir / "files" / ".staging"
    assert not list(staging.glob("*")), "a refused upload must not leave its bytes behind"


def test_an_image_is_stored_and_served_as_what_its_bytes_are(live: LiveServer) -> None:
    with live.client() as c:
        auth = _token(c)
        up = c.post(
            "/files/upload",
            content=png_bytes((20, 10)),
            headers={"Authorization": auth, "Content-Type": "text/html", "X-Fal-File-Name": "page.html"},
        ).json()
        assert up["content_type"] == "image/png" and up["file_name"] == "page.png"
        got = c.get(up["access_url"])
        assert got.status_code == 200 and got.content == png_bytes((20, 10))
        assert got.headers["content-type"] == "image/png"
        assert got.headers["x-content-type-options"] == "nosniff"
        csp = got.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "sandbox" in csp
        assert got.headers["content-disposition"].startswith("inline;")


def test_a_file_stored_by_an_older_version_with_a_page_type_is_only_a_download(live: LiveServer) -> None:
    files = live.app.state.runtime.files
    stored = files.put(HTML, file_name="evil.html", content_type="text/html", owner=None)
    with live.client() as c:
        got = c.get(f"/files/{stored.key}/evil.html")
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
    # An SVG stored under an image type is not believed either.
    liar = files.put(SVG, file_name="x.png", content_type="image/png", owner=None)
    with live.client() as c:
        assert c.get(f"/files/{liar.key}/x.png").headers["content-type"] == "application/octet-stream"


@pytest.mark.parametrize("body", [[1], "x", 5, None, {"file_name": 7}, {"file_name": ["a"]}, {"content_type": {}}])
def test_initiate_with_a_bad_body_is_422(live: LiveServer, body: object) -> None:
    with live.client() as c:
        r = c.post("/storage/upload/initiate?storage_type=gcs", json=body)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"][0] == "body"


def test_tokens_only_open_the_door_they_were_made_for(live: LiveServer) -> None:
    with live.client() as c:
        auth_token = c.post("/storage/auth/token", json={}).json()["token"]
        assert c.put(f"/storage/upload/put/{auth_token}", content=png_bytes()).status_code == 401
        for junk in ("nodot", "a.b", "%%%.abc", "eyJ4Ijox.deadbeef"):
            assert c.put(f"/storage/upload/put/{junk}", content=png_bytes()).status_code == 401
        init = c.post("/storage/upload/initiate", json={"file_name": "m.png"}).json()
        put_token = init["upload_url"].rsplit("/", 1)[-1]
        r = c.post("/files/upload", content=png_bytes(), headers={"Authorization": f"Bearer {put_token}"})
        assert r.status_code == 401


def test_odd_names_never_break_the_file_route(live: LiveServer) -> None:
    with live.client() as c:
        auth = _token(c)
        names = ["café ☕ 写真.png".encode(), b"a\xffb.png", b"..\\..\\etc/passwd"]
        for raw in names:
            up = c.post("/files/upload", content=png_bytes(), headers={"Authorization": auth, "X-Fal-File-Name": raw})
            assert up.status_code == 200, up.text
            got = c.get(up.json()["access_url"])
            assert got.status_code == 200 and got.headers["content-type"] == "image/png"
            assert all(ch.isascii() for ch in got.headers["content-disposition"])
        init = c.post("/storage/upload/initiate", json={"file_name": "a\r\nSet-Cookie: x=1\r\n.png"}).json()
        assert c.put(init["upload_url"], content=png_bytes()).status_code == 200
        got = c.get(init["file_url"])
        assert got.status_code == 200 and "set-cookie" not in got.headers


def test_an_upload_past_the_limit_is_413_and_leaves_nothing(small: LiveServer) -> None:
    with small.client() as c:
        auth = _token(c)
        big = png_bytes() + b"\0" * 30_000
        r = c.post("/files/upload", content=big, headers={"Authorization": auth})
        assert r.status_code == 413
        init = c.post("/storage/upload/initiate", json={"file_name": "m.png"}).json()

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while reading
            yield png_bytes()
            for _ in range(10):
                yield b"\0" * 4096

        assert c.put(init["upload_url"], content=chunks()).status_code == 413
        assert c.get(init["file_url"]).status_code == 404
    assert not list((small.settings.data_dir / "files" / ".staging").glob("*"))


def test_uploads_expire_with_the_servers_retention(live: LiveServer) -> None:
    with live.client() as c:
        up = c.post("/files/upload", content=png_bytes(), headers={"Authorization": _token(c)}).json()
    meta = live.app.state.runtime.files.meta(up["access_url"].split("/")[-2])
    assert meta.expires_at is not None
    assert abs(meta.expires_at - (time.time() + live.settings.result_ttl_seconds)) < 60
