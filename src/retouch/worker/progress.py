"""The Progress an engine reports to while a job runs: logs to the store, previews and steps to live readers.

Log lines reach live readers (streams, the status board) at once through the hub, and the store in batches: every
FLUSH_SECONDS while the job runs, and when it ends, so a short job costs one write for all its lines.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

import pybase64
from PIL import Image

from ..errors import JobCancelled, TimedOut
from ..jobs.base import JobStore, LogLine
from ..jobs.events import Event, EventHub

PREVIEW_EDGE = 512
_CANCEL_POLL_SECONDS = 0.1
FLUSH_SECONDS = 1.0


def preview_data_uri(image: Image.Image) -> tuple[str, int, int]:
    """A small JPEG of a partial result: cheap to send many times over a stream."""
    img = image.convert("RGB")
    img.thumbnail((PREVIEW_EDGE, PREVIEW_EDGE))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return "data:image/jpeg;base64," + pybase64.b64encode(buf.getvalue()).decode(), img.width, img.height


class JobProgress:
    def __init__(
        self,
        job_id: str,
        store: JobStore,
        hub: EventHub,
        *,
        local_cancel: Callable[[], bool] | None = None,
        max_run_seconds: float | None = None,
        queued_at: float | None = None,
    ) -> None:
        self.job_id = job_id
        self._store = store
        self._hub = hub
        self._local_cancel = local_cancel
        self._last_poll = 0.0
        self._cancelled = False
        self._lock = threading.Lock()
        self.partials_sent = 0
        self._max_run = max_run_seconds
        self._deadline = time.monotonic() + max_run_seconds if max_run_seconds else None
        # The line the service showed at submit goes to the store with the job's first batch.
        self._pending: list[LogLine] = [LogLine("Request queued", "INFO", "SYSTEM", queued_at)] if queued_at else []
        self._flushed_at = time.monotonic()

    def log(self, message: str, level: str = "INFO") -> None:
        line = LogLine(message=message, level=level.upper(), source="USER", timestamp=time.time())
        with self._lock:
            self._pending.append(line)
            due = time.monotonic() - self._flushed_at >= FLUSH_SECONDS
        if due:
            self.flush()
        self._hub.publish(self.job_id, Event("log", {"message": message, "level": line.level, "ts": line.timestamp}))

    def flush(self) -> None:
        """Writes the pending log lines while the job runs (its last ones go with its ending, in one write)."""
        self._store.append_logs(self.job_id, self.take_pending())

    def take_pending(self) -> list[LogLine]:
        with self._lock:
            lines, self._pending = self._pending, []
            self._flushed_at = time.monotonic()
        return lines

    def step(self, done: int, total: int) -> None:
        self.hub_step(done, total)
        self.check_cancelled()

    def hub_step(self, done: int, total: int) -> None:
        """Publishes a step without the cancellation check (a parent relaying a child's step)."""
        self._hub.publish(self.job_id, Event("step", {"done": done, "total": total}))

    def wants_previews(self) -> bool:
        return self._hub.has_subscribers(self.job_id)

    def partial(self, image: Image.Image) -> None:
        if not self.wants_previews():
            return
        uri, width, height = preview_data_uri(image)
        self.partials_sent += 1
        self._hub.publish(
            self.job_id,
            Event("partial", {"url": uri, "width": width, "height": height, "index": self.partials_sent}),
        )

    def check_cancelled(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise TimedOut(f"the edit ran longer than this engine's limit of {self._max_run:g} s")
        if self._cancelled:
            raise JobCancelled()
        if self._local_cancel is not None and self._local_cancel():
            self._cancelled = True
        else:
            now = time.monotonic()
            with self._lock:
                due = now - self._last_poll >= _CANCEL_POLL_SECONDS
                if due:
                    self._last_poll = now
            if due and self._store.cancel_requested(self.job_id):
                self._cancelled = True
        if self._cancelled:
            raise JobCancelled()
