"""The object-store interface. Keys are unguessable, so a file URL is also a capability to read the file."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

# Path layout of file URLs served by this server: /files/{key}/{file_name}
FILE_URL_RE = re.compile(r"/files/(?P<key>[A-Za-z0-9_-]{16,64})/(?P<name>[^/?#]+)")


@dataclass
class StoredFile:
    key: str
    file_name: str
    content_type: str
    size: int
    owner: str | None
    created_at: float
    expires_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def new_key() -> str:
    return secrets.token_urlsafe(18)


def content_key(data: bytes, owner: str | None) -> str:
    """The key of an input stored by its content: the same bytes from the same key are stored once. The owner is
    part of the hash, so one key can not learn whether another key sent the same image."""
    digest = hashlib.sha256()
    digest.update((owner or "").encode() + b"\0")
    digest.update(data)
    return "c" + digest.hexdigest()[:40]


def file_path(key: str, file_name: str) -> str:
    """The URL path of a stored file (the API layer prefixes the server's base URL)."""
    return f"/files/{key}/{file_name}"


def key_from_url(url: str) -> str | None:
    match = FILE_URL_RE.search(url)
    return match.group("key") if match else None


class ObjectStore(Protocol):
    def put(
        self,
        data: bytes,
        *,
        file_name: str,
        content_type: str,
        owner: str | None,
        expires_at: float | None = None,
        key: str | None = None,
    ) -> StoredFile: ...

    def put_file(
        self,
        path: Path,
        *,
        file_name: str,
        content_type: str,
        owner: str | None,
        expires_at: float | None = None,
        key: str | None = None,
    ) -> StoredFile:
        """Stores a file written in ``staging_dir()`` (an upload streamed to disk); the file is moved or removed."""
        ...

    def staging_dir(self) -> Path:
        """Where uploads are spooled before ``put_file``: on the store's own file system where that matters."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file on this machine's disk, when the store keeps it there (served without copying), else None."""
        ...

    def get(self, key: str) -> tuple[bytes, StoredFile] | None:
        """The bytes and metadata of a file that exists and has not expired."""
        ...

    def meta(self, key: str) -> StoredFile | None: ...

    def delete(self, key: str) -> None: ...

    def sweep_expired(self, now: float) -> int:
        """Deletes files whose expiry has passed; returns how many."""
        ...
