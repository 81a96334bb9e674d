"""The playground page at ``/`` and what it needs to know about this server."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from ..playground import STATIC_DIR
from .deps import OperationsDep, SettingsDep


def install_playground_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/playground/config", tags=["playground"], summary="Engines, limits and auth, for the playground")
    async def config(operations: OperationsDep, settings: SettingsDep) -> dict[str, Any]:
        return {
            "engines": operations.engine_names,
            "default_engine": operations.default_engine,
            "max_num_images": settings.max_num_images,
            "auth": settings.auth_enabled,
        }

    app.mount("/playground/static", StaticFiles(directory=STATIC_DIR), name="playground-static")
