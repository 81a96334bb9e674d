"""Object store in a local directory: the embedded default.

Each file is two entries: the bytes and a small JSON sidecar. Both are written to a temporary name and renamed, so a
crash never leaves a half-written file under a real key. A process that dies (kill -9, out of memory) loses nothing
written: the data is in the kernel's cache. Surviving a power cut needs ``fsync`` as well, which costs milliseconds
per file on most disks: ``durable_files: true`` turns it on, matching ``sqlite_synchronous: FULL`` for the database.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from ..errors import StorageError
from .base import StoredFile, new_key

STAGING_MAX_AGE_SECONDS = 24 * 3600


class LocalObjectStore:
    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = False) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.root.mkdir(parents=True, exist_ok=True)

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.bin", folder / f"{key}.json"

    def put(
        self,
        data: bytes,
        *,
        file_name: str,
        content_type: str,
        owner: str | None,
        expires_at: float | None = None,
        key: str | None = None,
    ) -> StoredFile:
        key = key or new_key()
        meta = StoredFile(
            key=key,
            file_name=file_name,
            content_type=content_type,
            size=len(data),
            owner=owner,
            created_at=time.time(),
            expires_at=expires_at,
        )
        blob, side = self._paths(key)
        try:
            blob.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(blob, data, self.fsync)
            _atomic_write(side, json.dumps(meta.to_json()).encode(), self.fsync)
        except OSError as exc:
            raise StorageError(f"could not store file: {exc.strerror or exc}") from exc
        return meta

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
        key = key or new_key()
        blob, side = self._paths(key)
        try:
            meta = StoredFile(key, file_name, content_type, path.stat().st_size, owner, time.time(), expires_at)
            blob.parent.mkdir(parents=True, exist_ok=True)
            if self.fsync:
                with open(path, "rb+") as fh:
                    os.fsync(fh.fileno())
            os.replace(path, blob)
            _atomic_write(side, json.dumps(meta.to_json()).encode(), self.fsync)
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise StorageError(f"could not store file: {exc.strerror or exc}") from exc
        return meta

    def staging_dir(self) -> Path:
        folder = self.root / ".staging"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def meta(self, key: str) -> StoredFile | None:
        _, side = self._paths(key)
        try:
            meta = StoredFile(**json.loads(side.read_bytes()))
        except (OSError, ValueError, TypeError):
            return None
        if meta.expires_at is not None and meta.expires_at < time.time():
            return None  # expired: gone for readers even before the sweep deletes it
        return meta

    def local_path(self, key: str) -> Path | None:
        blob, _ = self._paths(key)
        return blob if self.meta(key) is not None and blob.exists() else None

    def get(self, key: str) -> tuple[bytes, StoredFile] | None:
        meta = self.meta(key)
        if meta is None:
            return None
        blob, _ = self._paths(key)
        try:
            return blob.read_bytes(), meta
        except OSError:
            return None

    def delete(self, key: str) -> None:
        for path in self._paths(key):
            path.unlink(missing_ok=True)

    def sweep_expired(self, now: float) -> int:
        removed = 0
        for side in self.root.glob("*/*.json"):
            try:
                expires = json.loads(side.read_bytes()).get("expires_at")
                due = expires is not None and float(expires) < now
            except (OSError, ValueError, TypeError, AttributeError):
                continue
            if due:
                self.delete(side.stem)
                removed += 1
        for stale in self.staging_dir().glob("*"):  # uploads a crash left half-written
            try:
                if stale.stat().st_mtime < now - STAGING_MAX_AGE_SECONDS:
                    stale.unlink()
            except OSError:
                continue
        return removed


def _atomic_write(path: Path, data: bytes, fsync: bool) -> None:
    # A name no other writer uses: two requests may store the same content-addressed input at the same moment.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
