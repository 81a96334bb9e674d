"""Storage in the flow the official clients use: token → upload bytes → URL; plus initiate → PUT; and file reads.

fal's clients send storage calls to fixed hosts (rest.fal.ai, v3.fal.media); the paths below are the ones they use,
so a proxy (or DNS) that sends those hosts here makes ``upload_file`` work unchanged. Upload bodies are streamed to
the store's staging area under the size limit, and refused as soon as their first bytes show they are not an image.
Files are served only as the image type their bytes show, with ``nosniff`` and a sandboxing content policy.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from ..errors import Unauthorized
from ..files.base import StoredFile, file_path
from ..imaging.sniff import HEAD_BYTES
from ..service.lifecycle import Caller
from ..service.uploads import UploadClaims, UploadService, safe_name, served_type
from .auth import caller_of, get_caller
from .body import json_body, openapi_body
from .deps import UploadsDep, settings_of
from .urls import base_url

# Stored files are images; if a browser is pointed at one it may show it, and nothing else.
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
    "Cross-Origin-Resource-Policy": "same-site",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, max-age=86400",
}
_RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class TokenReply(BaseModel):
    token: str
    token_type: str = "Bearer"
    base_url: str
    expires_at: str = Field(description="ISO-8601 with a time zone, as the clients require")


class UploadReply(BaseModel):
    access_url: str
    file_url: str
    content_type: str
    file_name: str


class InitiateRequest(BaseModel):
    file_name: str | None = Field(default=None, max_length=1000)
    content_type: str | None = Field(default=None, max_length=200, description="Informative: the bytes decide")


class InitiateReply(BaseModel):
    upload_url: str
    file_url: str


async def _spool(request: Request, uploads: UploadService) -> tuple[Path, bytes]:
    """Streams the body to a staging file; refuses a non-image as soon as its first bytes arrive."""
    path = uploads.files.staging_dir() / f"{uuid.uuid4().hex}.part"
    head = b""
    checked = False
    handle = await anyio.open_file(path, "wb")
    try:
        async for chunk in request.stream():
            if not checked:
                head += chunk[: HEAD_BYTES - len(head)]
                if len(head) >= HEAD_BYTES:
                    uploads.check_head(head)
                    checked = True
            await handle.write(chunk)
        if not checked:
            uploads.check_head(head)
    except BaseException:
        await handle.aclose()
        path.unlink(missing_ok=True)
        raise
    await handle.aclose()
    return path, head


def _file_url(request: Request, stored: StoredFile) -> str:
    return base_url(request) + file_path(stored.key, stored.file_name)


async def token(request: Request, uploads: UploadsDep, caller: Caller = Depends(get_caller)) -> TokenReply:
    tok, exp = uploads.issue(UploadClaims(owner=caller.key_id, kind="upload"))
    return TokenReply(token=tok, base_url=base_url(request), expires_at=datetime.fromtimestamp(exp, UTC).isoformat())


async def upload(request: Request, uploads: UploadsDep) -> UploadReply:
    owner = _upload_owner(request, uploads)
    path, head = await _spool(request, uploads)
    name = request.headers.get("x-fal-file-name")
    stored = await run_in_threadpool(lambda: uploads.store_staged(path, head, file_name=name, owner=owner))
    url = _file_url(request, stored)
    return UploadReply(access_url=url, file_url=url, content_type=stored.content_type, file_name=stored.file_name)


def _upload_owner(request: Request, uploads: UploadService) -> str | None:
    """Whose upload this is: from an upload token (the fal CDN flow), else from an API key as anywhere else."""
    scheme, _, tok = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and "." in tok:
        try:
            return uploads.verify(tok, "upload").owner
        except Unauthorized:
            if not settings_of(request).auth_enabled:
                raise
            # not a token of ours: perhaps an API key sent as a Bearer
    return caller_of(request).key_id


async def initiate(
    request: Request,
    uploads: UploadsDep,
    body: InitiateRequest = Depends(json_body(InitiateRequest)),
    caller: Caller = Depends(get_caller),
) -> InitiateReply:
    key, name, tok = uploads.initiate(caller, body.file_name)
    return InitiateReply(
        upload_url=f"{base_url(request)}/storage/upload/put/{tok}", file_url=base_url(request) + file_path(key, name)
    )


async def put(token: str, request: Request, uploads: UploadsDep) -> Response:
    claims = uploads.verify(token, "put")
    path, head = await _spool(request, uploads)
    await run_in_threadpool(
        lambda: uploads.store_staged(path, head, file_name=claims.name, owner=claims.owner, key=claims.key)
    )
    return Response(status_code=200)


async def read(key: str, name: str, request: Request, uploads: UploadsDep) -> Response:
    caller = caller_of(request) if request.headers.get("authorization") else None
    meta = await run_in_threadpool(uploads.readable, key, caller)
    local = await run_in_threadpool(uploads.files.local_path, key)
    if local is not None:
        head = await run_in_threadpool(_read_head, local)
        return FileResponse(local, media_type=_media(meta, head), headers=_headers(meta, head))
    found = await run_in_threadpool(uploads.files.get, key)
    if found is None:
        return Response(status_code=404)
    data, meta = found
    return Response(data, media_type=_media(meta, data[:HEAD_BYTES]), headers=_headers(meta, data[:HEAD_BYTES]))


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


def _media(meta: StoredFile, head: bytes) -> str:
    return served_type(meta, head) or "application/octet-stream"


def _headers(meta: StoredFile, head: bytes) -> dict[str, str]:
    """An image is shown inline; anything else an older version stored is only offered as a download."""
    name = safe_name(meta.file_name) or "file"
    disposition = "inline" if served_type(meta, head) else "attachment"
    return {
        **FILE_HEADERS,
        "Content-Disposition": f"{disposition}; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
    }


def install_storage_routes(app: FastAPI) -> None:
    router = APIRouter(tags=["storage"])
    router.add_api_route(
        "/storage/auth/token", token, methods=["POST"], summary="Short-lived upload token (fal CDN flow)"
    )
    router.add_api_route(
        "/files/upload",
        upload,
        methods=["POST"],
        summary="Upload an image's raw bytes with an upload token (or an API key)",
        openapi_extra=_RAW_BODY,
    )
    router.add_api_route(
        "/storage/upload/initiate",
        initiate,
        methods=["POST"],
        summary="Start a two-step upload (returns a PUT URL)",
        openapi_extra=openapi_body(InitiateRequest),
    )
    router.add_api_route(
        "/storage/upload/put/{token}",
        put,
        methods=["PUT"],
        summary="Second step of an initiated upload: the image's raw bytes",
        openapi_extra=_RAW_BODY,
    )
    router.add_api_route(
        "/files/{key}/{name}", read, methods=["GET"], summary="Read a stored file (its URL is the capability)"
    )
    app.include_router(router)
