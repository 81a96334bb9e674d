"""Operator controls (admin keys only; everyone when auth is off on a local server).

Pause/resume the queue, see what is queued and running, cancel any request, drain this node's workers before a
shutdown. The queue state lives in the job store, so pausing holds for every worker on every host.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel

from ..errors import RetouchError
from ..jobs.base import Status
from ..service.lifecycle import Caller
from .auth import get_caller


class Forbidden(RetouchError):
    status_code = 403
    error_type = "forbidden"


class QueueControlReply(BaseModel):
    paused: bool
    queued: int
    running: int


def admin_caller(caller: Caller = Depends(get_caller)) -> Caller:
    if caller.key_id is not None and not caller.admin:
        raise Forbidden("this operation needs an admin key")
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
