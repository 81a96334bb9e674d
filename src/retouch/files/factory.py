"""The object store the configuration names: a local directory (embedded) or an S3 bucket (distributed)."""

from __future__ import annotations

from ..config import Settings
from .base import ObjectStore
from .store_local import LocalObjectStore


def open_object_store(settings: Settings) -> ObjectStore:
    if settings.object_backend == "s3":
        from .store_s3 import S3ObjectStore

        files: ObjectStore = S3ObjectStore(settings)
        return files
    return LocalObjectStore(settings.data_dir / "files", fsync=settings.durable_files)
