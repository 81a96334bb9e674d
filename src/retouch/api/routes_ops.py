"""Operations: health, Prometheus metrics, the webhook JWKS, and per-key request history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client import generate_latest

from ..service.lifecycle import Caller
from .auth import get_caller
from .metrics import JOBS, REGISTRY, WORKERS_BUSY
from .urls import request_urls


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts else None


def metrics_caller(request: Request) -> Caller | None:
    settings = request.app.state.runtime.settings
    return None if settings.public_metrics else get_caller(request)


def install_ops_routes(app: FastAPI) -> None:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness and a summary of the queue")
    async def healthz(request: Request) -> dict[str, Any]:
        runtime = request.app.state.runtime
        return {
            "status": "ok",
            "queue": runtime.store.counts(),
            "engines": runtime.engines.names,
            "auth": runtime.settings.auth_enabled,
        }

    @router.get("/metrics", summary="Prometheus metrics (needs a key when auth is on, unless public_metrics)")
    async def metrics(request: Request, _: Caller | None = Depends(metrics_caller)) -> Response:
        runtime = request.app.state.runtime
        counts = runtime.store.counts()
        for status in ("IN_QUEUE", "IN_PROGRESS", "COMPLETED"):
            JOBS.labels(status=status).set(counts.get(status, 0))
        WORKERS_BUSY.set(runtime.pool.busy if runtime.pool else 0)
        # The engines count into the process's default registry (they know nothing of the API): both are served.
        body = generate_latest(REGISTRY) + generate_latest(DEFAULT_REGISTRY)
        return Response(body, media_type="text/plain; version=0.0.4")

    @router.get("/.well-known/jwks.json", summary="Public keys that verify webhook signatures")
    async def jwks(request: Request) -> dict[str, Any]:
        result: dict[str, Any] = request.app.state.runtime.signer.jwks()
        return result

    @router.get("/requests", summary="This key's request history, newest first")
    async def history(
        request: Request,
        caller: Caller = Depends(get_caller),
        app_id: str | None = Query(default=None),
        limit: int = Query(default=50, ge=1, le=500),
        before: float | None = Query(default=None),
    ) -> dict[str, Any]:
        runtime = request.app.state.runtime
        jobs = runtime.store.history(caller.key_id, app_id, limit, before)
        items = []
        for job in jobs:
            items.append(
                {
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
            )
        next_before = jobs[-1].created_at if len(jobs) == limit else None
        return {"items": items, "next_before": next_before, "has_more": next_before is not None}

    @router.get("/usage", summary="This key's usage and cost per UTC day (all keys for an admin: ?all=1)")
    def usage(
        request: Request,
        days: int = Query(default=30, ge=1, le=3660),
        all_keys: bool = Query(default=False, alias="all"),
        caller: Caller = Depends(get_caller),
    ) -> dict[str, Any]:
        import time

        everyone = all_keys and (caller.admin or caller.key_id is None)
        owner = None if everyone else (caller.key_id or "")
        rows = request.app.state.runtime.store.usage_by_day(owner, time.time() - days * 86400)
        totals = {k: sum(r[k] for r in rows) for k in ("requests", "images", "tokens")}
        return {
            "key": None if everyone else caller.key_id,
            "days": rows,
            "total": {**totals, "cost": round(sum(r["cost"] for r in rows), 6)},
            "currency": "USD",
        }

    app.include_router(router)
