"""URLs handed back to clients: built from the incoming request so they work through any host, port or prefix."""

from __future__ import annotations

from fastapi import Request
from starlette.types import Scope

from .deps import settings_of

QUEUE_PREFIX = "/queue"


def on_queue_host(scope: Scope) -> Scope:
    """The queue served on a ``queue.<host>`` host name, as the official clients' default layout has it: the path
    gains the /queue prefix, and the URLs handed back leave it out."""
    host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    path = scope.get("path", "")
    if not host.startswith("queue.") or path.startswith(QUEUE_PREFIX + "/"):
        return scope
    scope = dict(scope)
    scope["path"] = QUEUE_PREFIX + path
    scope["raw_path"] = (QUEUE_PREFIX + path).encode()
    scope["state"] = {**scope.get("state", {}), "queue_prefix": ""}
    return scope


def base_url(request: Request) -> str:
    configured = settings_of(request).public_url
    return (configured or str(request.base_url)).rstrip("/")


def queue_base(request: Request) -> str:
    """Where this request's queue URLs live: the /queue prefix, or none on the queue.* host layout."""
    prefix = request.scope.get("state", {}).get("queue_prefix")
    if prefix is None:
        prefix = QUEUE_PREFIX if request.url.path.startswith(QUEUE_PREFIX + "/") else QUEUE_PREFIX
    return base_url(request) + prefix


def app_root(app_id: str) -> str:
    """Status, result and cancel URLs use only owner/alias of the app id."""
    owner, alias = app_id.split("/")[:2]
    return f"{owner}/{alias}"


def request_urls(request: Request, app_id: str, request_id: str) -> dict[str, str]:
    root = f"{queue_base(request)}/{app_root(app_id)}/requests/{request_id}"
    return {"response_url": root, "status_url": f"{root}/status", "cancel_url": f"{root}/cancel"}
