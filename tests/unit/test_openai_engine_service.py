"""The ``openai`` engine behind the whole server: the caller's key reaches the stand-in and nowhere else (not the
database, not the stored files, not the logs), and the usage OpenAI reports is what the result records."""

from __future__ import annotations

import base64
import io
import logging
import time
from pathlib import Path

import pytest

app_module = pytest.importorskip("retouch.api.app", reason="the HTTP layer is not importable in this checkout")

from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

from retouch.config import EngineConfig, Settings  # noqa: E402
from tests.support.openai_standin import EDIT_COLOUR, USAGE, StandInServer  # noqa: E402

KEY = "sk-proj-CALLERKEY-5f0e9d8c7b6a"
EDIT = "/openai/gpt-image-2/edit"


def png_uri(size: tuple[int, int] = (48, 32)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_caller_key_is_used_and_never_kept(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with StandInServer(KEY) as standin:
        engines = {"openai": EngineConfig(kind="openai", options={"base_url": standin.base_url, "backoff": 0.01})}
        settings = Settings(data_dir=tmp_path / "data", engines=engines, default_engine="openai", workers=1)
        with TestClient(app_module.create_app(settings)) as client:
            body = {"prompt": "paint it", "image_urls": [png_uri()], "openai_api_key": KEY, "seed": 1}
            sub = client.post("/queue" + EDIT, json=body)
            assert sub.status_code == 200, sub.text
            urls = sub.json()
            deadline = time.time() + 30
            while client.get(urls["status_url"]).json()["status"] != "COMPLETED":
                assert time.time() < deadline
                time.sleep(0.05)
            result = client.get(urls["response_url"]).json()
            status = client.get(urls["status_url"], params={"logs": "1"}).json()
            image = client.get(result["images"][0]["url"]).content
        assert standin.requests and standin.requests[0].authorization == f"Bearer {KEY}"
        assert Image.open(io.BytesIO(image)).convert("RGB").getpixel((1, 1)) == EDIT_COLOUR
        assert result["usage"]["total_tokens"] == USAGE["total_tokens"]
    texts = [repr(result), repr(status), repr(sub.json())]
    texts += [record.getMessage() + repr(record.__dict__) for record in caplog.records]
    assert not any(KEY in text for text in texts)
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
