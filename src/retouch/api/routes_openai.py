"""OpenAI's Images API: ``POST /v1/images/edits`` (multipart) and ``POST /v1/images/generations`` (JSON).

Both go through the same request service as the fal routes (queue, workers, pricing, exact masks); only the
shapes differ (``schema/openai.py``). Forms are parsed and checked in a worker thread; uploaded images are handed to
the service, which stores them only once the request is accepted, so the queued payload holds references.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import ValidationError

from ..errors import InputError, RetouchError
from ..imaging.decode import decode_image
from ..imaging.mask import mask_from_openai_alpha
from ..schema.openai import (
    ErrorResponse,
    ImageEditForm,
    ImageGenerateRequest,
    ImageParams,
    ImagesResponse,
    ModelCard,
    ModelList,
)
from ..service.lifecycle import Caller, RequestService, SubmitOptions
from ..service.validate import header_size
from .auth import get_caller
from .body import json_body, openapi_body
from .deps import OperationsDep, RequestsDep, SettingsDep
from .multipart import parse_form
from .openai_mapping import images_response, map_common, png_mask_from_alpha, reencode_b64, usage_of, validate
from .responses import FastJSONResponse
from .sse import sse_response
from .urls import base_url

EDIT_APP = "openai/gpt-image-2/edit"
GENERATE_APP = "openai/gpt-image-2"
MAX_IMAGES = 16
# Stand-ins for uploaded files in the schema check; the service takes the files themselves (``uploads``) and stores
# them only once the request is accepted.
_PLACEHOLDER = "https://upload.invalid/{}"


@dataclass
class EditRequest:
    params: ImageEditFields
    uploads: dict[str, bytes]


class ImageEditFields(ImageParams):
    """The form fields of an edit (the files travel beside them)."""


def _read_edit(body: bytes, content_type: str, max_pixels: int) -> EditRequest:
    """Parses and checks an edit form, in a worker thread: nothing is stored here."""
    form = parse_form(body, content_type, max_parts=MAX_IMAGES + 32)
    images = [part for part in form.files if part.name in ("image", "image[]")]
    if not images:
        raise InputError("image", "at least one image file is required (field 'image' or 'image[]')")
    for part in form.files:
        if part.name not in ("image", "image[]", "mask"):  # e.g. OpenAI's `markup` guide: never silently dropped
            raise InputError(part.name, "this server does not take this file; send the region to change as a mask")
    if len(images) > MAX_IMAGES:
        raise InputError("image", f"at most {MAX_IMAGES} images")
    try:
        params = ImageEditFields.model_validate(form.fields)
    except ValidationError as exc:
        raise _first_error(exc) from None
    uploads: dict[str, bytes] = {}
    first_size = None
    for i, part in enumerate(images):
        if not part.data:
            raise InputError(f"image_urls.{i}", "file is empty")
        size = header_size(part.data, f"image_urls.{i}", max_pixels)
        first_size = first_size or size
        uploads[f"image_urls.{i}"] = part.data
    mask = next((part for part in form.files if part.name == "mask"), None)
    if mask is not None:
        raw = decode_image(mask.data, field="mask_image_url", max_pixels=max_pixels)
        white_black = mask_from_openai_alpha(raw, expected_size=first_size, field="mask_image_url")
        uploads["mask_image_url"] = png_mask_from_alpha(white_black)
    return EditRequest(params=params, uploads=uploads)


def _first_error(exc: ValidationError) -> InputError:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
    return InputError(loc, str(err.get("msg", "invalid value")))


def _options(request: Request, *, sync: bool) -> SubmitOptions:
    return SubmitOptions(base_url=base_url(request), in_history=not sync)


async def _run(
    request: Request,
    service: RequestService,
    app_id: str,
    params: ImageParams,
    caller: Caller,
    uploads: dict[str, bytes] | None = None,
) -> Response:
    generate = app_id == GENERATE_APP
    as_url = params.response_format == "url"
    background = "transparent" if (params.background or "").lower() == "transparent" else "opaque"
    payload = map_common(params, generate=generate)
    if uploads:
        payload["image_urls"] = [
            _PLACEHOLDER.format(i) for i in range(sum(k.startswith("image_urls.") for k in uploads))
        ]
        if "mask_image_url" in uploads:
            payload["mask_image_url"] = _PLACEHOLDER.format("mask")
    payload = validate({**payload, "sync_mode": not as_url}, generate=generate)
    if params.stream:
        job, events = await service.submit_streaming(app_id, payload, caller, _options(request, sync=True), uploads)
        return sse_response(_stream(service, job.id, events, payload, params.partial_images, generate, background))
    job = await service.run_and_wait(app_id, payload, caller, _options(request, sync=not as_url), uploads)
    try:
        result = RequestService.raise_for_job(job)
        reply = await run_in_threadpool(images_response, result, payload, as_url=as_url, background=background)
    finally:
        if not as_url:
            await run_in_threadpool(service.forget, job)
    return FastJSONResponse(reply)


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
                "b64_json": await run_in_threadpool(reencode_b64, event["url"], fmt),
                "created_at": int(time.time()),
                "partial_image_index": sent,
                "size": f"{event['width']}x{event['height']}",
                **common,
            }
            sent += 1
            yield _sse(body)
    job = await run_in_threadpool(service.finished, job_id)
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
        await run_in_threadpool(service.forget, job)


def _sse(body: dict[str, Any]) -> bytes:
    return f"event: {body['type']}\ndata: {json.dumps(body)}\n\n".encode()


async def edits(
    request: Request, requests: RequestsDep, settings: SettingsDep, caller: Caller = Depends(get_caller)
) -> Response:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    edit = await run_in_threadpool(_read_edit, body, content_type, settings.max_input_pixels)
    return await _run(request, requests, EDIT_APP, edit.params, caller, edit.uploads)


async def generations(
    request: Request,
    requests: RequestsDep,
    body: ImageGenerateRequest = Depends(json_body(ImageGenerateRequest)),
    caller: Caller = Depends(get_caller),
) -> Response:
    return await _run(request, requests, GENERATE_APP, body, caller)


async def models(operations: OperationsDep) -> ModelList:
    return ModelList(data=[ModelCard(id=name) for name in operations.engine_names])


_ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorResponse}, 401: {"model": ErrorResponse}}
_STREAM = {"text/event-stream": {"schema": {"$ref": "#/components/schemas/ImageStreamEvent"}}}


def install_openai_routes(app: FastAPI) -> None:
    router = APIRouter(prefix="/v1", tags=["openai"])
    router.add_api_route(
        "/images/edits",
        edits,
        methods=["POST"],
        summary="OpenAI-compatible image edit (multipart)",
        response_model=ImagesResponse,
        responses={**_ERRORS, 200: {"content": _STREAM}},
        openapi_extra=openapi_body(ImageEditForm, media_type="multipart/form-data"),
    )
    router.add_api_route(
        "/images/generations",
        generations,
        methods=["POST"],
        summary="OpenAI-compatible text-to-image (JSON)",
        response_model=ImagesResponse,
        responses={**_ERRORS, 200: {"content": _STREAM}},
        openapi_extra=openapi_body(ImageGenerateRequest),
    )
    router.add_api_route("/models", models, methods=["GET"], summary="Models (engines) this server offers")
    app.include_router(router)
