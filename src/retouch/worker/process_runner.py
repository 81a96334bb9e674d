"""Runs each job in a worker child process that is recycled after N jobs or past a memory limit.

The parent keeps everything durable and live (store, logs, leases, event hub); the child only computes. If a child
dies mid-job (killed, out of memory), the job ends with a clear error and a fresh child takes the slot.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

from PIL import Image

from ..config import Settings
from ..errors import JobCancelled, ReportedError, RetouchError, TimedOut, WorkerDied
from ..jobs.base import Job
from .child import child_main
from .messages import (
    Batch,
    CancelJob,
    FromChild,
    JobDone,
    JobFailed,
    JobStopped,
    LogLine,
    Preview,
    RunJob,
    StepDone,
    StopChild,
)
from .progress import JobProgress
from .runner import RunOutcome

log = logging.getLogger("retouch.worker")

_POLL_SECONDS = 0.05
_CANCEL_GRACE_SECONDS = 10.0


class _Child:
    def __init__(self, settings_data: dict[str, Any]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child_conn = ctx.Pipe(duplex=True)
        self.process: BaseProcess = ctx.Process(
            target=child_main, args=(settings_data, child_conn), daemon=True, name="retouch-worker"
        )
        self.process.start()
        child_conn.close()
        self.jobs = 0

    def stop(self) -> None:
        try:
            self.conn.send(StopChild())
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


class ProcessRunner:
    isolated = True

    def __init__(self, settings: Settings, *, slots: int) -> None:
        self._settings_data = settings.model_dump(mode="json")
        self._free: queue.Queue[_Child] = queue.Queue()
        self._lock = threading.Lock()
        self._all: list[_Child] = []
        self.recycled = 0
        for _ in range(max(1, slots)):
            self._free.put(self._spawn())

    def _spawn(self) -> _Child:
        child = _Child(self._settings_data)
        with self._lock:
            self._all.append(child)
        return child

    def _replace(self, child: _Child) -> _Child:
        child.stop()
        with self._lock:
            self._all.remove(child)
            self.recycled += 1
        return self._spawn()

    def close(self) -> None:
        with self._lock:
            children = list(self._all)
            self._all.clear()
        for child in children:
            child.stop()

    def pids(self) -> list[int]:
        with self._lock:
            return [c.process.pid for c in self._all if c.process.pid is not None]

    def run(self, job: Job, progress: JobProgress) -> RunOutcome:
        child = self._free.get()
        retire = True
        try:
            if not child.process.is_alive():  # died while idle: the job has not started, take a fresh child
                child = self._replace(child)
            child.conn.send(RunJob(job, previews=progress.wants_previews()))
            ended, retire = self._follow(child, progress)
            if isinstance(ended, BaseException):
                raise ended
            return ended
        finally:
            self._free.put(self._replace(child) if retire or not child.process.is_alive() else child)

    def _follow(self, child: _Child, progress: JobProgress) -> tuple[RunOutcome | RetouchError, bool]:
        """Relays the child's messages until it reports the job's end, with whether the child retires."""
        cancel_sent_at: float | None = None
        stop_reason: RetouchError | None = None
        checked_at = 0.0
        while True:
            ready = child.conn.poll(_POLL_SECONDS)
            now = time.monotonic()
            # Checked whether or not the child is talking: a chatty job must still be stoppable.
            if cancel_sent_at is None and now - checked_at >= _POLL_SECONDS:
                checked_at = now
                try:
                    progress.check_cancelled()
                except (JobCancelled, TimedOut) as exc:
                    stop_reason, cancel_sent_at = exc, now
                    child.conn.send(CancelJob(progress.job_id))
            if not ready:
                if not child.process.is_alive():
                    return WorkerDied("the worker process died while running this edit (out of memory or killed)"), True
                if cancel_sent_at is not None and now - cancel_sent_at > _CANCEL_GRACE_SECONDS:
                    child.process.kill()
                    assert stop_reason is not None
                    return stop_reason, True
                continue
            try:
                message = child.conn.recv()
            except (EOFError, OSError):
                return WorkerDied("the worker process died while running this edit"), True
            for part in message.messages if isinstance(message, Batch) else (message,):
                ended = _relay(part, progress, stop_reason)
                if ended is not None:
                    return ended


def _relay(
    message: FromChild, progress: JobProgress, stop_reason: RetouchError | None
) -> tuple[RunOutcome | RetouchError, bool] | None:
    """Passes one of the child's messages on; a job's end comes back as (outcome, whether the child retires)."""
    match message:
        case LogLine(text, level):
            progress.log(text, level)
        case StepDone(done, total):
            progress.hub_step(done, total)
        case Preview(size, rgb):
            progress.partial(Image.frombytes("RGB", size, rgb))
        case JobDone(result, inference_time, timings, retire):
            return RunOutcome(result=result, inference_time=inference_time, timings=timings), retire
        case JobStopped(retire):
            return stop_reason or JobCancelled(), retire
        case JobFailed(payload, text, retire):
            return ReportedError(payload, text), retire
    return None
