"""The state-and-queue interface every backend implements.

A job moves IN_QUEUE → IN_PROGRESS → COMPLETED. COMPLETED carries an outcome: OK (a result), ERROR or CANCELLED
(an error payload). Execution is at-least-once (a job whose worker died is handed out again), but ``complete`` stores
only the first result: a job never ends up with two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Status(StrEnum):
    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class Outcome(StrEnum):
    OK = "OK"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"


class CancelResult(StrEnum):
    CANCELLATION_REQUESTED = "CANCELLATION_REQUESTED"
    ALREADY_COMPLETED = "ALREADY_COMPLETED"
    NOT_FOUND = "NOT_FOUND"


@dataclass
class Job:
    id: str
    app_id: str
    owner: str | None
    payload: dict[str, Any]
    status: Status = Status.IN_QUEUE
    outcome: Outcome | None = None
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    priority: int = 0  # 0 = normal, 1 = low
    in_history: bool = True
    webhook_url: str | None = None
    base_url: str = ""
    # Secrets (e.g. a caller's OpenAI key) travel beside the payload, are never written to disk, and are erased
    # when the job ends. ``secret_names`` (stored) records which were given, so a secret lost in a restart is
    # reported as such instead of the job silently running without it.
    secrets: dict[str, str] = field(default_factory=dict)
    secret_names: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    worker: str | None = None
    cancel_requested: bool = False
    deadline: float | None = None  # must start before this time (X-Fal-Request-Timeout)


@dataclass
class LogLine:
    message: str
    level: str
    source: str
    timestamp: float


@dataclass(frozen=True)
class UsageRecord:
    """One finished request in its key's usage ledger."""

    owner: str | None
    ts: float
    images: int
    tokens: int
    cost: float


@dataclass
class Webhook:
    job_id: str
    url: str
    attempts: int
    next_at: float


@dataclass(frozen=True)
class ClaimLimits:
    """How many jobs each key may have running at once (0 = no limit)."""

    default_running: int = 0
    per_key_running: dict[str, int] = field(default_factory=dict)

    def running_limit(self, owner: str) -> int:
        return self.per_key_running.get(owner, self.default_running)


class JobStore(Protocol):
    def submit(self, job: Job) -> None:
        """Stores the job durably and queues it. Raises StorageError when it cannot be stored."""
        ...

    def get(self, job_id: str) -> Job | None: ...

    def peek(self, job_id: str) -> Job | None:
        """The job without its payload and result: what status polls need, without reading megabytes of input."""
        ...

    def queue_position(self, job_id: str) -> int | None: ...

    def queue_positions(self) -> dict[str, int]:
        """Every waiting job's ``queue_position``, in one read."""
        ...

    def claim(self, worker: str, lease_seconds: float, limits: ClaimLimits | None = None) -> Job | None:
        """Takes the next queued job for ``worker``: normal before low priority, round-robin across keys, oldest
        first within a key; skips keys at their running limit; returns None while the queue is paused."""
        ...

    def heartbeat(self, job_id: str, worker: str, lease_seconds: float) -> bool: ...

    def complete(
        self,
        job_id: str,
        worker: str | None,
        outcome: Outcome,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        logs: list[LogLine] | None = None,
        usage: UsageRecord | None = None,
    ) -> bool:
        """Ends the job once, with its last log lines and its usage record in the same write where the store can.
        Returns False (and stores nothing) when it had ended already or another worker owns it."""
        ...

    def request_cancel(self, job_id: str) -> CancelResult:
        """Flags the job: a worker running it stops at its next step. The store ends nothing itself: a queued job
        is ended by whoever asked (the service, through the worker's ``JobEnding``), so a job ends in one place."""
        ...

    def cancel_requested(self, job_id: str) -> bool: ...

    def append_log(self, job_id: str, line: LogLine) -> None: ...

    def append_logs(self, job_id: str, lines: list[LogLine]) -> None:
        """Several lines in one write (a worker flushes a job's lines in batches)."""
        ...

    def logs(self, job_id: str, since: int = 0) -> list[LogLine]: ...

    def requeue_expired(self, now: float) -> list[str]:
        """Hands back jobs whose worker stopped renewing its lease."""
        ...

    def requeue_all_running(self) -> list[str]:
        """At start-up of the single embedded process: every IN_PROGRESS job belonged to a process that died."""
        ...

    def history(self, owner: str | None, app_prefix: str | None, limit: int, before: float | None) -> list[Job]: ...

    def delete(self, job_id: str) -> None: ...

    def due_webhooks(self, now: float, limit: int = 20) -> list[Webhook]: ...

    def webhook_done(self, job_id: str) -> None: ...

    def webhook_retry(self, job_id: str, next_at: float) -> None: ...

    def counts(self) -> dict[str, int]: ...

    def delete_expired(self, now: float, default_ttl: float) -> int:
        """Deletes ended requests older than their retention (payload ``_retain_seconds``, else ``default_ttl``;
        0 keeps forever) whose webhook is delivered. Returns how many were deleted."""
        ...

    def record_usage(self, owner: str | None, ts: float, images: int, tokens: int, cost: float) -> None:
        """Adds a finished request to its key's usage ledger (kept apart from request records, which expire)."""
        ...

    def usage_by_day(self, owner: str | None, since: float) -> list[dict[str, Any]]:
        """Per UTC day since ``since``: requests, images, tokens, cost; of one key, or of all keys when None."""
        ...

    # -- operator controls --
    def set_paused(self, paused: bool) -> None:
        """Paused: running jobs finish, queued ones wait; survives restarts and holds for every worker."""
        ...

    def is_paused(self) -> bool: ...

    def queued_count(self, owner: str | None = None) -> int:
        """Queued jobs, of one key (``""`` = requests without a key) or of all when None."""
        ...

    def active(self, limit: int = 500) -> list[Job]:
        """Running and queued jobs, running first, in claim order."""
        ...

    def release(self, job_id: str, worker: str, *, count_attempt: bool = False) -> bool:
        """Hands a job this worker runs back to the queue; the attempt counts only with ``count_attempt``."""
        ...

    def close(self) -> None: ...
