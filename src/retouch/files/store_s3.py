"""S3-compatible object store: the distributed shape. Any host can read what another stored.

Files stay behind the API (``/files/{key}/{name}``), which streams them from the bucket: URLs stay stable, the
bucket needs no public access, and expiry is enforced by the server. Metadata travels as the object's own metadata;
expiry is also written as an object tag so a bucket lifecycle rule can delete expired outputs on its own.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from ..errors import StorageError
from .base import StoredFile, new_key

log = logging.getLogger("retouch.files")


class S3ObjectStore:
    def __init__(self, settings: Any) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix.strip("/") + "/" if settings.s3_prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception:
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except Exception as exc:
                raise StorageError(f"S3 bucket {self.bucket!r} is not reachable: {exc}") from exc

    def _key(self, key: str) -> str:
        return f"{self.prefix}files/{key}"

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
        meta = StoredFile(key, file_name, content_type, len(data), owner, time.time(), expires_at)
        metadata = self._metadata(meta)
        extra: dict[str, Any] = {}
        if expires_at:
            extra["Tagging"] = f"retouch-expires={int(expires_at)}"
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type, Metadata=metadata, **extra
            )
        except Exception as exc:
            raise StorageError(f"could not store file in S3: {exc}") from exc
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
        meta = StoredFile(key, file_name, content_type, path.stat().st_size, owner, time.time(), expires_at)
        extra: dict[str, Any] = {"ContentType": content_type, "Metadata": self._metadata(meta)}
        if expires_at:
            extra["Tagging"] = f"retouch-expires={int(expires_at)}"
        try:
            self.client.upload_file(str(path), self.bucket, self._key(key), ExtraArgs=extra)
        except Exception as exc:
            raise StorageError(f"could not store file in S3: {exc}") from exc
        finally:
            path.unlink(missing_ok=True)
        return meta

    def staging_dir(self) -> Path:
        folder = Path(tempfile.gettempdir()) / "retouch-staging"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def local_path(self, key: str) -> Path | None:
        return None

    @staticmethod
    def _metadata(meta: StoredFile) -> dict[str, str]:
        return {
            "file_name": meta.file_name,
            "owner": meta.owner or "",
            "created_at": repr(meta.created_at),
            "expires_at": repr(meta.expires_at) if meta.expires_at else "",
        }

    def _meta_from(self, key: str, head: dict[str, Any]) -> StoredFile:
        md = head.get("Metadata") or {}
        return StoredFile(
            key=key,
            file_name=md.get("file_name", key),
            content_type=head.get("ContentType", "application/octet-stream"),
            size=int(head.get("ContentLength", 0)),
            owner=md.get("owner") or None,
            created_at=float(md.get("created_at") or 0),
            expires_at=float(md["expires_at"]) if md.get("expires_at") else None,
        )

    def get(self, key: str) -> tuple[bytes, StoredFile] | None:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        except Exception as exc:
            if "404" in str(exc) or "NoSuchKey" in str(exc):
                return None
            raise StorageError(f"could not read file from S3: {exc}") from exc
        meta = self._meta_from(key, obj)
        if meta.expires_at is not None and meta.expires_at < time.time():
            return None
        return obj["Body"].read(), meta

    def _stat(self, key: str) -> StoredFile | None:
        try:
            return self._meta_from(key, self.client.head_object(Bucket=self.bucket, Key=self._key(key)))
        except Exception:
            return None

    def meta(self, key: str) -> StoredFile | None:
        meta = self._stat(key)
        if meta is None or (meta.expires_at is not None and meta.expires_at < time.time()):
            return None
        return meta

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise StorageError(f"could not delete file from S3: {exc}") from exc

    def sweep_expired(self, now: float) -> int:
        removed = 0
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}files/"):
            for item in page.get("Contents", []):
                key = item["Key"].rsplit("/", 1)[-1]
                try:  # one unreadable object must not stop the sweep
                    meta = self._stat(key)
                    if meta is not None and meta.expires_at is not None and float(meta.expires_at) < now:
                        self.delete(key)
                        removed += 1
                except Exception:
                    log.exception("sweeping a stored file failed", extra={"key": key})
        return removed
