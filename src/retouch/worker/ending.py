"""The one place where a job ends, whoever ends it: a worker with its result or error, the service cancelling a
queued job, a time limit.

Ending means, in this order: store the outcome (once: the store refuses a second ending, so a job never has two),
tell live readers (the final event), and — only for the ending that was stored — add the run to its key's usage
ledger and wake the webhook sender. Everything after the store is best effort: a finished job is never failed by a
ledger or a wake-up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import JobCancelled
from ..jobs.base import Job, JobStore, Outcome, Status
from ..jobs.events import Event, EventHub

log = logging.getLogger("retouch.worker")

JobEndListener = Callable[[Job, Outcome], None]


def cancelled_error() -> dict[str, Any]:
    """What a cancelled request answers: fal's clients read a cancelled request's result as a 400."""
    return {**JobCancelled().to_payload(), "status_code": 400}


class JobEnding:
    def __init__(self, store: JobStore, hub: EventHub, *, on_end: JobEndListener | None = None) -> None:
        self.store = store
        self.hub = hub
        self.on_end = on_end

    def end(
        self,
        job: Job,
        worker: str | None,
        outcome: Outcome,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> bool:
        """Ends ``job`` (``worker`` None: whoever holds it, or nobody). True when this call's ending was stored."""
        if outcome == Outcome.CANCELLED and error is None:
            error = cancelled_error()
        stored = self.store.complete(job.id, worker, outcome, result=result, error=error, metrics=metrics)
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
        done = {"outcome": outcome.value, "metrics": metrics or {}, "error": error}
        self.hub.publish(job.id, Event("done", done, local=ended))
        if outcome == Outcome.OK and result is not None:
            self._record_usage(job, result)
        if self.on_end is not None:
            try:
                self.on_end(job, outcome)
            except Exception:
                log.exception("a job-end listener failed", extra={"job_id": job.id})
        return True

    def _record_usage(self, job: Job, result: dict[str, Any]) -> None:
        try:
            usage = result.get("usage") or {}
            self.store.record_usage(
                job.owner,
                time.time(),
                len(result.get("images") or []),
                int(usage.get("total_tokens", 0)),
                float(result.get("cost") or 0.0),
            )
        except Exception:  # the ledger must never fail a finished job
            log.exception("recording usage failed", extra={"job_id": job.id})
