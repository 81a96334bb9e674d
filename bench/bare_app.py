"""The baseline for bench/overhead.py: a bare FastAPI endpoint doing the same edit, no queue, no storage."""

from __future__ import annotations

import base64
import io

from fastapi import FastAPI
from PIL import Image
from pydantic import BaseModel

from retouch.config import Settings
from retouch.engines.base import EditTask, NullProgress
from retouch.engines.registry import EngineRegistry
from retouch.imaging.encode import encode_image

app = FastAPI()
_settings = Settings()
_engines = EngineRegistry(_settings.engines, _settings.default_engine)


class Body(BaseModel):
    prompt: str
    image_urls: list[str]


def edit_once(prompt: str, data_uri: str, engine: str = "classic") -> bytes:
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    img = Image.open(io.BytesIO(raw)).convert("RGB")
    result = _engines.get(engine).run(EditTask(prompt=prompt, images=[img], seed=0), NullProgress())
    return encode_image(result.images[0], "png")  # the same encoder Retouch's worker uses


@app.post("/edit")
def edit(body: Body) -> dict[str, str]:
    data = edit_once(body.prompt, body.image_urls[0])
    return {"url": "data:image/png;base64," + base64.b64encode(data).decode()}
