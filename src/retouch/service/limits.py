"""Back-pressure and per-key limits: refuse new work early (429) instead of letting one caller fill the queue.

Nothing already accepted is affected by these checks; they only decide whether a new request is taken.
"""

from __future__ import annotations

import math

from ..config import KeyConfig, Settings
from ..errors import QueueFull
from ..jobs.base import ClaimLimits, JobStore

RETRY_AFTER_SECONDS = 5


def _key(settings: Settings, key_id: str | None) -> KeyConfig | None:
    for key in settings.keys:
        if key.id == key_id:
            return key
    return None


def claim_limits(settings: Settings) -> ClaimLimits | None:
    per_key = {k.id: k.max_running for k in settings.keys if k.max_running is not None}
    if not per_key and settings.max_running_per_key <= 0:
        return None
    return ClaimLimits(default_running=settings.max_running_per_key, per_key_running=per_key)


# The shortest retention a caller may ask for: long enough to fetch the result a webhook announces.
MIN_RETENTION_SECONDS = 60.0


def retention_seconds(settings: Settings, key_id: str | None, requested: float | None) -> float | None:
    """A caller may ask to keep outputs for less time than the server would, never for more.

    The answer is clamped to [MIN_RETENTION_SECONDS, the key's retention]; None means "kept until the operator's
    sweep policy says otherwise" (a retention of 0 configured by the operator: forever).
    """
    key = _key(settings, key_id)
    limit = key.retention_seconds if key and key.retention_seconds is not None else settings.result_ttl_seconds
    if requested is None or not math.isfinite(requested) or requested <= 0:
        return float(limit) if limit else None
    wanted = max(MIN_RETENTION_SECONDS, float(requested))
    return min(wanted, float(limit)) if limit else wanted


def check_capacity(store: JobStore, settings: Settings, key_id: str | None, max_queue_length: int | None) -> None:
    total = store.queued_count()
    if settings.max_queue_length and total >= settings.max_queue_length:
        raise QueueFull(
            f"the server's queue is full ({total} requests waiting); retry later", retry_after=RETRY_AFTER_SECONDS
        )
    if max_queue_length is not None and total >= max_queue_length:
        raise QueueFull(
            f"{total} requests are waiting, more than fal_max_queue_length={max_queue_length}; retry later",
            retry_after=RETRY_AFTER_SECONDS,
        )
    key = _key(settings, key_id)
    per_key = key.max_queued if key and key.max_queued is not None else settings.max_queued_per_key
    if per_key:
        mine = store.queued_count(key_id or "")
        if mine >= per_key:
            raise QueueFull(
                f"this key already has {mine} requests waiting (limit {per_key}); retry later",
                retry_after=RETRY_AFTER_SECONDS,
            )
