"""A local stand-in for OpenAI's images API, on 127.0.0.1, for tests of the ``openai`` engine.

It speaks the same wire protocol (multipart or JSON in; JSON or server-sent events out), checks the bearer key,
records every request, and can be scripted to fail (``fail_next``) so retries and error mapping can be tested.
Its "edit" is deterministic: the first image resized to the requested size, with the pixels the mask marks as
editable (alpha 0) painted in ``EDIT_COLOUR``; a generation is a solid image of that colour.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from PIL import Image

EDIT_COLOUR = (255, 0, 255)
USAGE = {
    "input_tokens": 50,
    "input_tokens_details": {"image_tokens": 40, "text_tokens": 10},
    "output_tokens": 272,
    "total_tokens": 322,
}


@dataclass
class Recorded:
    path: str
    authorization: str
    fields: dict[str, Any]
    files: dict[str, list[bytes]]


@dataclass
class StandIn:
    key: str
    requests: list[Recorded] = field(default_factory=list)
    failures: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    stream_delay: float = 0.0
    base_url: str = ""

    def fail_next(
        self,
        status: int,
        message: str = "boom",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
        self.failures.append((status, body, headers or {}))


def _png(image: Image.Image, fmt: str = "png") -> str:
    buf = io.BytesIO()
    image.convert("RGB" if fmt == "jpeg" else image.mode).save(buf, {"jpeg": "JPEG", "webp": "WEBP"}.get(fmt, "PNG"))
    return base64.b64encode(buf.getvalue()).decode()


def _size(value: str, fallback: tuple[int, int]) -> tuple[int, int]:
    if not value or value == "auto":
        return fallback
    w, h = value.split("x")
    return int(w), int(h)


def _render(fields: dict[str, Any], files: dict[str, list[bytes]]) -> Image.Image:
    images = files.get("image") or files.get("image[]") or []
    if not images:
        return Image.new("RGB", _size(str(fields.get("size", "auto")), (1024, 1024)), EDIT_COLOUR)
    first = Image.open(io.BytesIO(images[0])).convert("RGB")
    out = first.copy()
    if files.get("mask"):
        mask = Image.open(io.BytesIO(files["mask"][0])).convert("RGBA").getchannel("A")
        editable = mask.point(lambda v: 255 if v == 0 else 0)
        out.paste(Image.new("RGB", out.size, EDIT_COLOUR), (0, 0), editable)
    return out.resize(_size(str(fields.get("size", "auto")), out.size))


def build_app(state: StandIn) -> FastAPI:
    app = FastAPI()

    async def handle(request: Request, prefix: str) -> Response:
        fields: dict[str, Any] = {}
        files: dict[str, list[bytes]] = {}
        if request.headers.get("content-type", "").startswith("multipart/"):
            form = await request.form()
            for name, value in form.multi_items():
                if hasattr(value, "read"):
                    files.setdefault(name, []).append(await value.read())
                else:
                    fields[name] = value
        else:
            fields = await request.json()
        auth = request.headers.get("authorization", "")
        state.requests.append(Recorded(request.url.path, auth, fields, files))
        if state.failures:
            status, body, headers = state.failures.pop(0)
            return JSONResponse(body, status_code=status, headers=headers)
        if auth != f"Bearer {state.key}":
            shown = auth.removeprefix("Bearer ")
            message = f"Incorrect API key provided: {shown[:3]}***{shown[-4:]}. You can find your API key at ..."
            body = {
                "error": {"message": message, "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}
            }
            return JSONResponse(body, status_code=401)
        n = int(fields.get("n", 1))
        fmt = str(fields.get("output_format", "png"))
        image = _render(fields, files)
        stream = str(fields.get("stream", "false")).lower() == "true"
        if not stream:
            return JSONResponse(
                {
                    "created": 1,
                    "data": [{"b64_json": _png(image, fmt)} for _ in range(n)],
                    "output_format": fmt,
                    "usage": USAGE,
                }
            )
        partials = int(fields.get("partial_images", 0))

        async def events() -> AsyncIterator[bytes]:
            for i in range(partials):
                await asyncio.sleep(state.stream_delay)
                preview = image.resize((max(1, image.width // 4), max(1, image.height // 4)))
                event = {
                    "type": f"{prefix}.partial_image",
                    "b64_json": _png(preview),
                    "partial_image_index": i,
                    "output_format": fmt,
                    "created_at": 1,
                    "size": "auto",
                    "quality": "low",
                    "background": "opaque",
                }
                yield f"event: {prefix}.partial_image\ndata: {json.dumps(event)}\n\n".encode()
            done = {
                "type": f"{prefix}.completed",
                "b64_json": _png(image, fmt),
                "usage": USAGE,
                "created_at": 1,
                "output_format": fmt,
                "size": "auto",
                "quality": "high",
                "background": "opaque",
            }
            yield f"event: {prefix}.completed\ndata: {json.dumps(done)}\n\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/v1/images/edits")
    async def edits(request: Request) -> Response:
        return await handle(request, "image_edit")

    @app.post("/v1/images/generations")
    async def generations(request: Request) -> Response:
        return await handle(request, "image_generation")

    return app


class StandInServer:
    """Runs the stand-in under uvicorn in a thread on a free loopback port; use as a context manager."""

    def __init__(self, key: str) -> None:
        self.state = StandIn(key=key)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        self.state.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(build_app(self.state), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> StandIn:
        self._thread.start()
        for _ in range(200):
            if self._server.started:
                break
            threading.Event().wait(0.02)
        return self.state

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()
