"""The fal protocol for the gpt-image-2 apps: sync run, queue, status (+ SSE), result, cancel, stream, estimate."""

import json
import math
import re
from collections.abc import AsyncIterator
from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from ..errors import InputError, NotFound, RetouchError
from ..jobs.base import Status
from ..schema.fal import CancelReply, EditInput, EditOutput, QueueSubmitted, TextToImageInput
from ..service.lifecycle import EDIT_APPS, GENERATE_APPS, Caller, JobView, RequestService, SubmitOptions
from .auth import get_caller
from .body import json_body, openapi_body
from .sse import format_event, sse_response
from .urls import base_url, request_urls

REQUEST_ID_HEADER = "X-Fal-Request-Id"
# Request ids are UUIDs; anything else names no request (and is never echoed into a header).
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


def known_id(request_id: str) -> str:
    if not _REQUEST_ID.fullmatch(request_id):
        raise NotFound(f"request {request_id[:100]!r} not found")
    return request_id


def _service(request: Request) -> RequestService:
    service: RequestService = request.app.state.runtime.service
    return service


def _lifecycle_preference(request: Request) -> float | None:
    raw = request.headers.get("x-fal-object-lifecycle-preference")
    if not raw:
        return None
    field = "X-Fal-Object-Lifecycle-Preference"
    try:
        seconds = json.loads(raw).get("expiration_duration_seconds")
        value = float(seconds) if seconds is not None and not isinstance(seconds, bool) else None
    except (ValueError, AttributeError, TypeError, OverflowError) as exc:
        raise InputError(field, 'must be JSON like {"expiration_duration_seconds": 3600}') from exc
    if seconds is not None and (value is None or not math.isfinite(value) or value <= 0):
        raise InputError(field, "expiration_duration_seconds must be a positive, finite number of seconds")
    return value


def _submit_options(
    request: Request, webhook: str | None, *, history: bool = True, max_queue_length: int | None = None
) -> SubmitOptions:
    priority = 1 if request.headers.get("x-fal-queue-priority", "").lower() == "low" else 0
    timeout_header = request.headers.get("x-fal-request-timeout")
    start_timeout = None
    if timeout_header:
        try:
            start_timeout = float(timeout_header)
        except ValueError as exc:
            raise InputError("X-Fal-Request-Timeout", "must be a number of seconds") from exc
    if request.headers.get("x-fal-store-io") == "0":
        history = False
    return SubmitOptions(
        base_url=base_url(request),
        webhook_url=webhook,
        priority=priority,
        in_history=history,
        start_timeout=start_timeout,
        max_queue_length=max_queue_length,
        retention_seconds=_lifecycle_preference(request),
    )


def status_body(request: Request, view: JobView) -> dict[str, Any]:
    job = view.job
    body: dict[str, Any] = {
        "status": job.status.value,
        "request_id": job.id,
        **request_urls(request, job.app_id, job.id),
    }
    logs = None
    if view.logs is not None:
        logs = [
            {
                "message": line.message,
                "level": line.level,
                "source": line.source,
                "timestamp": _iso(line.timestamp),
            }
            for line in view.logs
        ]
    if job.status == Status.IN_QUEUE:
        body["queue_position"] = view.position or 0
    else:
        body["logs"] = logs
    if job.status == Status.COMPLETED:
        body["metrics"] = job.metrics or {}
        if job.error:
            detail = job.error.get("detail")
            body["error"] = detail if isinstance(detail, str) else json.dumps(detail)
            body["error_type"] = job.error.get("error_type")
    elif logs is not None:
        body["logs"] = logs
    return body


def _iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).isoformat()


def _result_response(job_view_job: Any) -> JSONResponse:
    headers = {REQUEST_ID_HEADER: job_view_job.id}
    result = RequestService.raise_for_job(job_view_job)
    return JSONResponse(result, headers=headers)


def _add_app_routes(router: APIRouter, app_id: str, model: type[BaseModel]) -> None:
    generate = app_id in GENERATE_APPS
    read_body = Depends(json_body(model))

    async def run(
        request: Request,
        body: BaseModel = read_body,
        caller: Caller = Depends(get_caller),
        fal_webhook: str | None = Query(default=None),
    ) -> Response:
        service = _service(request)
        payload = body.model_dump(mode="json")
        job = await service.run_and_wait(app_id, payload, caller, _submit_options(request, None))
        try:
            response = await run_in_threadpool(_result_response, job)
        finally:
            if payload.get("sync_mode"):
                await run_in_threadpool(service.forget, job)
        return response

    async def submit(
        request: Request,
        body: BaseModel = read_body,
        caller: Caller = Depends(get_caller),
        fal_webhook: str | None = Query(default=None),
        fal_max_queue_length: int | None = Query(default=None, ge=0),
    ) -> JSONResponse:
        service = _service(request)
        opts = _submit_options(request, fal_webhook, max_queue_length=fal_max_queue_length)
        job = await run_in_threadpool(service.submit, app_id, body.model_dump(mode="json"), caller, opts)
        position = service.store.queue_position(job.id) or 0
        urls = request_urls(request, app_id, job.id)
        reply = QueueSubmitted(
            request_id=job.id,
            gateway_request_id=job.id,
            queue_position=position,
            response_url=urls["response_url"],
            status_url=urls["status_url"],
            cancel_url=urls["cancel_url"],
        )
        return JSONResponse(reply.model_dump(), headers={REQUEST_ID_HEADER: job.id})

    async def stream(
        request: Request,
        body: BaseModel = read_body,
        caller: Caller = Depends(get_caller),
    ) -> Response:
        service = _service(request)
        payload = body.model_dump(mode="json")
        try:
            job, events = await service.submit_streaming(app_id, payload, caller, _submit_options(request, None))
        except RetouchError as exc:
            payload = {k: v for k, v in exc.to_payload().items() if k != "status_code"}
            return sse_response(
                _one(payload), status_code=exc.status_code, headers={"X-Fal-Error-Type": exc.error_type}
            )
        return sse_response(
            _stream_events(service, job.id, bool(payload.get("sync_mode")), events),
            headers={REQUEST_ID_HEADER: job.id},
        )

    async def estimate(
        request: Request,
        body: BaseModel = read_body,
        caller: Caller = Depends(get_caller),
    ) -> JSONResponse:
        reply = await run_in_threadpool(_service(request).estimate, app_id, body.model_dump(mode="json"), caller)
        return JSONResponse(reply)

    documented = openapi_body(model)

    kind = "text-to-image" if generate else "edit"
    router.add_api_route(
        f"/{app_id}",
        run,
        methods=["POST"],
        response_model=EditOutput,
        summary=f"Run {app_id} ({kind}) and wait for the output",
        tags=[app_id],
        openapi_extra=documented,
    )
    router.add_api_route(
        f"/queue/{app_id}",
        submit,
        methods=["POST"],
        response_model=QueueSubmitted,
        summary=f"Queue a {kind} request",
        tags=[app_id],
        openapi_extra=documented,
    )
    router.add_api_route(
        f"/{app_id}/stream",
        stream,
        methods=["POST"],
        summary="Run and stream partial previews (SSE); the last event is the output",
        tags=[app_id],
        openapi_extra=documented,
    )
    router.add_api_route(
        f"/{app_id}/estimate",
        estimate,
        methods=["POST"],
        summary="Estimate usage and cost before running",
        tags=[app_id],
        openapi_extra=documented,
    )


async def _one(payload: dict[str, Any]) -> AsyncIterator[bytes]:
    yield format_event(payload)


async def _stream_events(
    service: RequestService, job_id: str, sync_mode: bool, events: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[bytes]:
    async for event in events:
        if event["type"] == "partial":
            yield format_event(
                {
                    "images": [
                        {
                            "url": event["url"],
                            "content_type": "image/jpeg",
                            "width": event["width"],
                            "height": event["height"],
                        }
                    ],
                    "partial": True,
                    "index": event["index"],
                }
            )
        elif event["type"] == "log":
            yield format_event({"logs": [{"message": event["message"], "level": event["level"]}], "partial": True})
    job = service.store.get(job_id)
    if job is None:
        return
    try:
        yield format_event(RequestService.raise_for_job(job))
    except RetouchError as exc:
        yield format_event({k: v for k, v in exc.to_payload().items() if k != "status_code"})
    finally:
        if sync_mode:
            service.forget(job)


def _add_request_routes(router: APIRouter, root: str) -> None:
    """Status/result/cancel under owner/alias; served with and without the /queue prefix."""

    async def status(
        request_id: str,
        request: Request,
        caller: Caller = Depends(get_caller),
        logs: str | None = Query(default=None),
    ) -> JSONResponse:
        known_id(request_id)
        with_logs = (logs or "").lower() in ("1", "true", "yes")
        view = _service(request).view(request_id, caller, with_logs=with_logs)
        code = 200 if view.job.status == Status.COMPLETED else 202
        return JSONResponse(status_body(request, view), status_code=code, headers={REQUEST_ID_HEADER: request_id})

    async def status_stream(
        request_id: str,
        request: Request,
        caller: Caller = Depends(get_caller),
        logs: str | None = Query(default=None),
    ) -> Response:
        known_id(request_id)
        service = _service(request)
        with_logs = (logs or "").lower() in ("1", "true", "yes")
        service.get(request_id, caller)

        async def gen() -> AsyncIterator[bytes]:
            last = None
            async for event in service.events(request_id):
                if event["type"] == "partial":
                    continue
                body = status_body(request, service.view(request_id, caller, with_logs=with_logs))
                if body != last:
                    last = body
                    yield format_event(body)

        return sse_response(gen(), headers={REQUEST_ID_HEADER: request_id})

    async def result(request_id: str, request: Request, caller: Caller = Depends(get_caller)) -> Response:
        known_id(request_id)
        job = _service(request).get(request_id, caller)
        if job.status != Status.COMPLETED:
            return JSONResponse(
                {"detail": "Request is still in progress", "error_type": "request_in_progress"},
                status_code=400,
                headers={REQUEST_ID_HEADER: request_id},
            )
        try:
            return _result_response(job)
        except RetouchError as exc:
            from .errors import error_response

            response = error_response(request, exc)
            response.headers[REQUEST_ID_HEADER] = request_id
            return response

    async def cancel(request_id: str, request: Request, caller: Caller = Depends(get_caller)) -> JSONResponse:
        known_id(request_id)
        outcome = _service(request).cancel(request_id, caller)
        code = 404 if outcome.value == "NOT_FOUND" else 202 if outcome.value == "CANCELLATION_REQUESTED" else 400
        return JSONResponse(
            CancelReply(status=outcome.value).model_dump(),
            status_code=code,
            headers={REQUEST_ID_HEADER: request_id},
        )

    for prefix in ("/queue", ""):
        base = f"{prefix}/{root}/requests/{{request_id}}"
        tags: list[str | Enum] = [root]
        router.add_api_route(f"{base}/status", status, methods=["GET"], tags=tags, summary="Request status")
        router.add_api_route(
            f"{base}/status/stream",
            status_stream,
            methods=["GET"],
            tags=tags,
            summary="Request status as server-sent events",
        )
        router.add_api_route(base, result, methods=["GET"], tags=tags, summary="Request output (or its error)")
        router.add_api_route(f"{base}/cancel", cancel, methods=["PUT"], tags=tags, summary="Cancel a request")


def install_fal_routes(app: FastAPI) -> None:
    router = APIRouter()
    for app_id in sorted(EDIT_APPS):
        _add_app_routes(router, app_id, EditInput)
    for app_id in sorted(GENERATE_APPS):
        _add_app_routes(router, app_id, TextToImageInput)
    for root in sorted({"/".join(a.split("/")[:2]) for a in EDIT_APPS | GENERATE_APPS}):
        _add_request_routes(router, root)
    app.include_router(router)


__all__ = ["install_fal_routes", "NotFound"]
