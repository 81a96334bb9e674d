"""``retouch worker``: an engine-only process. It pulls jobs from the shared store, runs them and stores results;
it serves no HTTP. SIGTERM drains it: no new claims, running jobs finish or go back to the queue."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

log = logging.getLogger("retouch.worker")


def run_worker(settings: Any) -> int:
    from .runtime import build_runtime

    if settings.state_backend == "sqlite":
        log.warning("a separate worker on SQLite shares the file with the server: use it on the same host only")
    if settings.engine_threads:
        import cv2

        cv2.setNumThreads(settings.engine_threads)
    # This process serves no HTTP: no request waits here for a sync run's images (see JobEnding.hand_over).
    settings = settings.model_copy(update={"role": "worker"})
    runtime = build_runtime(settings, with_workers=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        log.info("stopping: draining running jobs", extra={"signal": signum})
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    assert runtime.pool is not None
    runtime.pool.start()
    print(
        f"Retouch worker {runtime.pool.worker_id}: {settings.workers} slot(s) on {settings.state_backend}, "
        f"engines: {', '.join(sorted(settings.engines))}",
        flush=True,
    )
    stop.wait()
    runtime.pool.stop(timeout=settings.drain_timeout_seconds)
    runtime.close()
    return 0
