"""Request bodies read after the caller is known, and parsed off the event loop.

FastAPI would read and parse a declared body before any dependency runs, on the event loop: a wrong key would still
cost the whole upload, and a large JSON document would stall every other request while it parsed. Routes here
declare their body through ``json_body(Model)`` instead: the key is checked first, the bytes arrive under the size
limit, and parsing plus validation run in a worker thread. The model still documents the route in OpenAPI
(``openapi_body``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from ..service.lifecycle import Caller
from .auth import get_caller

M = TypeVar("M", bound=BaseModel)


def validate_json(model: type[M], raw: bytes) -> M:
    if not raw.strip():
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "a JSON body is required"}])
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = []
        for detail in exc.errors(include_url=False, include_input=False):
            err: dict[str, Any] = {**detail, "loc": ("body", *detail.get("loc", ()))}
            if err.get("type") == "misnamed_field":  # raised for the whole body; the field it names is the place
                err["loc"] = ("body", (detail.get("ctx") or {}).get("field", ""))
            if err.get("type") == "json_invalid":
                err["msg"] = "the body is not valid JSON"
            elif err.get("type") == "model_type":
                err["msg"] = "the body must be a JSON object"
            errors.append(err)
        raise RequestValidationError(errors) from None


def json_body(model: type[M]) -> Callable[..., Awaitable[M]]:
    """A dependency giving the validated body; it depends on the caller, so auth is settled before reading."""

    async def read(request: Request, caller: Caller = Depends(get_caller)) -> M:
        raw = await request.body()
        return await run_in_threadpool(validate_json, model, raw)

    return read


def openapi_body(model: type[BaseModel], *, media_type: str = "application/json") -> dict[str, Any]:
    """``openapi_extra`` that documents ``model`` as the route's request body (components are added by the app)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {media_type: {"schema": ref}}}}
