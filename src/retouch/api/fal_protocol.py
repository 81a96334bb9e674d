"""fal's protocol details, apart from the routes: request ids, the headers a submit carries, the status body, the
events of a stream. Field names and rules are the official clients' (docs/protocol.md)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from ..errors import InputError, NotFound, RetouchError
from ..jobs.base import Job, Status
from ..service.lifecycle import RequestService, SubmitOptions
from ..service.status_views import JobView
from .responses import FastJSONResponse
from .sse import format_event
from .urls import base_url, request_urls

REQUEST_ID_HEADER = "X-Fal-Request-Id"
# Request ids are UUIDs; anything else names no request (and is never echoed into a header).
_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


def known_id(request_id: str) -> str:
    if not _REQUEST_ID.fullmatch(request_id):
        raise NotFound(f"request {request_id[:100]!r} not found")
    return request_id


def lifecycle_preference(request: Request) -> float | None:
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


def submit_options(
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
        retention_seconds=lifecycle_preference(request),
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
    return datetime.fromtimestamp(ts, UTC).isoformat()


def wants_logs(value: str | None) -> bool:
    """``?logs=``: Python's client sends true/false, the JS client 1/0."""
    return (value or "").lower() in ("1", "true", "yes")


def small_result(job: Job) -> bool:
    """Outputs by URL: a few hundred bytes of JSON, cheap enough to encode on the event loop (inline data: URIs
    are megabytes)."""
    images = (job.result or {}).get("images") or []
    return len(images) <= 16 and all(len(str(image.get("url", ""))) < 4096 for image in images)


def result_response(job: Job) -> FastJSONResponse:
    """A completed job's output (or its stored error, raised for the error handlers)."""
    return FastJSONResponse(RequestService.raise_for_job(job), headers={REQUEST_ID_HEADER: job.id})


async def one_event(payload: dict[str, Any]) -> AsyncIterator[bytes]:
    yield format_event(payload)


async def stream_events(
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
    job = await run_in_threadpool(service.finished, job_id)
    if job is None:
        return
    try:
        yield format_event(RequestService.raise_for_job(job))
    except RetouchError as exc:
        yield format_event({k: v for k, v in exc.to_payload().items() if k != "status_code"})
    finally:
        if sync_mode:
            await run_in_threadpool(service.forget, job)
