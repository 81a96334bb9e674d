"""The job store and event hub the configuration names: SQLite and in-process events (embedded), or Redis for both
(distributed)."""

from __future__ import annotations

from ..config import Settings
from .base import JobStore
from .events import EventHub
from .store_sqlite import SQLiteJobStore


def open_job_store(settings: Settings) -> JobStore:
    if settings.state_backend == "redis":
        from .store_redis import RedisJobStore

        store: JobStore = RedisJobStore(
            settings.redis_url,
            prefix=settings.redis_prefix,
            secret_key=settings.secret_key,
            default_ttl=settings.result_ttl_seconds,
        )
        return store
    return SQLiteJobStore(settings.data_dir / "retouch.db", synchronous=settings.sqlite_synchronous)


def open_event_hub(settings: Settings) -> EventHub:
    if settings.state_backend == "redis":
        from .events_redis import RedisEventHub

        return RedisEventHub(settings.redis_url, prefix=settings.redis_prefix)
    return EventHub()
