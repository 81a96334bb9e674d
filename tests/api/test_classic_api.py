"""The classic engine through the HTTP API, as `make run` serves it: edits, plans in the logs, refusals as 422."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from retouch.config import EngineConfig

from ..support.images import data_uri, png_bytes
from ..support.live_server import LiveServer, start_server
from ..support.polling import wait_done

EDIT = "/openai/gpt-image-2/edit"


@pytest.fixture
def classic(tmp_path: Path) -> Iterator[LiveServer]:
    srv, server, thread = start_server(
        tmp_path, engines={"classic": EngineConfig(kind="classic")}, default_engine="classic"
    )
    yield srv
    server.should_exit = True
    thread.join(10)


def _decode(uri_or_bytes: str | bytes) -> np.ndarray:
    raw = base64.b64decode(uri_or_bytes.split(",", 1)[1]) if isinstance(uri_or_bytes, str) else uri_or_bytes
    return np.asarray(Image.open(io.BytesIO(raw)))


def test_black_and_white_edit_end_to_end(classic: LiveServer) -> None:
    with classic.client() as c:
        r = c.post(EDIT, json={"prompt": "make it black and white", "image_urls": [data_uri(png_bytes((16, 16)))]})
        assert r.status_code == 200, r.text
        image = r.json()["images"][0]
        assert (image["width"], image["height"]) == (16, 16)
        pixels = _decode(c.get(image["url"]).content)
        assert np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2])
        assert r.json()["cost"] > 0 and r.json()["usage"]["output_tokens"] > 0


def test_plan_is_logged_and_a_stream_sends_a_preview_before_the_final_image(classic: LiveServer) -> None:
    body = {"prompt": "make it warmer, add a vignette and sharpen it", "image_urls": [data_uri(png_bytes((64, 48)))]}
    with classic.client() as c:
        sub = c.post("/queue" + EDIT, json=body).json()
        status = wait_done(c, sub["status_url"])
        messages = [line["message"] for line in status["logs"]]
        assert any("warmth" in m and "vignette" in m and "sharpen" in m for m in messages)
        events = []
        with c.stream("POST", EDIT + "/stream", json=body) as r:
            for line in r.iter_lines():
                if line.startswith("data:"):
                    events.append(json.loads(line[5:]))
        assert len(events) >= 2 and "images" in events[-1]
        previews = [e for e in events[:-1] if e.get("partial") and "images" in e]
        assert previews and previews[0]["images"][0]["url"].startswith("data:image/jpeg")
        assert "partial" not in events[-1] and events[-1]["images"][0]["width"] == 64


def test_refusal_is_a_422_naming_the_words_and_the_engines(classic: LiveServer) -> None:
    with classic.client() as c:
        r = c.post(EDIT, json={"prompt": "add a cat on the sofa", "image_urls": [data_uri(png_bytes())]})
        assert r.status_code == 422
        detail = r.json()["detail"][0]
        assert detail["loc"] == ["body", "prompt"] and detail["type"] == "engine_refusal"
        assert "cat" in detail["not_understood"] and detail["capable_engines"] == ["diffusers", "openai"]
        queued = c.post("/queue" + EDIT, json={"prompt": "make her smile", "image_urls": [data_uri(png_bytes())]})
        assert queued.status_code == 422  # refused before anything is queued
        text = c.post("/openai/gpt-image-2", json={"prompt": "a castle at dawn"})
        assert text.status_code == 422 and "generative" in text.text


def test_mask_keeps_black_pixels_and_geometry_with_a_mask_is_refused(classic: LiveServer) -> None:
    photo = np.random.default_rng(3).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "PNG")
    mask = np.zeros((40, 60), np.uint8)
    mask[10:30, 20:45] = 255
    mbuf = io.BytesIO()
    Image.fromarray(mask).save(mbuf, "PNG")
    body = {
        "prompt": "make it black and white",
        "image_urls": [data_uri(buf.getvalue())],
        "mask_image_url": data_uri(mbuf.getvalue()),
        "sync_mode": True,
    }
    with classic.client() as c:
        r = c.post(EDIT, json=body)
        assert r.status_code == 200, r.text
        out = _decode(r.json()["images"][0]["url"])
        assert np.array_equal(out[mask == 0], photo[mask == 0])
        inside = out[15:25, 25:40].astype(int)
        assert np.abs(inside[..., 0] - inside[..., 2]).max() <= 1
        flipped = c.post(EDIT, json={**body, "prompt": "flip horizontally"})
        assert flipped.status_code == 422 and flipped.json()["detail"][0]["loc"][-1] == "mask_image_url"


def test_text_to_image_app_on_the_fal_protocol(classic: LiveServer) -> None:
    with classic.client() as c:
        r = c.post("/openai/gpt-image-2", json={"prompt": "a gradient from navy to orange"})
        assert r.status_code == 200, r.text
        image = r.json()["images"][0]
        assert (image["width"], image["height"]) == (1024, 768)  # landscape_4_3 by default
        sub = c.post("/queue/fal-ai/gpt-image-2", json={"prompt": "a solid red background", "image_size": "square"})
        status = wait_done(c, sub.json()["status_url"])
        assert status["status"] == "COMPLETED"
        out = c.get(sub.json()["response_url"]).json()["images"][0]
        pixels = _decode(c.get(out["url"]).content)
        assert pixels.shape[:2] == (512, 512) and (pixels[..., :3] == [220, 30, 30]).all()
