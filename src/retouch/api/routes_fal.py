"""The fal protocol's routes for the gpt-image-2 apps: sync run, queue, stream, estimate; status (+ SSE), result and
cancel. Routes are registered from two tables: one row per route, expanded per app and per request root."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel

from ..errors import RetouchError
from ..jobs.base import Job, Status
from ..schema.fal import CancelReply, EditInput, EditOutput, QueueStatus, QueueSubmitted, TextToImageInput
from ..service.lifecycle import EDIT_APPS, GENERATE_APPS, Caller, RequestService, SubmitOptions
from .auth import get_caller
from .body import openapi_body, validate_json
from .deps import RequestsDep
from .fal_protocol import (
    REQUEST_ID_HEADER,
    known_id,
    one_event,
    result_response,
    small_result,
    status_body,
    stream_events,
    submit_options,
    wants_logs,
)
from .responses import FastJSONResponse
from .sse import format_event, sse_response
from .timing import timings
from .urls import request_urls


@dataclass(frozen=True)
class App:
    id: str
    kind: str  # "edit" | "text-to-image"
    body: type[BaseModel]

    @property
    def root(self) -> str:
        """Status, result and cancel live under owner/alias only."""
        return "/".join(self.id.split("/")[:2])


APPS = [App(a, "edit", EditInput) for a in sorted(EDIT_APPS)] + [
    App(a, "text-to-image", TextToImageInput) for a in sorted(GENERATE_APPS)
]
_APP_OF_ROUTE: dict[str, App] = {}  # route path -> the app it serves (filled when the routes are registered)


async def current_app(request: Request) -> App:
    return _APP_OF_ROUTE[request.scope["route"].path]


async def app_payload(
    request: Request, app: App = Depends(current_app), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    """The app's body, validated off the event loop, read only once the caller's key was checked."""
    clock = timings(request)
    with clock.phase("body"):
        raw = await request.body()
    with clock.phase("parse"):
        body = await run_in_threadpool(validate_json, app.body, raw)
    payload: dict[str, Any] = body.model_dump(mode="json")
    return payload


AppDep = Annotated[App, Depends(current_app)]
PayloadDep = Annotated[dict[str, Any], Depends(app_payload)]
CallerDep = Annotated[Caller, Depends(get_caller)]


# -- the app routes ----------------------------------------------------------------------------------------------
async def run(request: Request, requests: RequestsDep, app: AppDep, payload: PayloadDep, caller: CallerDep) -> Response:
    clock = timings(request)
    opts = submit_options(request, None)
    with clock.phase("submit"):
        job = await run_in_threadpool(requests.submit, app.id, payload, caller, opts)
    with clock.phase("run"):
        job = await requests.wait(job.id)
    try:
        with clock.phase("render"):
            response = await run_in_threadpool(result_response, job)
        response.headers["Server-Timing"] = clock.header()
        return response
    finally:
        if payload.get("sync_mode"):
            await run_in_threadpool(requests.forget, job)


async def submit(
    request: Request,
    requests: RequestsDep,
    app: AppDep,
    payload: PayloadDep,
    caller: CallerDep,
    fal_webhook: str | None = Query(default=None),
    fal_max_queue_length: int | None = Query(default=None, ge=0),
) -> FastJSONResponse:
    opts = submit_options(request, fal_webhook, max_queue_length=fal_max_queue_length)
    clock = timings(request)
    with clock.phase("submit"):
        # The place in the queue is read in the same trip to a thread as the submit: one hand-off, not two.
        job, position = await run_in_threadpool(_submit_and_place, requests, app.id, payload, caller, opts)
    urls = request_urls(request, app.id, job.id)
    reply = QueueSubmitted(
        request_id=job.id,
        gateway_request_id=job.id,
        queue_position=position,
        response_url=urls["response_url"],
        status_url=urls["status_url"],
        cancel_url=urls["cancel_url"],
    )
    return FastJSONResponse(reply.model_dump(), headers={REQUEST_ID_HEADER: job.id, "Server-Timing": clock.header()})


def _submit_and_place(
    requests: RequestService, app_id: str, payload: dict[str, Any], caller: Caller, opts: SubmitOptions
) -> tuple[Job, int]:
    job = requests.submit(app_id, payload, caller, opts)
    return job, requests.queue_position(job.id)


async def stream(
    request: Request, requests: RequestsDep, app: AppDep, payload: PayloadDep, caller: CallerDep
) -> Response:
    try:
        job, events = await requests.submit_streaming(app.id, payload, caller, submit_options(request, None))
    except RetouchError as exc:
        body = {k: v for k, v in exc.to_payload().items() if k != "status_code"}
        return sse_response(one_event(body), status_code=exc.status_code, headers={"X-Fal-Error-Type": exc.error_type})
    events_out = stream_events(requests, job.id, bool(payload.get("sync_mode")), events)
    return sse_response(events_out, headers={REQUEST_ID_HEADER: job.id})


async def estimate(requests: RequestsDep, app: AppDep, payload: PayloadDep, caller: CallerDep) -> FastJSONResponse:
    return FastJSONResponse(await run_in_threadpool(requests.estimate, app.id, payload, caller))


# -- the request routes ------------------------------------------------------------------------------------------
async def status(
    request_id: str, request: Request, requests: RequestsDep, caller: CallerDep, logs: str | None = Query(None)
) -> FastJSONResponse:
    known_id(request_id)
    clock = timings(request)
    with clock.phase("status"):
        view = await requests.status.poll(request_id, caller, with_logs=wants_logs(logs))
        body = status_body(request, view)
    code = 200 if view.job.status == Status.COMPLETED else 202
    headers = {REQUEST_ID_HEADER: request_id, "Server-Timing": clock.header()}
    return FastJSONResponse(body, status_code=code, headers=headers)


async def status_stream(
    request_id: str, request: Request, requests: RequestsDep, caller: CallerDep, logs: str | None = Query(None)
) -> Response:
    known_id(request_id)
    with_logs = wants_logs(logs)
    # An unknown or foreign id: 404 before the stream starts.
    await requests.status.now(request_id, caller, with_logs=with_logs)

    async def gen() -> AsyncIterator[bytes]:
        last = None
        async for event in requests.events(request_id, logs=with_logs):
            if event["type"] == "partial":
                continue
            body = status_body(request, await requests.status.now(request_id, caller, with_logs=with_logs))
            if body != last:
                last = body
                yield format_event(body)

    return sse_response(gen(), headers={REQUEST_ID_HEADER: request_id})


async def result(request_id: str, request: Request, requests: RequestsDep, caller: CallerDep) -> Response:
    known_id(request_id)
    job = requests.ended_in_memory(request_id, caller)
    if job is None:
        job = await run_in_threadpool(requests.get, request_id, caller)
    if job.status != Status.COMPLETED:
        return FastJSONResponse(
            {"detail": "Request is still in progress", "error_type": "request_in_progress"},
            status_code=400,
            headers={REQUEST_ID_HEADER: request_id},
        )
    try:
        # Outputs by URL make a few hundred bytes of JSON: encoded here. Inline images (data: URIs) in a thread.
        if small_result(job):
            return result_response(job)
        return await run_in_threadpool(result_response, job)
    except RetouchError as exc:
        from .errors import error_response

        response = error_response(request, exc)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


async def cancel(request_id: str, requests: RequestsDep, caller: CallerDep) -> FastJSONResponse:
    known_id(request_id)
    outcome = await run_in_threadpool(requests.cancel, request_id, caller)
    code = 404 if outcome.value == "NOT_FOUND" else 202 if outcome.value == "CANCELLATION_REQUESTED" else 400
    return FastJSONResponse(
        CancelReply(status=outcome.value).model_dump(), status_code=code, headers={REQUEST_ID_HEADER: request_id}
    )


# -- the tables ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RouteRow:
    path: str  # "{app}" / "{root}" are filled per app
    method: str
    endpoint: Callable[..., Any]
    summary: str
    response_model: type[BaseModel] | None = None


APP_ROUTES = [
    RouteRow("/{app}", "POST", run, "Run {app} ({kind}) and wait for the output", EditOutput),
    RouteRow("/queue/{app}", "POST", submit, "Queue a {kind} request", QueueSubmitted),
    RouteRow("/{app}/stream", "POST", stream, "Run and stream partial previews (SSE); the last event is the output"),
    RouteRow("/{app}/estimate", "POST", estimate, "Estimate usage and cost before running"),
]
# Each is served with and without the /queue prefix (the clients use both).
REQUEST_ROUTES = [
    RouteRow("/{root}/requests/{{request_id}}/status", "GET", status, "Request status", QueueStatus),
    RouteRow("/{root}/requests/{{request_id}}/status/stream", "GET", status_stream, "Request status as SSE"),
    RouteRow("/{root}/requests/{{request_id}}", "GET", result, "Request output (or its error)", EditOutput),
    RouteRow("/{root}/requests/{{request_id}}/cancel", "PUT", cancel, "Cancel a request", CancelReply),
]


def install_fal_request_routes(app: FastAPI) -> None:
    """Status, result and cancel: installed first, since status polls are the most frequent requests of all and
    routes are matched in order."""
    router = APIRouter()
    for root in sorted({served.root for served in APPS}):
        for prefix in ("/queue", ""):
            for row in REQUEST_ROUTES:
                router.add_api_route(
                    prefix + row.path.format(root=root),
                    row.endpoint,
                    methods=[row.method],
                    summary=row.summary,
                    response_model=row.response_model,
                    tags=[root],
                )
    app.include_router(router)


def install_fal_app_routes(app: FastAPI) -> None:
    router = APIRouter()
    for served in APPS:
        tags: list[str | Enum] = [served.id]
        for row in APP_ROUTES:
            path = row.path.format(app=served.id)
            _APP_OF_ROUTE[path] = served
            router.add_api_route(
                path,
                row.endpoint,
                methods=[row.method],
                summary=row.summary.format(app=served.id, kind=served.kind),
                response_model=row.response_model,
                tags=tags,
                openapi_extra=openapi_body(served.body),
            )
    app.include_router(router)
