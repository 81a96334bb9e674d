"""``Authorization: Key <secret>`` (fal) or ``Bearer <secret>`` (OpenAI) → the caller's key id."""

from __future__ import annotations

import hmac

from fastapi import Request

from ..config import Settings
from ..errors import Unauthorized
from ..service.lifecycle import Caller
from .deps import settings_of


def caller_from_header(settings: Settings, header: str | None) -> Caller:
    if not settings.auth_enabled:
        return Caller()
    if not header:
        raise Unauthorized("missing Authorization header (use 'Authorization: Key <your key>')")
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() not in ("key", "bearer") or not secret:
        raise Unauthorized("Authorization must be 'Key <your key>' or 'Bearer <your key>'")
    secret = secret.strip()
    for key in settings.keys:
        if hmac.compare_digest(key.secret.encode(), secret.encode()):
            return Caller(key_id=key.id, admin=key.admin)
    raise Unauthorized("unknown API key")


def caller_of(request: Request) -> Caller:
    return caller_from_header(settings_of(request), request.headers.get("authorization"))


async def get_caller(request: Request) -> Caller:
    """The caller, as a dependency (a coroutine, so FastAPI does not send it to a thread)."""
    return caller_of(request)
