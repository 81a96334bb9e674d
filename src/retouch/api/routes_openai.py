"""OpenAI's Images API: ``POST /v1/images/edits`` (multipart) and ``POST /v1/images/generations`` (JSON).

Both go through the same request service as the fal routes (queue, workers, pricing, exact masks); only the
shapes differ. Uploaded images are kept in this server's storage for the caller, so the queued payload holds
URLs, not megabytes of base64.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from ..errors import InputError, RetouchError
from ..files.base import file_path
from ..imaging.mask import mask_from_openai_alpha
from ..service.lifecycle import Caller, RequestService, SubmitOptions
from ..service.validate import header_size
from .auth import get_caller
from .openai_mapping import images_response, map_common, png_mask_from_alpha, reencode_b64, usage_of, validate
from .sse import sse_response
from .urls import base_url

EDIT_APP = "openai/gpt-image-2/edit"
GENERATE_APP = "openai/gpt-image-2"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _service(request: Request) -> RequestService:
    service: RequestService = request.app.state.runtime.service
    return service


async def _read_upload(upload: UploadFile, field: str) -> bytes:
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(field, f"file is larger than {MAX_UPLOAD_BYTES} bytes")
    if not data:
        raise InputError(field, "file is empty")
    return data


def _store(request: Request, data: bytes, name: str, content_type: str, caller: Caller) -> str:
    files = request.app.state.runtime.files
    ttl = request.app.state.runtime.settings.result_ttl_seconds
    stored = files.put(
        data,
        file_name=name,
        content_type=content_type,
        owner=caller.key_id,
        expires_at=time.time() + ttl if ttl else None,
    )
    return base_url(request) + file_path(stored.key, name)


async def _edit_payload(request: Request, caller: Caller) -> tuple[dict[str, Any], dict[str, Any]]:
    form = await request.form(max_files=32, max_fields=64)
    uploads = [v for k, v in form.multi_items() if k in ("image", "image[]") and isinstance(v, UploadFile)]
    fields = {k: v for k, v in form.multi_items() if not isinstance(v, UploadFile)}
    if not uploads:
        raise InputError("image", "at least one image file is required (field 'image' or 'image[]')")
    payload = map_common(fields, generate=False)
    max_pixels = request.app.state.runtime.settings.max_input_pixels
    urls, first_size = [], None
    for i, upload in enumerate(uploads):
        data = await _read_upload(upload, f"image[{i}]")
        size = header_size(data, f"image_urls.{i}", max_pixels)
        first_size = first_size or size
        urls.append(_store(request, data, upload.filename or f"image-{i}.png", upload.content_type or "", caller))
    payload["image_urls"] = urls
    mask = form.get("mask")
    if isinstance(mask, UploadFile):
        from ..imaging.decode import decode_image

        raw = decode_image(await _read_upload(mask, "mask"), field="mask", max_pixels=max_pixels)
        white_black = mask_from_openai_alpha(raw, expected_size=first_size, field="mask")
        payload["mask_image_url"] = _store(request, png_mask_from_alpha(white_black), "mask.png", "image/png", caller)
    return payload, fields


def _options(request: Request, *, sync: bool) -> SubmitOptions:
    return SubmitOptions(base_url=base_url(request), in_history=not sync)


async def _run(
    request: Request, app_id: str, payload: dict[str, Any], fields: dict[str, Any], caller: Caller
) -> Response:
    generate = app_id == GENERATE_APP
    as_url = str(fields.get("response_format") or "b64_json") == "url"
    background = "transparent" if str(fields.get("background") or "") == "transparent" else "opaque"
    payload = validate({**payload, "sync_mode": not as_url}, generate=generate)
    service = _service(request)
    if str(fields.get("stream") or "").lower() in ("true", "1"):
        partials = int(fields.get("partial_images") or 0)
        job, events = await service.submit_streaming(app_id, payload, caller, _options(request, sync=True))
        return sse_response(_stream(service, job.id, events, payload, partials, generate, background))
    job = await service.run_and_wait(app_id, payload, caller, _options(request, sync=not as_url))
    try:
        result = RequestService.raise_for_job(job)
    finally:
        if not as_url:
            service.forget(job)
    return JSONResponse(images_response(result, payload, as_url=as_url, background=background))


async def _stream(
    service: RequestService,
    job_id: str,
    events: AsyncIterator[dict[str, Any]],
    payload: dict[str, Any],
    partials: int,
    generate: bool,
    background: str,
) -> AsyncIterator[bytes]:
    kind = "image_generation" if generate else "image_edit"
    fmt = payload.get("output_format", "png")
    common = {"background": background, "output_format": fmt, "quality": payload.get("quality", "high")}
    sent = 0
    async for event in events:
        if event["type"] == "partial" and sent < partials:
            body = {
                "type": f"{kind}.partial_image",
                "b64_json": reencode_b64(event["url"], fmt),
                "created_at": int(time.time()),
                "partial_image_index": sent,
                "size": f"{event['width']}x{event['height']}",
                **common,
            }
            sent += 1
            yield _sse(body)
    job = service.store.get(job_id)
    if job is None:
        return
    try:
        result = RequestService.raise_for_job(job)
        for image in result["images"]:
            yield _sse(
                {
                    "type": f"{kind}.completed",
                    "b64_json": image["url"].split(",", 1)[1],
                    "created_at": int(time.time()),
                    "size": f"{image['width']}x{image['height']}",
                    "usage": usage_of(result),
                    **common,
                }
            )
    except RetouchError as exc:
        yield _sse(
            {
                "type": "error",
                "error": {
                    "message": exc.message,
                    "type": "invalid_request_error",
                    "param": None,
                    "code": exc.error_type,
                },
            }
        )
    finally:
        service.forget(job)


def _sse(body: dict[str, Any]) -> bytes:
    return f"event: {body['type']}\ndata: {json.dumps(body)}\n\n".encode()


def install_openai_routes(app: FastAPI) -> None:
    router = APIRouter(prefix="/v1", tags=["openai"])

    @router.post("/images/edits", summary="OpenAI-compatible image edit (multipart)")
    async def edits(request: Request, caller: Caller = Depends(get_caller)) -> Response:
        payload, fields = await _edit_payload(request, caller)
        return await _run(request, EDIT_APP, payload, fields, caller)

    @router.post("/images/generations", summary="OpenAI-compatible text-to-image (JSON)")
    async def generations(request: Request, caller: Caller = Depends(get_caller)) -> Response:
        try:
            fields = await request.json()
        except ValueError as exc:
            raise InputError("body", "the body is not valid JSON") from exc
        if not isinstance(fields, dict):
            raise InputError("body", "the body must be a JSON object")
        payload = map_common(fields, generate=True)
        return await _run(request, GENERATE_APP, payload, fields, caller)

    @router.get("/models", summary="Models (engines) this server offers")
    async def models(request: Request) -> dict[str, Any]:
        engines = request.app.state.runtime.engines.names
        return {"object": "list", "data": [{"id": n, "object": "model", "owned_by": "retouch"} for n in engines]}

    app.include_router(router)
