"""What routes may use, as typed dependencies: the settings and the services. Routes never see the runtime, the
stores, the pool or an engine; they ask the service layer, as vLLM's OpenAI entrypoints ask their serving objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from ..config import Settings
from ..service.lifecycle import Caller, RequestService
from ..service.operations import Operations
from ..service.uploads import UploadService


@dataclass(frozen=True)
class ApiContext:
    settings: Settings
    requests: RequestService
    operations: Operations
    uploads: UploadService


def api_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.context
    return context


def settings_of(request: Request) -> Settings:
    return api_context(request).settings


# The dependencies are coroutines: FastAPI runs a plain function dependency in a worker thread, a hop that costs
# more than the lookup itself on every request (a status poll among them).
async def get_settings(request: Request) -> Settings:
    return api_context(request).settings


async def get_requests(request: Request) -> RequestService:
    return api_context(request).requests


async def get_operations(request: Request) -> Operations:
    return api_context(request).operations


async def get_uploads(request: Request) -> UploadService:
    return api_context(request).uploads


SettingsDep = Annotated[Settings, Depends(get_settings)]
RequestsDep = Annotated[RequestService, Depends(get_requests)]
OperationsDep = Annotated[Operations, Depends(get_operations)]
UploadsDep = Annotated[UploadService, Depends(get_uploads)]

__all__ = [
    "ApiContext",
    "Caller",
    "OperationsDep",
    "RequestsDep",
    "SettingsDep",
    "UploadsDep",
    "api_context",
    "get_operations",
    "get_requests",
    "get_settings",
    "get_uploads",
    "settings_of",
]
