"""Operator controls (admin keys only; everyone when auth is off on a local server).

Pause/resume the queue, see what is queued and running, cancel any request, drain this node's workers before a
shutdown. The queue state lives in the job store, so pausing holds for every worker on every host.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel

from ..errors import Forbidden
from ..service.lifecycle import Caller
from ..service.operations import QueueState
from .auth import get_caller
from .deps import OperationsDep, RequestsDep, settings_of


class QueueControlReply(BaseModel):
    paused: bool
    queued: int
    running: int


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _hostname(value: str) -> str:
    """The host part of a Host header or an origin, lower-cased, without port or brackets."""
    value = value.strip().lower().split("://", 1)[-1].split("/", 1)[0]
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _allowed_hosts(request: Request) -> set[str]:
    settings = settings_of(request)
    hosts = LOOPBACK_NAMES | {settings.host.lower()} | {h.lower() for h in settings.allowed_hosts}
    if settings.public_url:
        hosts.add(_hostname(settings.public_url))
    return hosts


def local_admin_guard(request: Request) -> None:
    """With auth off, anyone who reaches the server is an admin, and a web page the operator visits can reach a
    server on 127.0.0.1 too (a cross-site form post, or DNS rebinding to a name of the attacker's). So the admin
    routes answer only requests whose Host names this server and which no other site's page sent."""
    if settings_of(request).auth_enabled:
        return
    allowed = _allowed_hosts(request)
    if _hostname(request.headers.get("host", "")) not in allowed:
        raise Forbidden("admin routes answer only requests to this server's own host names (see allowed_hosts)")
    origin = request.headers.get("origin")
    if origin is not None and _hostname(origin) not in allowed:
        raise Forbidden("admin routes refuse requests sent by another site's page")
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("admin routes refuse requests sent by another site's page")
    form_types = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
    if request.method != "GET" and request.headers.get("content-type", "").startswith(form_types):
        raise Forbidden("admin routes do not take form posts")


async def admin_caller(request: Request, caller: Caller = Depends(get_caller)) -> Caller:
    if caller.key_id is not None and not caller.admin:
        raise Forbidden("this operation needs an admin key")
    local_admin_guard(request)
    return Caller(key_id=caller.key_id, admin=True)


def _reply(state: QueueState) -> QueueControlReply:
    return QueueControlReply(paused=state.paused, queued=state.queued, running=state.running)


def queue(operations: OperationsDep, limit: int = Query(default=200, ge=1, le=5000)) -> dict[str, Any]:
    jobs = [asdict(job) for job in operations.queue(limit)]
    return {**_reply(operations.state()).model_dump(), "jobs": jobs}


def pause(operations: OperationsDep) -> QueueControlReply:
    return _reply(operations.pause())


def resume(operations: OperationsDep) -> QueueControlReply:
    return _reply(operations.resume())


def cancel(request_id: str, requests: RequestsDep, caller: Caller = Depends(admin_caller)) -> dict[str, str]:
    return {"status": requests.cancel(request_id, caller).value}


def drain(operations: OperationsDep) -> dict[str, Any]:
    draining, running = operations.drain()
    return {"draining": draining, "running": running}


def undrain(operations: OperationsDep) -> dict[str, Any]:
    return {"draining": False, "running": operations.undrain()}


ROUTES: list[tuple[str, str, Any, str]] = [
    ("/queue", "GET", queue, "Queued and running requests, in the order they will run"),
    ("/queue/pause", "POST", pause, "Stop starting queued requests (running ones finish)"),
    ("/queue/resume", "POST", resume, "Start queued requests again"),
    ("/requests/{request_id}/cancel", "PUT", cancel, "Cancel any request, whichever key sent it"),
    ("/workers/drain", "POST", drain, "This node takes no new jobs; running ones finish"),
    ("/workers/resume", "POST", undrain, "This node takes jobs again after a drain"),
]


def install_admin_routes(app: FastAPI) -> None:
    router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(admin_caller)])
    for path, method, endpoint, summary in ROUTES:
        router.add_api_route(path, endpoint, methods=[method], summary=summary)
    app.include_router(router)
