"""The playground page at ``/`` and what it needs to know about this server."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from ..playground import STATIC_DIR


def install_playground_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/playground/config", tags=["playground"], summary="Engines, limits and auth, for the playground")
    async def config(request: Request) -> dict[str, Any]:
        rt = request.app.state.runtime
        return {
            "engines": rt.engines.names,
            "default_engine": rt.engines.default,
            "max_num_images": rt.settings.max_num_images,
            "auth": rt.settings.auth_enabled,
        }

    app.mount("/playground/static", StaticFiles(directory=STATIC_DIR), name="playground-static")
