"""A pool of worker threads that claim jobs from the store and run them.

Leases make execution safe across crashes: a worker renews the lease of its running jobs; a job whose lease
lapses is handed back to the queue and run again, and ``complete`` keeps only the first stored result.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

from ..errors import JobCancelled, RetouchError, StartDeadlinePassed, WorkerDied
from ..jobs.base import ClaimLimits, Job, JobStore, Outcome
from ..jobs.events import Event, EventHub
from .ending import JobEnding
from .memory import MemoryKeeper
from .progress import JobProgress
from .runner import RunOutcome

log = logging.getLogger("retouch.worker")
# A job whose worker process dies is run again until it has been tried this many times.
MAX_ATTEMPTS_AFTER_DEATH = 2


class RunsJobs(Protocol):
    """Runs one job to its output: in this thread (JobRunner) or in a recycled child process (ProcessRunner)."""

    # True when jobs run in other processes (which then look after their own memory).
    isolated: bool

    def run(self, job: Job, progress: JobProgress) -> RunOutcome: ...

    def close(self) -> None: ...


class WorkerPool:
    def __init__(
        self,
        store: JobStore,
        runner: RunsJobs,
        hub: EventHub,
        ending: JobEnding,
        *,
        threads: int,
        lease_seconds: float = 30.0,
        poll_seconds: float = 0.5,
        limits: ClaimLimits | None = None,
        max_run_seconds: Callable[[Job], float | None] | None = None,
    ) -> None:
        self.store = store
        self.runner = runner
        self.hub = hub
        self.ending = ending
        self.threads = max(1, threads)
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.limits = limits
        self.max_run_seconds = max_run_seconds
        # Edits run in this process (threads), not in child processes that look after their own memory.
        self._in_process = not runner.isolated
        self._draining = threading.Event()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = threading.Condition()
        self._pending_wakes = 0
        self._stop = threading.Event()
        self._running: dict[str, str] = {}  # job id -> thread worker name
        self._cancel_local: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._memory = MemoryKeeper()

    # -- control -----------------------------------------------------------------------------------------------
    def start(self) -> None:
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, args=(f"{self.worker_id}/{i}",), daemon=True, name=f"worker-{i}")
            t.start()
            self._threads.append(t)
        t = threading.Thread(target=self._housekeeping, daemon=True, name="worker-leases")
        t.start()
        self._threads.append(t)

    def drain(self) -> None:
        """Stops taking new jobs; running ones finish. The pool stays up to report them."""
        self._draining.set()

    def undrain(self) -> None:
        self._draining.clear()
        self.notify()

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful: no new claims, running jobs get ``timeout`` seconds to finish, then go back to the queue."""
        self._draining.set()
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            unfinished = dict(self._running)
        for job_id, name in unfinished.items():
            if self.store.release(job_id, name):
                log.warning("running job handed back to the queue at shutdown", extra={"job_id": job_id})
        self.runner.close()

    def notify(self) -> None:
        """Called on submit so an idle worker starts at once instead of at its next poll."""
        with self._wake:
            self._pending_wakes += 1
            self._wake.notify()

    def cancel_local(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._running:
                self._cancel_local.add(job_id)

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    # -- loops -------------------------------------------------------------------------------------------------
    def _loop(self, name: str) -> None:
        while not self._stop.is_set():
            if self._draining.is_set():
                self._stop.wait(self.poll_seconds)
                continue
            try:
                job = self.store.claim(name, self.lease_seconds, self.limits)
            except Exception:
                log.exception("claiming a job failed")
                job = None
            if job is None:
                with self._wake:
                    if self._pending_wakes == 0:
                        self._wake.wait(self.poll_seconds)
                    self._pending_wakes = max(0, self._pending_wakes - 1)
                continue
            self._execute(job, name)

    def _retry(self, job: Job, name: str, exc: WorkerDied) -> bool:
        """A worker process died under the job (killed, out of memory): the job goes back to the queue once, so a
        lost process loses no request; a second death ends it, so a job that kills its worker is not run for ever."""
        with self._lock:
            self._running.pop(job.id, None)
        if not self.store.release(job.id, name, count_attempt=True):
            return False
        log.warning("a worker process died under a job; it goes back to the queue", extra={"job_id": job.id})
        self.hub.publish(job.id, Event("status", {"status": "IN_QUEUE"}))
        self.notify()
        return True

    def _housekeeping(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            with self._lock:
                running = dict(self._running)
            for job_id, name in running.items():
                try:
                    self.store.heartbeat(job_id, name, self.lease_seconds)
                except Exception:
                    log.exception("lease renewal failed", extra={"job_id": job_id})
            try:
                for job_id in self.store.requeue_expired(time.time()):
                    log.warning(
                        "job handed back to the queue after its worker's lease lapsed",
                        extra={"job_id": job_id},
                    )
            except Exception:
                log.exception("requeueing expired jobs failed")

    def _execute(self, job: Job, name: str) -> None:
        claimed_at = time.time()
        with self._lock:
            self._running[job.id] = name
        self.hub.publish(job.id, Event("status", {"status": "IN_PROGRESS"}))
        limit = self.max_run_seconds(job) if self.max_run_seconds else None
        progress = JobProgress(
            job.id,
            self.store,
            self.hub,
            local_cancel=lambda: job.id in self._cancel_local,
            max_run_seconds=limit,
            queued_at=job.created_at if job.attempts <= 1 else None,
        )
        outcome, result, error, metrics = Outcome.ERROR, None, None, {}
        try:
            if job.deadline is not None and time.time() > job.deadline:
                raise StartDeadlinePassed("the request did not start before its X-Fal-Request-Timeout deadline")
            progress.check_cancelled()
            ran = self.runner.run(job, progress)
            outcome, result = Outcome.OK, ran.result
            timings = {"queued": round(claimed_at - job.created_at, 5)}
            timings.update({name: round(seconds, 5) for name, seconds in ran.timings.items()})
            metrics = {"inference_time": round(ran.inference_time, 4), "timings": timings}
            progress.log(f"Done in {ran.inference_time:.2f} s")
        except JobCancelled:
            outcome = Outcome.CANCELLED
        except WorkerDied as exc:
            if job.attempts < MAX_ATTEMPTS_AFTER_DEATH and self._retry(job, name, exc):
                return
            error = exc.to_payload()
            progress.log(f"Failed: {exc.message}", level="ERROR")
        except RetouchError as exc:
            error = exc.to_payload()
            progress.log(f"Failed: {exc.message}", level="ERROR")
        except Exception as exc:  # an engine bug must end the job, never the worker
            log.exception("job failed", extra={"job_id": job.id})
            error = {
                "detail": f"internal error while running the edit ({type(exc).__name__})",
                "error_type": "internal_error",
                "status_code": 500,
            }
            progress.log(error["detail"], level="ERROR")
        finally:
            with self._lock:
                self._running.pop(job.id, None)
                self._cancel_local.discard(job.id)
            if self._in_process:
                self._memory.after_job()
        self.ending.end(job, name, outcome, result=result, error=error, metrics=metrics, logs=progress.take_pending())
