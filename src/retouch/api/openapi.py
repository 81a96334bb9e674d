"""The OpenAPI document and the pages that show it.

Routes that read their body themselves (to check the key first and parse off the event loop) name their request
model in ``openapi_extra``; the models are added to the document's components here, so every route publishes a
request schema. With auth on, the document and the docs page need a key unless the operator made them public.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from ..service.lifecycle import Caller
from .auth import caller_of
from .deps import settings_of


async def docs_caller(request: Request) -> Caller | None:
    return None if settings_of(request).public_docs else caller_of(request)


def install_openapi(app: FastAPI, models: list[type[BaseModel]]) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(_: Caller | None = Depends(docs_caller)) -> JSONResponse:
        return JSONResponse(build())

    @app.get("/docs", include_in_schema=False)
    async def docs_page(_: Caller | None = Depends(docs_caller)) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} API")
