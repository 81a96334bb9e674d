"""Operations: health, Prometheus metrics, the webhook JWKS, and per-key request history and usage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client import generate_latest

from ..jobs.base import Job
from ..service.lifecycle import Caller
from .auth import caller_of, get_caller
from .deps import OperationsDep, RequestsDep, settings_of
from .metrics import JOBS, REGISTRY, WORKERS_BUSY
from .urls import request_urls


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts else None


async def metrics_caller(request: Request) -> Caller | None:
    return None if settings_of(request).public_metrics else caller_of(request)


def healthz(operations: OperationsDep) -> dict[str, Any]:
    return operations.health()


def metrics(operations: OperationsDep, _: Caller | None = Depends(metrics_caller)) -> Response:
    counts = operations.counts()
    for status in ("IN_QUEUE", "IN_PROGRESS", "COMPLETED"):
        JOBS.labels(status=status).set(counts.get(status, 0))
    WORKERS_BUSY.set(operations.busy_workers)
    # Retouch's own registry, then the default one (engines count their model swaps there).
    body = generate_latest(REGISTRY) + generate_latest(DEFAULT_REGISTRY)
    return Response(body, media_type="text/plain; version=0.0.4")


async def jwks(operations: OperationsDep) -> dict[str, Any]:
    return operations.jwks()


def _history_item(request: Request, job: Job) -> dict[str, Any]:
    return {
        "request_id": job.id,
        "app_id": job.app_id,
        "status": job.status.value,
        "outcome": job.outcome.value if job.outcome else None,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "ended_at": _iso(job.finished_at),
        "prompt": job.payload.get("prompt"),
        "engine": job.payload.get("engine"),
        "cost": (job.result or {}).get("cost"),
        "images": (job.result or {}).get("images", []),
        **request_urls(request, job.app_id, job.id),
    }


async def history(
    request: Request,
    requests: RequestsDep,
    caller: Caller = Depends(get_caller),
    app_id: str | None = Query(default=None),
    limit: int = Query(default=50, ge=1, le=500),
    before: float | None = Query(default=None),
) -> dict[str, Any]:
    jobs = await run_in_threadpool(requests.history, caller, app_id, limit, before)
    next_before = jobs[-1].created_at if len(jobs) == limit else None
    return {
        "items": [_history_item(request, job) for job in jobs],
        "next_before": next_before,
        "has_more": next_before is not None,
    }


def usage(
    requests: RequestsDep,
    days: int = Query(default=30, ge=1, le=3660),
    all_keys: bool = Query(default=False, alias="all"),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    return requests.usage(caller, days, all_keys=all_keys)


ROUTES: list[tuple[str, Any, str]] = [
    ("/healthz", healthz, "Liveness and a summary of the queue"),
    ("/metrics", metrics, "Prometheus metrics (needs a key when auth is on, unless public_metrics)"),
    ("/.well-known/jwks.json", jwks, "Public keys that verify webhook signatures"),
    ("/requests", history, "This key's request history, newest first"),
    ("/usage", usage, "This key's usage and cost per UTC day (all keys for an admin: ?all=1)"),
]


def install_ops_routes(app: FastAPI) -> None:
    router = APIRouter(tags=["operations"])
    for path, endpoint, summary in ROUTES:
        router.add_api_route(path, endpoint, methods=["GET"], summary=summary)
    app.include_router(router)
