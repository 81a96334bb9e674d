"""The ``openai`` engine behind the whole server: the caller's key reaches the stand-in and nowhere else (not the
database, not the stored files, not the logs), and the usage OpenAI reports is what the result records."""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from retouch.api import app as app_module
from retouch.config import EngineConfig, Settings
from tests.support.images import png_uri
from tests.support.openai_standin import EDIT_COLOUR, USAGE, StandInServer

KEY = "sk-proj-CALLERKEY-5f0e9d8c7b6a"
EDIT = "/openai/gpt-image-2/edit"


def run_with_caller_key(data_dir: Path) -> tuple[list[str], Image.Image, dict[str, Any], str]:
    """One masked edit through the server with the caller's key; returns every text the server gave back."""
    with StandInServer(KEY) as standin:
        engines = {"openai": EngineConfig(kind="openai", options={"base_url": standin.base_url, "backoff": 0.01})}
        settings = Settings(
            data_dir=data_dir, engines=engines, default_engine="openai", workers=1, worker_mode="threads"
        )
        with TestClient(app_module.create_app(settings)) as client:
            mask = Image.new("RGB", (48, 32), (0, 0, 0))
            mask.paste((255, 255, 255), (0, 0, 24, 32))
            body = {
                "prompt": "paint it",
                "image_urls": [png_uri(Image.new("RGB", (48, 32), (10, 120, 200)))],
                "mask_image_url": png_uri(mask),
                "openai_api_key": KEY,
                "seed": 1,
            }
            sub = client.post("/queue" + EDIT, json=body)
            assert sub.status_code == 200, sub.text
            urls = sub.json()
            deadline = time.time() + 30
            while client.get(urls["status_url"]).json()["status"] != "COMPLETED":
                assert time.time() < deadline
                time.sleep(0.05)
            result = client.get(urls["response_url"]).json()
            status = client.get(urls["status_url"], params={"logs": "1"}).json()
            edited = Image.open(io.BytesIO(client.get(result["images"][0]["url"]).content)).convert("RGB")
        assert standin.requests
        authorization = standin.requests[0].authorization
    return [sub.text, repr(result), repr(status)], edited, result, authorization


def test_caller_key_reaches_openai_and_no_answer_or_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts, edited, result, authorization = run_with_caller_key(tmp_path / "data")
    assert authorization == f"Bearer {KEY}"
    # The stand-in paints what OpenAI's alpha mask marks editable: fal's white half, and only that half.
    assert edited.getpixel((1, 1)) == EDIT_COLOUR and edited.getpixel((40, 1)) == (10, 120, 200)
    assert result["usage"]["total_tokens"] == USAGE["total_tokens"]
    texts += [record.getMessage() + repr(record.__dict__) for record in caplog.records]
    assert not any(KEY in text for text in texts)


def test_caller_key_is_not_in_any_stored_file(tmp_path: Path) -> None:
    run_with_caller_key(tmp_path / "data")
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
