"""What operators see and steer: health, the queue in run order, pause and resume, draining this node's workers,
the webhook signing keys. The HTTP layer calls these; it never reaches the stores or the pool itself."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..engines.registry import EngineRegistry
from ..jobs.base import JobStore, Status
from ..worker.pool import WorkerPool
from .signing import WebhookSigner


@dataclass(frozen=True)
class QueueState:
    paused: bool
    queued: int
    running: int


@dataclass(frozen=True)
class QueuedJob:
    request_id: str
    status: str
    app_id: str
    key: str | None
    engine: str | None
    priority: str
    age_seconds: float
    running_seconds: float | None
    queue_position: int | None
    worker: str | None
    attempts: int


class Operations:
    def __init__(
        self,
        store: JobStore,
        engines: EngineRegistry,
        signer: WebhookSigner,
        pool: WorkerPool | None,
        *,
        auth_enabled: bool,
    ) -> None:
        self.store = store
        self.engines = engines
        self.signer = signer
        self.pool = pool
        self.auth_enabled = auth_enabled

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "queue": self.store.counts(), "engines": self.engines.names, "auth": self.auth_enabled}

    @property
    def engine_names(self) -> list[str]:
        return list(self.engines.names)

    @property
    def default_engine(self) -> str:
        return self.engines.default

    def counts(self) -> dict[str, int]:
        return self.store.counts()

    @property
    def busy_workers(self) -> int:
        return self.pool.busy if self.pool else 0

    def jwks(self) -> dict[str, Any]:
        return self.signer.jwks()

    def state(self) -> QueueState:
        counts = self.store.counts()
        return QueueState(
            paused=self.store.is_paused(),
            queued=counts.get(Status.IN_QUEUE.value, 0),
            running=counts.get(Status.IN_PROGRESS.value, 0),
        )

    def queue(self, limit: int) -> list[QueuedJob]:
        now = time.time()
        jobs = []
        places = self.store.queue_positions()  # every waiting job's place in one read, not one read per job
        for job in self.store.active(limit):
            queued = job.status == Status.IN_QUEUE
            jobs.append(
                QueuedJob(
                    request_id=job.id,
                    status=job.status.value,
                    app_id=job.app_id,
                    key=job.owner,
                    engine=job.payload.get("engine"),
                    priority="low" if job.priority else "normal",
                    age_seconds=round(now - job.created_at, 3),
                    running_seconds=round(now - job.started_at, 3) if job.started_at and not queued else None,
                    queue_position=places.get(job.id) if queued else None,
                    worker=job.worker,
                    attempts=job.attempts,
                )
            )
        return jobs

    def pause(self) -> QueueState:
        self.store.set_paused(True)
        return self.state()

    def resume(self) -> QueueState:
        self.store.set_paused(False)
        if self.pool is not None:
            self.pool.notify()
        return self.state()

    def drain(self) -> tuple[bool, int]:
        """This node takes no new jobs; running ones finish. (draining, running)."""
        if self.pool is not None:
            self.pool.drain()
        return self.pool is not None, self.busy_workers

    def undrain(self) -> int:
        if self.pool is not None:
            self.pool.undrain()
        return self.busy_workers
