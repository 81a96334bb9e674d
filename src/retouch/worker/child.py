"""The body of a worker child process: runs jobs sent by its parent, reports progress back, retires itself.

A child exits after ``worker_max_jobs`` jobs or once its resident memory passes ``worker_max_rss_mb``, always
between jobs and only after its result is sent, so recycling never loses or repeats a job. Models are loaded again
by the next child: that is the point (memory that leaks or fragments goes with the process).
"""

from __future__ import annotations

import logging
import os
import queue
import resource
import threading
from multiprocessing.connection import Connection
from typing import Any

from PIL import Image

from ..errors import JobCancelled, RetouchError

log = logging.getLogger("retouch.worker.child")


def resident_mb() -> float:
    """Current resident memory (Linux /proc), falling back to the peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PipeProgress:
    """The engine's Progress inside the child: everything goes to the parent, which owns the store and hub."""

    PREVIEW_EDGE = 512

    def __init__(self, conn: Connection, send_lock: threading.Lock, cancelled: threading.Event) -> None:
        self._conn = conn
        self._lock = send_lock
        self._cancelled = cancelled

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._lock:
            self._conn.send(message)

    def log(self, message: str, level: str = "INFO") -> None:
        self._send(("log", message, level))

    def step(self, done: int, total: int) -> None:
        self._send(("step", done, total))
        self.check_cancelled()

    def partial(self, image: Image.Image) -> None:
        preview = image.convert("RGB")
        preview.thumbnail((self.PREVIEW_EDGE, self.PREVIEW_EDGE))
        self._send(("partial", preview.size, preview.tobytes()))

    def check_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise JobCancelled()


def child_main(settings_data: dict[str, Any], conn: Connection) -> None:
    from ..config import Settings
    from ..engines.registry import EngineRegistry
    from ..runtime import build_job_runner, build_object_store

    settings = Settings(**settings_data)
    from .. import pricing

    pricing.configure(settings.price_multipliers, settings.price_per_second, settings.price_lora_surcharge)
    files = build_object_store(settings)
    runner = build_job_runner(settings, files, EngineRegistry(settings.engines, settings.default_engine))
    jobs: queue.Queue[Any] = queue.Queue()
    cancelled = threading.Event()
    send_lock = threading.Lock()

    def reader() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                jobs.put(None)
                return
            if message[0] == "cancel":
                cancelled.set()
            else:
                jobs.put(message)

    threading.Thread(target=reader, daemon=True, name="parent-reader").start()
    done = 0
    while True:
        message = jobs.get()
        if message is None or message[0] == "stop":
            return
        job = message[1]
        cancelled.clear()
        progress = PipeProgress(conn, send_lock, cancelled)
        try:
            outcome = runner.run(job, progress)
            reply: tuple[Any, ...] = ("done", outcome.result, outcome.inference_time)
        except JobCancelled:
            reply = ("cancelled",)
        except RetouchError as exc:
            reply = ("error", exc.to_payload(), exc.message)
        except Exception as exc:  # an engine bug ends the job, not the child
            log.exception("job failed in worker child")
            reply = ("crash", f"internal error while running the edit ({type(exc).__name__})")
        done += 1
        retire = _should_retire(settings, done)
        with send_lock:
            conn.send(reply + (retire,))
        if retire:
            return


def _should_retire(settings: Any, done: int) -> bool:
    if settings.worker_max_jobs and done >= settings.worker_max_jobs:
        return True
    return bool(settings.worker_max_rss_mb and resident_mb() > settings.worker_max_rss_mb)
