"""The one place where a job ends, whoever ends it: a worker with its result or error, the service cancelling a
queued job, a time limit.

Ending means, in this order: store the outcome with the job's last log lines and its usage record (in one write
where the store can; once: the store refuses a second ending, so a job never has two and is never counted twice),
tell live readers (the final event), and wake the webhook sender for the ending that was stored. A wake-up that
fails never fails a finished job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import JobCancelled
from ..jobs.base import Job, JobStore, LogLine, Outcome, Status, UsageRecord
from ..jobs.events import Event, EventHub

log = logging.getLogger("retouch.worker")

JobEndListener = Callable[[Job, Outcome], None]


def cancelled_error() -> dict[str, Any]:
    """What a cancelled request answers: fal's clients read a cancelled request's result as a 400."""
    return {**JobCancelled().to_payload(), "status_code": 400}


class JobEnding:
    def __init__(
        self, store: JobStore, hub: EventHub, *, on_end: JobEndListener | None = None, hand_over: bool = False
    ) -> None:
        """``hand_over``: the API that waits for sync runs lives in this process and reads ended jobs from the hub
        (so a sync run's images need not be stored); false for a worker-only process or a hub across hosts."""
        self.store = store
        self.hub = hub
        self.on_end = on_end
        self.hand_over = hand_over and hub.delivers_locally

    def end(
        self,
        job: Job,
        worker: str | None,
        outcome: Outcome,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        logs: list[LogLine] | None = None,
    ) -> bool:
        """Ends ``job`` (``worker`` None: whoever holds it, or nobody). True when this call's ending was stored."""
        if outcome == Outcome.CANCELLED and error is None:
            error = cancelled_error()
        usage = usage_of(job, result) if outcome == Outcome.OK and result is not None else None
        kept = result
        if result is not None and job.payload.get("sync_mode") and self.hand_over:
            # A sync-mode run's images are data: URIs meant only for the request waiting on this host (nobody can
            # read the record later: it is deleted once answered). The store keeps the record without them.
            kept = {**result, "images": [{**image, "url": ""} for image in result.get("images") or []]}
        stored = self.store.complete(
            job.id, worker, outcome, result=kept, error=error, metrics=metrics, logs=logs, usage=usage
        )
        if not stored:
            log.warning("job had already ended elsewhere; this ending was dropped", extra={"job_id": job.id})
            self.hub.publish(job.id, Event("done", {"outcome": outcome.value, "dropped": True}))
            return False
        ended = replace(
            job,
            status=Status.COMPLETED,
            outcome=outcome,
            result=result,
            error=error,
            metrics=metrics or {},
            secrets={},
            finished_at=time.time(),
        )
        if self.hand_over:
            self.hub.hand_over(job.id, ended)
        done = {"outcome": outcome.value, "metrics": metrics or {}, "error": error}
        self.hub.publish(job.id, Event("done", done, local=ended))
        if self.on_end is not None:
            try:
                self.on_end(job, outcome)
            except Exception:
                log.exception("a job-end listener failed", extra={"job_id": job.id})
        return True


def usage_of(job: Job, result: dict[str, Any]) -> UsageRecord:
    usage = result.get("usage") or {}
    return UsageRecord(
        owner=job.owner,
        ts=time.time(),
        images=len(result.get("images") or []),
        tokens=int(usage.get("total_tokens", 0) or 0),
        cost=float(result.get("cost") or 0.0),
    )
