"""Builds the FastAPI application around a Runtime."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..config import Settings
from ..runtime import Runtime, build_runtime
from ..schema.fal import EditInput, TextToImageInput
from ..schema.openai import ImageEditForm, ImageGenerateRequest, ImageStreamEvent
from .deps import ApiContext
from .errors import install_error_handlers
from .fast_path import FastPath
from .guard import RequestGuard
from .loop_monitor import LoopMonitor
from .metrics import HTTP_LATENCY, HTTP_REQUESTS
from .openapi import install_openapi
from .routes_admin import install_admin_routes
from .routes_fal import install_fal_app_routes, install_fal_request_routes
from .routes_openai import install_openai_routes
from .routes_ops import install_ops_routes
from .routes_playground import install_playground_routes
from .routes_storage import InitiateRequest, install_storage_routes
from .urls import on_queue_host
from .warmup import prepare_routes

log = logging.getLogger("retouch.api")


class RetouchApp(FastAPI):
    """FastAPI with status polls and result fetches answered in front of its middleware (``api/fast_path.py``)."""

    def build_middleware_stack(self) -> ASGIApp:
        return FastPath(super().build_middleware_stack())


class QueueHostMiddleware:
    """Serves the queue on a ``queue.<host>`` host name as the official clients' default layout has it, and counts
    every request in the metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = on_queue_host(scope)
            started = time.perf_counter()
            status_holder: dict[str, int] = {}

            async def send_wrapper(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    status_holder["status"] = message["status"]
                await send(message)

            try:
                await self.app(scope, receive, send_wrapper)  # type: ignore[arg-type]
            finally:
                route = scope.get("route")
                label = getattr(route, "path", "unmatched")
                HTTP_REQUESTS.labels(scope["method"], label, str(status_holder.get("status", 500))).inc()
                HTTP_LATENCY.labels(scope["method"], label).observe(time.perf_counter() - started)
            return
        await self.app(scope, receive, send)


# Request models of routes that read their own body (see api/body.py); they join the OpenAPI components.
DOCUMENTED_BODIES: list[type[BaseModel]] = [
    EditInput,
    TextToImageInput,
    InitiateRequest,
    ImageEditForm,
    ImageGenerateRequest,
    ImageStreamEvent,
]


def create_app(settings: Settings, *, runtime: Runtime | None = None, start_workers: bool = True) -> FastAPI:
    rt = runtime or build_runtime(settings)

    monitor = LoopMonitor()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_workers:
            rt.start()
        # The thread pool's first use imports anyio's backend on the loop, and FastAPI builds its routes on their
        # first request: pay for both now, not in a request.
        await anyio.to_thread.run_sync(lambda: None)
        prepare_routes(app)
        # Everything built so far (modules, engines, their tables) lives as long as the server: moved out of the
        # collector's reach, a full collection no longer walks it (tens of milliseconds on whichever thread, the
        # event loop's included, happens to trigger it).
        gc.collect()
        gc.freeze()
        monitor.start()
        try:
            yield
        finally:
            await monitor.stop()
            if start_workers:
                rt.stop()
            else:
                rt.close()

    app = RetouchApp(
        title="Retouch",
        version=__version__,
        lifespan=lifespan,
        description="Self-hostable image editing with fal's and OpenAI's image-edit APIs.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.context = ApiContext(settings=settings, requests=rt.service, operations=rt.operations, uploads=rt.uploads)
    app.state.runtime = rt  # for tests and embedding code; routes use only the context above
    app.state.loop_monitor = monitor
    install_error_handlers(app)
    for install in ROUTE_GROUPS:
        install(app)
    install_openapi(app, DOCUMENTED_BODIES)
    app.add_middleware(
        RequestGuard,
        max_concurrent=settings.max_concurrent_requests,
        body_timeout=settings.body_read_timeout_seconds,
        max_body_bytes=settings.max_request_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(QueueHostMiddleware)
    return app


# The route groups, in the order their paths are matched: status polls first (the most frequent requests), the
# fal app routes last.
ROUTE_GROUPS: list[Callable[[FastAPI], None]] = [
    install_fal_request_routes,
    install_ops_routes,
    install_admin_routes,
    install_storage_routes,
    install_openai_routes,
    install_playground_routes,
    install_fal_app_routes,
]
