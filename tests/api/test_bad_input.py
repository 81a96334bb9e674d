"""Bad input answers 422 in fal's error shape, naming the field, and the server stays healthy."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from ..support.images import data_uri, png_bytes
from ..support.live_server import LiveServer

EDIT = "/openai/gpt-image-2/edit"


def _huge_header_png(width: int = 100_000, height: int = 100_000) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _truncated_png() -> bytes:
    img = Image.effect_noise((256, 256), 60).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()[: len(buf.getvalue()) // 2]


CASES = [
    ("missing prompt", {"image_urls": ["IMG"]}, "prompt"),
    ("blank prompt", {"prompt": "   ", "image_urls": ["IMG"]}, "prompt"),
    ("17 images", {"prompt": "gray", "image_urls": ["IMG"] * 17}, "image_urls"),
    (
        "size not multiple of 16",
        {"prompt": "gray", "image_urls": ["IMG"], "image_size": {"width": 100, "height": 64}},
        "image_size",
    ),
    (
        "aspect over 3:1",
        {"prompt": "gray", "image_urls": ["IMG"], "image_size": {"width": 1600, "height": 512}},
        "image_size",
    ),
    ("private URL", {"prompt": "gray", "image_urls": ["http://10.0.0.1/cat.png"]}, "image_urls"),
    (
        "metadata URL",
        {"prompt": "gray", "image_urls": ["http://169.254.169.254/latest/meta-data"]},
        "image_urls",
    ),
    ("loopback URL", {"prompt": "gray", "image_urls": ["http://127.0.0.1:1/x.png"]}, "image_urls"),
    ("bad data URI", {"prompt": "gray", "image_urls": ["data:image/png;base64,@@@not-base64"]}, "image_urls"),
    (
        "not an image",
        {"prompt": "gray", "image_urls": [data_uri(b"hello world", "text/plain")]},
        "image_urls",
    ),
    ("huge-dimension PNG", {"prompt": "gray", "image_urls": [data_uri(_huge_header_png())]}, "image_urls"),
    (
        "mask of another size",
        {"prompt": "gray", "image_urls": ["IMG"], "mask_image_url": data_uri(png_bytes((32, 32)))},
        "mask_image_url",
    ),
    ("bad quality", {"prompt": "gray", "image_urls": ["IMG"], "quality": "ultra"}, "quality"),
    ("too many outputs", {"prompt": "gray", "image_urls": ["IMG"], "num_images": 9}, "num_images"),
    ("unknown engine", {"prompt": "gray", "image_urls": ["IMG"], "engine": "nope"}, "engine"),
    ("ftp URL", {"prompt": "gray", "image_urls": ["ftp://example.com/a.png"]}, "image_urls"),
    # Near misses of the fields that decide what is edited are refused, never dropped (a dropped mask would
    # edit the whole picture); other unknown fields are ignored, as fal does.
    ("mask as mask_url", {"prompt": "gray", "image_urls": ["IMG"], "mask_url": "IMG0"}, "mask_url"),
    ("mask as mask", {"prompt": "gray", "image_urls": ["IMG"], "mask": "IMG0"}, "mask"),
    ("images as image_url", {"prompt": "gray", "image_url": "IMG0"}, "image_url"),
]


@pytest.mark.parametrize("name,body,field", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("mode", ["sync", "queue"])
def test_bad_input_is_a_clear_422(live: LiveServer, name: str, body: dict, field: str, mode: str) -> None:
    img = data_uri(png_bytes((64, 48)))
    body = {k: ([img if u == "IMG" else u for u in v] if isinstance(v, list) else v) for k, v in body.items()}
    body = {k: (img if v == "IMG0" else v) for k, v in body.items()}
    path = EDIT if mode == "sync" else "/queue" + EDIT
    with live.client() as c:
        r = c.post(path, json=body)
        assert r.status_code == 422, (name, r.status_code, r.text)
        detail = r.json()["detail"]
        assert isinstance(detail, list) and detail[0]["loc"][:2] == ["body", field], detail
        assert detail[0]["msg"]
        assert c.get("/healthz").status_code == 200


def test_unknown_fields_are_ignored_and_images_sent_to_text_to_image_are_refused(live: LiveServer) -> None:
    img = data_uri(png_bytes((64, 48)))
    with live.client() as c:
        ok = c.post(EDIT, json={"prompt": "gray", "image_urls": [img], "some_future_field": 1})
        assert ok.status_code == 200, ok.text
        refused = c.post("/openai/gpt-image-2", json={"prompt": "a blue gradient", "image_urls": [img]})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "image_urls"]
        assert "edit" in refused.json()["detail"][0]["msg"]


def test_malformed_json(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(EDIT, content=b'{"prompt": "gray", "image_urls": [', headers={"content-type": "application/json"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["type"] == "json_invalid"


def test_truncated_png_fails_with_422_on_sync_and_as_error_on_queue(live: LiveServer) -> None:
    body = {"prompt": "gray", "image_urls": [data_uri(_truncated_png())]}
    with live.client() as c:
        r = c.post(EDIT, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"][:2] == ["body", "image_urls"]
        assert "truncated" in r.text.lower() or "incomplete" in r.text.lower() or "broken" in r.text.lower()
        assert c.get("/healthz").status_code == 200
