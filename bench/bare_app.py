"""The baseline for bench/overhead.py: a bare FastAPI endpoint doing the same edit, no queue, no storage.

``/queue/edit`` is the same edit behind the least queue a server can have (a dict of futures in memory, lost on a
restart, no limits): polled the same way as Retouch's queue, it shows what the polling itself costs on this
machine, which no server can avoid."""

from __future__ import annotations

import base64
import io
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

from fastapi import FastAPI, HTTPException
from PIL import Image
from pydantic import BaseModel

from retouch.config import Settings
from retouch.engines.base import EditTask, NullProgress
from retouch.engines.registry import EngineRegistry
from retouch.imaging.encode import encode_image

app = FastAPI()
_settings = Settings()
_engines = EngineRegistry(_settings.engines, _settings.default_engine)
_pool = ThreadPoolExecutor(64)
_jobs: dict[str, Future[bytes]] = {}


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


@app.post("/queue/edit")
def submit(body: Body) -> dict[str, str]:
    request_id = uuid.uuid4().hex
    _jobs[request_id] = _pool.submit(edit_once, body.prompt, body.image_urls[0])
    return {
        "request_id": request_id,
        "status_url": f"/requests/{request_id}/status",
        "response_url": f"/requests/{request_id}",
    }


@app.get("/requests/{request_id}/status")
async def status(request_id: str) -> dict[str, str]:
    job = _jobs.get(request_id)
    if job is None:
        raise HTTPException(404)
    return {"status": "COMPLETED" if job.done() else "IN_PROGRESS"}


@app.get("/requests/{request_id}")
def result(request_id: str) -> dict[str, str]:
    job = _jobs.pop(request_id, None)
    if job is None:
        raise HTTPException(404)
    return {"url": "data:image/png;base64," + base64.b64encode(job.result()).decode()}
