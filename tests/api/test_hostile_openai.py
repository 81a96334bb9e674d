"""OpenAI's routes under bad input: clear 400s in OpenAI's error shape, never a 500, and nothing stored for a
request that was refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..support.images import png_bytes
from ..support.live_server import LiveServer


def _stored(live: LiveServer) -> int:
    return len(list((Path(live.settings.data_dir) / "files").glob("*/*.json")))


@pytest.mark.parametrize(
    "body,param",
    [
        ({"prompt": "a red square", "size": 1024}, "size"),
        ({"prompt": "a red square", "size": "big"}, "size"),
        ({"prompt": "a red square", "partial_images": "abc", "stream": True}, "partial_images"),
        ({"prompt": "a red square", "n": "two"}, "n"),
        ({"prompt": "a red square", "quality": ["high"]}, "quality"),
        ({"prompt": 5}, "prompt"),
        ({"size": "1024x1024"}, "prompt"),
    ],
)
def test_generation_with_a_bad_field_is_400_naming_it(live: LiveServer, body: dict[str, object], param: str) -> None:
    with live.client() as c:
        r = c.post("/v1/images/generations", json=body)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == param


@pytest.mark.parametrize(
    "fields,param",
    [
        ({"prompt": "gray", "n": "abc"}, "n"),
        ({"prompt": "gray", "quality": "ultra"}, "quality"),
        ({"prompt": "gray", "size": "99x"}, "size"),
        ({"prompt": "gray", "output_format": "gif"}, "output_format"),
        ({"prompt": "refuse this"}, "prompt"),
        ({"prompt": ""}, "prompt"),
    ],
)
def test_a_refused_edit_stores_no_upload(live: LiveServer, fields: dict[str, str], param: str) -> None:
    before = _stored(live)
    with live.client() as c:
        r = c.post("/v1/images/edits", data=fields, files={"image": ("a.png", png_bytes(), "image/png")})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == param
    assert _stored(live) == before


def test_an_edit_that_is_not_multipart_or_has_no_image_is_400(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/v1/images/edits", json={"prompt": "gray"})
        assert r.status_code == 400
        r = c.post("/v1/images/edits", data={"prompt": "gray"}, files={"other": ("a.png", png_bytes(), "image/png")})
        assert r.status_code == 400 and r.json()["error"]["param"] == "image"
        r = c.post("/v1/images/edits", data={"prompt": "gray"}, files={"image": ("a.txt", b"hello", "text/plain")})
        assert r.status_code == 400 and r.json()["error"]["param"].startswith("image")


def test_an_accepted_edit_stores_its_upload_once(live: LiveServer) -> None:
    before = _stored(live)
    with live.client() as c:
        for _ in range(2):
            r = c.post(
                "/v1/images/edits",
                data={"prompt": "gray", "response_format": "b64_json"},
                files={"image": ("a.png", png_bytes((32, 16)), "image/png")},
            )
            assert r.status_code == 200, r.text
    assert _stored(live) == before + 1, "the same image from the same key is stored once (by content)"
