"""The body of a worker child process: runs jobs sent by its parent, reports progress back, retires itself.

A child exits after ``worker_max_jobs`` jobs or once its resident memory passes ``worker_max_rss_mb``, always
between jobs and only after its result is sent, so recycling never loses or repeats a job. Models are loaded again
by the next child: that is the point (memory that leaks or fragments goes with the process).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any

from PIL import Image

from ..errors import JobCancelled, RetouchError
from ..jobs.base import Job
from .memory import MemoryKeeper, resident_mb
from .messages import (
    Batch,
    CancelJob,
    JobDone,
    JobFailed,
    JobStopped,
    LogLine,
    Preview,
    RunJob,
    StepDone,
    StopChild,
    ToChild,
)

log = logging.getLogger("retouch.worker.child")


# How long progress may wait to go out with what follows it. Every message wakes the parent's relay thread, which
# shares the API's interpreter lock: a classic edit's half-dozen log lines and steps, held, cost one wake-up.
HOLD_SECONDS = 0.05


class Outbox:
    """The child's side of the pipe. Progress is held up to ``hold`` seconds and sent in one batch with whatever
    comes next (or alone when the time is up), so a live reader sees it at most that late; a job's reply and a
    preview go at once, after the progress that came before them."""

    def __init__(self, conn: Connection, hold: float = HOLD_SECONDS) -> None:
        self._conn = conn
        self._hold = hold
        self._pending: list[LogLine | StepDone] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._flusher, daemon=True, name="progress-flusher").start()

    def hold(self, message: LogLine | StepDone) -> None:
        with self._cond:
            self._pending.append(message)
            if len(self._pending) == 1:
                self._cond.notify()

    def send(self, message: Preview | JobDone | JobFailed | JobStopped) -> None:
        with self._cond:
            held, self._pending = self._pending, []
            self._conn.send(Batch((*held, message)) if held else message)

    def _flusher(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
            time.sleep(self._hold)
            with self._cond:
                held, self._pending = self._pending, []
                try:
                    if held:
                        self._conn.send(Batch(tuple(held)))
                except OSError:  # the parent is gone: the child's own loop ends on its next read
                    return


class PipeProgress:
    """The engine's Progress inside the child: everything goes to the parent, which owns the store and hub."""

    PREVIEW_EDGE = 512

    def __init__(
        self,
        outbox: Outbox,
        cancelled: CancelledJobs,
        job_id: str,
        *,
        previews: bool = True,
    ) -> None:
        self._outbox = outbox
        self._previews = previews
        self._cancelled = cancelled
        self._job_id = job_id

    def log(self, message: str, level: str = "INFO") -> None:
        self._outbox.hold(LogLine(message, level))

    def step(self, done: int, total: int) -> None:
        self._outbox.hold(StepDone(done, total))
        self.check_cancelled()

    def partial(self, image: Image.Image) -> None:
        if not self._previews:
            return
        preview = image.convert("RGB")
        preview.thumbnail((self.PREVIEW_EDGE, self.PREVIEW_EDGE))
        self._outbox.send(Preview(preview.size, preview.tobytes()))

    def check_cancelled(self) -> None:
        if self._cancelled.has(self._job_id):
            raise JobCancelled()


class CancelledJobs:
    """The jobs the parent asked to stop, by id: a cancel that arrives before its job starts still counts, and
    one that arrives after its job ended cannot stop the next."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def add(self, job_id: str) -> None:
        with self._lock:
            self._ids.add(job_id)

    def has(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._ids

    def starting(self, job_id: str) -> None:
        """Forgets cancels of earlier jobs (one that came after its job ended), keeping this job's own."""
        with self._lock:
            self._ids &= {job_id}


def child_main(settings_data: dict[str, Any], conn: Connection) -> None:
    from ..config import Settings
    from ..engines.registry import EngineRegistry
    from ..files.factory import open_object_store
    from .assembly import build_job_runner

    settings = Settings(**settings_data)
    if settings.worker_niceness > 0 and hasattr(os, "nice"):
        os.nice(settings.worker_niceness)
    files = open_object_store(settings)
    runner = build_job_runner(settings, files, EngineRegistry(settings.engines, settings.default_engine))
    serve_jobs(conn, runner, lambda done: _should_retire(settings, done))


def serve_jobs(conn: Connection, runner: Any, should_retire: Callable[[int], bool]) -> None:
    """Runs the parent's jobs one at a time until told to stop or retired; cancels are read while a job runs."""
    jobs: queue.Queue[RunJob | None] = queue.Queue()
    cancelled = CancelledJobs()
    outbox = Outbox(conn)

    def reader() -> None:
        while True:
            try:
                message: ToChild = conn.recv()
            except (EOFError, OSError):
                jobs.put(None)
                return
            if isinstance(message, CancelJob):
                cancelled.add(message.job_id)
            elif isinstance(message, StopChild):
                jobs.put(None)
            else:
                jobs.put(message)

    threading.Thread(target=reader, daemon=True, name="parent-reader").start()
    memory = MemoryKeeper()
    done = 0
    while True:
        order = jobs.get()
        if order is None:
            return
        cancelled.starting(order.job.id)
        progress = PipeProgress(outbox, cancelled, order.job.id, previews=order.previews)
        reply = _run_one(runner, order.job, progress)
        done += 1
        memory.after_job()
        retire = should_retire(done)
        outbox.send(replace(reply, retire=retire))
        if retire:
            return


def _run_one(runner: Any, job: Job, progress: PipeProgress) -> JobDone | JobFailed | JobStopped:
    try:
        outcome = runner.run(job, progress)
        return JobDone(outcome.result, outcome.inference_time, outcome.timings, retire=False)
    except JobCancelled:
        return JobStopped(retire=False)
    except RetouchError as exc:
        return JobFailed(exc.to_payload(), exc.message, retire=False)
    except Exception as exc:  # an engine bug ends the job, not the child
        log.exception("job failed in worker child")
        text = f"internal error while running the edit ({type(exc).__name__})"
        return JobFailed({"detail": text, "error_type": "internal_error", "status_code": 500}, text, retire=False)


def _should_retire(settings: Any, done: int) -> bool:
    if settings.worker_max_jobs and done >= settings.worker_max_jobs:
        return True
    return bool(settings.worker_max_rss_mb and resident_mb() > settings.worker_max_rss_mb)
