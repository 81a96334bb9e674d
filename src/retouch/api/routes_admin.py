"""Operator controls (admin keys only; everyone when auth is off on a local server).

Pause/resume the queue, see what is queued and running, cancel any request, drain this node's workers before a
shutdown. The queue state lives in the job store, so pausing holds for every worker on every host.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel

from ..errors import Forbidden
from ..jobs.base import Status
from ..service.lifecycle import Caller
from .auth import get_caller


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
    settings = request.app.state.runtime.settings
    hosts = LOOPBACK_NAMES | {settings.host.lower()} | {h.lower() for h in settings.allowed_hosts}
    if settings.public_url:
        hosts.add(_hostname(settings.public_url))
    return hosts


def local_admin_guard(request: Request) -> None:
    """With auth off, anyone who reaches the server is an admin, and a web page the operator visits can reach a
    server on 127.0.0.1 too (a cross-site form post, or DNS rebinding to a name of the attacker's). So the admin
    routes answer only requests whose Host names this server and which no other site's page sent."""
    if request.app.state.runtime.settings.auth_enabled:
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


def admin_caller(request: Request, caller: Caller = Depends(get_caller)) -> Caller:
    if caller.key_id is not None and not caller.admin:
        raise Forbidden("this operation needs an admin key")
    local_admin_guard(request)
    return Caller(key_id=caller.key_id, admin=True)


def _state(request: Request) -> QueueControlReply:
    rt = request.app.state.runtime
    counts = rt.store.counts()
    return QueueControlReply(
        paused=rt.store.is_paused(),
        queued=counts.get(Status.IN_QUEUE.value, 0),
        running=counts.get(Status.IN_PROGRESS.value, 0),
    )


def install_admin_routes(app: FastAPI) -> None:
    router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(admin_caller)])

    @router.get("/queue", summary="Queued and running requests, in the order they will run")
    def queue(request: Request, limit: int = Query(default=200, ge=1, le=5000)) -> dict[str, Any]:
        rt = request.app.state.runtime
        now = time.time()
        jobs = []
        for job in rt.store.active(limit):
            queued = job.status == Status.IN_QUEUE
            jobs.append(
                {
                    "request_id": job.id,
                    "status": job.status.value,
                    "app_id": job.app_id,
                    "key": job.owner,
                    "engine": job.payload.get("engine"),
                    "priority": "low" if job.priority else "normal",
                    "age_seconds": round(now - job.created_at, 3),
                    "running_seconds": round(now - job.started_at, 3) if job.started_at and not queued else None,
                    "queue_position": rt.store.queue_position(job.id) if queued else None,
                    "worker": job.worker,
                    "attempts": job.attempts,
                }
            )
        return {**_state(request).model_dump(), "jobs": jobs}

    @router.post("/queue/pause", summary="Stop starting queued requests (running ones finish)")
    def pause(request: Request) -> QueueControlReply:
        request.app.state.runtime.store.set_paused(True)
        return _state(request)

    @router.post("/queue/resume", summary="Start queued requests again")
    def resume(request: Request) -> QueueControlReply:
        rt = request.app.state.runtime
        rt.store.set_paused(False)
        if rt.pool is not None:
            rt.pool.notify()
        return _state(request)

    @router.put("/requests/{request_id}/cancel", summary="Cancel any request, whichever key sent it")
    def cancel(request_id: str, request: Request, caller: Caller = Depends(admin_caller)) -> dict[str, str]:
        outcome = request.app.state.runtime.service.cancel(request_id, caller)
        return {"status": outcome.value}

    @router.post("/workers/drain", summary="This node takes no new jobs; running ones finish")
    def drain(request: Request) -> dict[str, Any]:
        pool = request.app.state.runtime.pool
        if pool is not None:
            pool.drain()
        return {"draining": pool is not None, "running": pool.busy if pool else 0}

    @router.post("/workers/resume", summary="This node takes jobs again after a drain")
    def undrain(request: Request) -> dict[str, Any]:
        pool = request.app.state.runtime.pool
        if pool is not None:
            pool.undrain()
        return {"draining": False, "running": pool.busy if pool else 0}

    app.include_router(router)
