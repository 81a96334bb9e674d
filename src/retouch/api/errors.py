"""Error shapes: fal's ``{"detail": ...}`` (+ ``X-Fal-Error-Type``) and OpenAI's ``{"error": {...}}`` under /v1/."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import QueueFull, RetouchError
from .openai_mapping import openai_field
from .sse import format_event, sse_response

OPENAI_PREFIX = "/v1/images"


def _is_openai(request: Request) -> bool:
    return request.url.path.startswith(OPENAI_PREFIX)


def _clean_validation(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors, minus its internals: union-branch tags leave the location, and of the errors one union
    field collects, only the most specific is kept ("must be a multiple of 16", not "is not a preset name")."""
    best: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    for err in errors:
        raw = list(err.get("loc", []))
        loc = [p for p in raw if not (isinstance(p, str) and ("[" in p or "(" in p))]
        field = tuple(loc[:3]) if len(loc) > 2 and isinstance(loc[2], int) else tuple(loc[:2])
        item = {
            "loc": loc,
            "msg": str(err.get("msg", "")).removeprefix("Value error, "),
            "type": str(err.get("type", "")),
        }
        depth = len(raw)
        if field not in best or depth > best[field][0]:
            best[field] = (depth, item)
    return [item for _, item in best.values()]


def openai_error(
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    err_type: str = "invalid_request_error",
) -> JSONResponse:
    body = {"error": {"message": message, "type": err_type, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def fal_error(status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    body = {k: v for k, v in payload.items() if k != "status_code"}
    hdrs = {"X-Fal-Error-Type": str(body.get("error_type", "internal_error")), **(headers or {})}
    return JSONResponse(body, status_code=status, headers=hdrs)


def _is_fal_stream(request: Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/stream") and not _is_openai(request)


def _fal_reply(
    request: Request, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """fal's error body; on ``POST …/stream`` as one SSE event with the same status: the Python client reads a stream
    without looking at the status and fails on anything that is not text/event-stream (httpx-sse's check), so a
    JSON 422 would reach the caller as "Expected response header Content-Type to contain 'text/event-stream'"
    instead of the validation error (this is what the route itself does for errors raised once it runs)."""
    reply = fal_error(status, payload, headers)
    if not _is_fal_stream(request):
        return reply
    body = {k: v for k, v in payload.items() if k != "status_code"}

    async def one() -> Any:
        yield format_event(body)

    hdrs = {k: v for k, v in reply.headers.items() if k.lower() not in ("content-length", "content-type")}
    return sse_response(one(), status_code=status, headers=hdrs)


def error_response(request: Request, exc: RetouchError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, QueueFull):
        headers["Retry-After"] = str(exc.retry_after)
    payload = exc.to_payload()
    if payload.get("error_type") == "request_timeout":
        headers["X-Fal-Request-Timeout-Type"] = "user"
    if _is_openai(request):
        detail = payload.get("detail")
        param = None
        message = exc.message
        if isinstance(detail, list) and detail:
            loc = detail[0].get("loc", [])
            param = openai_field(".".join(str(p) for p in loc[1:])) or None
            message = f"{param}: {detail[0].get('msg')}" if param else str(detail[0].get("msg"))
        # OpenAI answers invalid parameters with 400 (its SDK raises BadRequestError for it).
        status = 400 if exc.status_code == 422 else exc.status_code
        resp = openai_error(status, message, param=param, code=payload.get("error_type"))
        resp.headers.update(headers)
        return resp
    return _fal_reply(request, exc.status_code, payload, headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RetouchError)
    async def _retouch(request: Request, exc: RetouchError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = _clean_validation(list(exc.errors()))
        if _is_openai(request):
            first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
            param = openai_field(".".join(str(p) for p in first["loc"][1:])) or None
            message = str(first["msg"])
            return openai_error(400, f"{param}: {message}" if param else message, param=param)
        return _fal_reply(request, 422, {"detail": errors, "error_type": "validation_error"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_openai(request):
            return openai_error(exc.status_code, str(exc.detail))
        return _fal_reply(request, exc.status_code, {"detail": exc.detail, "error_type": "http_error"})
