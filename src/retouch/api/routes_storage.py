"""Storage in the flow the official clients use: token → upload bytes → URL; plus initiate → PUT; and file reads.

fal's clients send storage calls to fixed hosts (rest.fal.ai, v3.fal.media); the paths below are the ones they use,
so a proxy (or DNS) that sends those hosts here makes ``upload_file`` work unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response

from ..errors import InputError, NotFound, Unauthorized
from ..files.base import file_path, new_key
from ..service.lifecycle import Caller
from .auth import get_caller
from .urls import base_url

TOKEN_SECONDS = 3600
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def _secret(request: Request) -> bytes:
    secret: bytes = request.app.state.upload_secret
    return secret


def _make_token(request: Request, claims: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
    sig = hmac.new(_secret(request), body, hashlib.sha256).hexdigest()
    return f"{body.decode()}.{sig}"


def _read_token(request: Request, token: str) -> dict[str, Any]:
    body, _, sig = token.partition(".")
    expected = hmac.new(_secret(request), body.encode(), hashlib.sha256).hexdigest()
    if not sig or not hmac.compare_digest(sig, expected):
        raise Unauthorized("invalid upload token")
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    if claims.get("exp", 0) < time.time():
        raise Unauthorized("upload token expired")
    return claims


def _safe_name(name: str | None, content_type: str) -> str:
    ext = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}.get(content_type, "bin")
    cleaned = "".join(c for c in (name or "") if c.isalnum() or c in "._-")[:100]
    return cleaned or f"upload.{ext}"


def _store(request: Request, data: bytes, name: str, content_type: str, owner: str | None) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError("file", f"upload is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    files = request.app.state.runtime.files
    stored = files.put(data, file_name=name, content_type=content_type, owner=owner)
    return base_url(request) + file_path(stored.key, stored.file_name)


def install_storage_routes(app: FastAPI) -> None:
    router = APIRouter(tags=["storage"])

    @router.post("/storage/auth/token", summary="Short-lived upload token (fal CDN flow)")
    async def token(request: Request, caller: Caller = Depends(get_caller)) -> dict[str, Any]:
        exp = time.time() + TOKEN_SECONDS
        tok = _make_token(request, {"owner": caller.key_id, "exp": exp})
        return {
            "token": tok,
            "token_type": "Bearer",
            "base_url": base_url(request),
            "expires_at": datetime.fromtimestamp(exp, UTC).isoformat(),
        }

    @router.post("/files/upload", summary="Upload raw bytes with an upload token")
    async def upload(request: Request) -> dict[str, Any]:
        scheme, _, tok = (request.headers.get("authorization") or "").partition(" ")
        claims = _read_token(request, tok.strip()) if tok else None
        if claims is None:
            caller = get_caller(request)
            owner = caller.key_id
        else:
            owner = claims.get("owner")
        content_type = request.headers.get("content-type", "application/octet-stream").split(";")[0]
        name = _safe_name(request.headers.get("x-fal-file-name"), content_type)
        url = _store(request, await request.body(), name, content_type, owner)
        return {"access_url": url, "file_url": url, "content_type": content_type, "file_name": name}

    @router.post("/storage/upload/initiate", summary="Start a two-step upload (returns a PUT URL)")
    async def initiate(request: Request, caller: Caller = Depends(get_caller)) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        content_type = str(body.get("content_type") or "application/octet-stream")
        name = _safe_name(body.get("file_name"), content_type)
        key = new_key()
        tok = _make_token(
            request,
            {
                "owner": caller.key_id,
                "exp": time.time() + TOKEN_SECONDS,
                "key": key,
                "name": name,
                "ct": content_type,
            },
        )
        return {
            "upload_url": f"{base_url(request)}/storage/upload/put/{tok}",
            "file_url": base_url(request) + file_path(key, name),
        }

    @router.put("/storage/upload/put/{token}", summary="Second step of an initiated upload")
    async def put(token: str, request: Request) -> Response:
        claims = _read_token(request, token)
        data = await request.body()
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError("file", "upload is too large")
        request.app.state.runtime.files.put(
            data,
            file_name=claims["name"],
            content_type=claims["ct"],
            owner=claims.get("owner"),
            key=claims["key"],
        )
        return Response(status_code=200)

    @router.get("/files/{key}/{name}", summary="Read a stored file (its URL is the capability)")
    async def read(key: str, name: str, request: Request) -> Response:
        found = request.app.state.runtime.files.get(key)
        if found is None:
            raise NotFound("file not found")
        data, meta = found
        if request.headers.get("authorization"):
            caller = get_caller(request)
            if caller.key_id is not None and meta.owner not in (None, caller.key_id) and not caller.admin:
                raise NotFound("file not found")
        return Response(
            data,
            media_type=meta.content_type,
            headers={
                "Cache-Control": "private, max-age=86400",
                "Content-Disposition": f'inline; filename="{meta.file_name}"',
            },
        )

    app.include_router(router)
