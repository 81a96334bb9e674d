"""Through the whole of Retouch (HTTP API, queue, worker, engine, exact-mask composite, PNG) the pixels are the
model's: equal to calling the same pipeline directly, and to the original outside the mask."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import torch
import uvicorn
from PIL import Image

from retouch.api import app as app_module
from retouch.config import EngineConfig, Settings
from retouch.engines.base import EditTask
from tests.unit.test_diffusers_families import direct_call, left_half, options, picture

EDIT = "/openai/gpt-image-2/edit"
FAMILIES = ["flux-kontext", "qwen-image-edit", "instruct-pix2pix", "flux-fill", "sd-inpaint"]
SLOW_STEPS = 2000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    import diffusers.pipelines.qwenimage.pipeline_qwenimage_edit_plus as qwen_module

    saved = qwen_module.VAE_IMAGE_SIZE, qwen_module.CONDITION_IMAGE_SIZE
    qwen_module.VAE_IMAGE_SIZE, qwen_module.CONDITION_IMAGE_SIZE = 32 * 32, 56 * 56
    engines = {f: EngineConfig(kind="diffusers", options=options(f)) for f in FAMILIES}
    engines["slow"] = EngineConfig(kind="diffusers", options=options("flux-kontext", steps=SLOW_STEPS))
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        engines=engines,
        default_engine="flux-kontext",
        workers=1,
        worker_mode="threads",
    )
    app = app_module.create_app(settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    qwen_module.VAE_IMAGE_SIZE, qwen_module.CONDITION_IMAGE_SIZE = saved
    torch.set_num_threads(threads)


def uri(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def run_queued(base: str, body: dict[str, Any]) -> tuple[Image.Image, dict[str, Any]]:
    with httpx.Client(base_url=base, timeout=60) as client:
        sub = client.post("/queue" + EDIT, json=body)
        assert sub.status_code == 200, sub.text
        urls = sub.json()
        deadline = time.time() + 60
        while True:
            status = client.get(urls["status_url"], params={"logs": "1"}).json()
            if status["status"] == "COMPLETED":
                break
            assert time.time() < deadline, status
            time.sleep(0.05)
        result = client.get(urls["response_url"])
        assert result.status_code == 200, result.text
        url = result.json()["images"][0]["url"]
        data = base64.b64decode(url.split(",", 1)[1]) if url.startswith("data:") else client.get(url).content
        return Image.open(io.BytesIO(data)).convert("RGB"), status


@pytest.mark.parametrize("family", FAMILIES)
def test_queue_result_equals_direct_pipeline(server: str, family: str) -> None:
    original = picture((32, 32), seed=21)
    masked = family in ("flux-fill", "sd-inpaint")
    mask = left_half() if masked else None
    body: dict[str, Any] = {"prompt": "a red hat", "image_urls": [uri(original)], "seed": 7, "engine": family}
    body["quality"] = "low"
    if mask is not None:
        body["mask_image_url"] = uri(mask.convert("RGB"))
    got, status = run_queued(server, body)
    task = EditTask(prompt="a red hat", images=[original], mask=mask, seed=7, quality="low")
    expected = np.asarray(direct_call(family, task, 32, 32, steps=2)[0])
    pixels = np.asarray(got)
    if mask is None:
        assert np.array_equal(pixels, expected)
    else:
        keep = np.asarray(mask) == 0
        assert np.array_equal(pixels[keep], np.asarray(original)[keep])
        assert np.array_equal(pixels[~keep], expected[~keep])
    messages = [line["message"] for line in status.get("logs") or []]
    assert any(m.startswith("step 1/") for m in messages), messages


def test_stream_carries_latent_previews(server: str) -> None:
    body = {"prompt": "a hat", "image_urls": [uri(picture())], "seed": 3, "engine": "flux-kontext", "quality": "high"}
    events = []
    with httpx.Client(base_url=server, timeout=60) as client:
        with client.stream("POST", EDIT + "/stream", json=body) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
    partials = [e for e in events if e.get("partial") and "images" in e]
    assert partials and partials[0]["images"][0]["url"].startswith("data:image/jpeg")
    assert not events[-1].get("partial") and events[-1]["images"][0]["width"] == 32


def test_cancel_stops_a_running_generation_at_the_next_step(server: str) -> None:
    body = {"prompt": "a hat", "image_urls": [uri(picture())], "seed": 3, "engine": "slow"}
    with httpx.Client(base_url=server, timeout=60) as client:
        urls = client.post("/queue" + EDIT, json=body).json()
        deadline = time.time() + 30
        while True:
            logs = client.get(urls["status_url"], params={"logs": "1"}).json().get("logs") or []
            if any(line["message"].startswith("step ") for line in logs):
                break
            assert time.time() < deadline
            time.sleep(0.02)
        assert client.put(urls["cancel_url"]).json()["status"] == "CANCELLATION_REQUESTED"
        cancelled_at = time.time()
        while (status := client.get(urls["status_url"], params={"logs": "1"}).json())["status"] != "COMPLETED":
            assert time.time() - cancelled_at < 10
            time.sleep(0.02)
    assert status["error_type"] == "cancelled"
    steps = [line["message"] for line in status["logs"] if line["message"].startswith("step ")]
    assert 1 <= len(steps) < SLOW_STEPS and time.time() - cancelled_at < 5


def test_missing_weights_answer_503_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "absent-model"
    settings = Settings(
        data_dir=tmp_path / "data",
        engines={"gone": EngineConfig(kind="diffusers", options={"family": "flux-kontext", "model": str(missing)})},
        default_engine="gone",
        workers=1,
        worker_mode="threads",
    )
    from fastapi.testclient import TestClient

    with TestClient(app_module.create_app(settings)) as client:
        response = client.post(EDIT, json={"prompt": "x", "image_urls": [uri(picture())]})
    assert response.status_code == 503, response.text
    assert str(missing) in response.text
