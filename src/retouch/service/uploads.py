"""Uploads in the flows the official clients use, and who may read a stored file.

Upload tokens are HMAC-signed claims (who uploads, until when, and for an initiated upload which key and name), so
any API host of a deployment can verify them with the shared secret. Every upload is an image sniffed from its
bytes; its stored type and name come from that, never from the sender.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, NotFound, Unauthorized
from ..files.base import ObjectStore, StoredFile, new_key
from ..imaging.sniff import ACCEPTED, IMAGE_TYPES, describe, extension_for, sniff_image_type
from .lifecycle import Caller

TOKEN_SECONDS = 3600
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class UploadClaims:
    owner: str | None
    kind: str  # "upload": raw bytes to /files/upload; "put": the PUT of one initiated upload
    key: str | None = None
    name: str | None = None


def safe_name(name: str | None, content_type: str | None = None) -> str:
    """An ASCII file name ending in the extension of the stored type (the name is shown, never trusted)."""
    cleaned = _NAME_CHARS.sub("", (name or "").replace(" ", "_"))[:100].strip(".")
    stem = cleaned.rsplit(".", 1)[0] if "." in cleaned else cleaned
    if content_type is None:
        return cleaned or "upload"
    return f"{stem or 'upload'}.{extension_for(content_type)}"


class UploadService:
    def __init__(self, files: ObjectStore, secret: bytes, *, max_bytes: int, retention_seconds: float) -> None:
        self.files = files
        self.secret = secret
        self.max_bytes = max_bytes
        self.retention_seconds = retention_seconds

    # -- tokens ------------------------------------------------------------------------------------------------
    def issue(self, claims: UploadClaims, *, seconds: float = TOKEN_SECONDS) -> tuple[str, float]:
        exp = time.time() + seconds
        doc = {"owner": claims.owner, "kind": claims.kind, "key": claims.key, "name": claims.name, "exp": exp}
        body = base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).rstrip(b"=")
        sig = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        return f"{body.decode()}.{sig}", exp

    def verify(self, token: str, kind: str) -> UploadClaims:
        body, _, sig = token.strip().partition(".")
        expected = hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()
        if not sig or not hmac.compare_digest(sig.encode(), expected.encode()):
            raise Unauthorized("invalid upload token")
        try:
            doc: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            exp = float(doc["exp"])
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise Unauthorized("invalid upload token") from exc
        if exp < time.time():
            raise Unauthorized("upload token expired")
        if doc.get("kind", "upload") != kind or (kind == "put" and not (doc.get("key") and doc.get("name"))):
            raise Unauthorized(f"this token is not for this kind of upload ({kind})")
        return UploadClaims(owner=doc.get("owner"), kind=kind, key=doc.get("key"), name=doc.get("name"))

    def initiate(self, caller: Caller, file_name: str | None) -> tuple[str, str, str]:
        """(key, name, PUT token) for a two-step upload; the name's extension is fixed when the bytes arrive."""
        key = new_key()
        name = safe_name(file_name)
        token, _ = self.issue(UploadClaims(owner=caller.key_id, kind="put", key=key, name=name))
        return key, name, token

    # -- storing -----------------------------------------------------------------------------------------------
    def check_head(self, head: bytes, field: str = "file") -> str:
        """The sniffed image type of an upload, from its first bytes; anything else is refused."""
        content_type = sniff_image_type(head)
        if content_type is None:
            raise InputError(field, f"uploads must be images ({ACCEPTED}); this file is {describe(head)}")
        return content_type

    def store_staged(
        self, path: Path, head: bytes, *, file_name: str | None, owner: str | None, key: str | None = None
    ) -> StoredFile:
        try:
            content_type = self.check_head(head)
        except InputError:
            path.unlink(missing_ok=True)
            raise
        expires = time.time() + self.retention_seconds if self.retention_seconds else None
        return self.files.put_file(
            path,
            file_name=safe_name(file_name, content_type),
            content_type=content_type,
            owner=owner,
            expires_at=expires,
            key=key,
        )

    # -- reading -----------------------------------------------------------------------------------------------
    def readable(self, key: str, caller: Caller | None) -> StoredFile:
        """A file's URL is a capability; a caller who shows a key must be its owner (or an admin)."""
        meta = self.files.meta(key)
        if meta is None:
            raise NotFound("file not found")
        if caller is not None and caller.key_id is not None and meta.owner not in (None, caller.key_id):
            if not caller.admin:
                raise NotFound("file not found")
        return meta


def served_type(meta: StoredFile, head: bytes) -> str | None:
    """The type a stored file is served as: an image type Retouch reads, checked against the bytes; else None."""
    sniffed = sniff_image_type(head)
    if meta.content_type in IMAGE_TYPES and sniffed == meta.content_type:
        return meta.content_type
    return sniffed
