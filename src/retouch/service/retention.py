"""Deletes what has outlived its retention: output files and request records (with their logs).

Runs on every node that holds a worker pool or serves files; deleting is idempotent, so several sweepers at once
are harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ..files.base import ObjectStore
from ..jobs.base import JobStore

log = logging.getLogger("retouch.retention")


class Sweeper:
    def __init__(
        self,
        store: JobStore,
        files: ObjectStore,
        *,
        default_ttl: float,
        interval: float,
        on_deleted: Callable[[], None] | None = None,
    ) -> None:
        """``on_deleted``: called after a sweep deleted anything, for copies kept in memory (the ended jobs a
        worker hands over to readers on this host) to be dropped with the records."""
        self.store = store
        self.on_deleted = on_deleted
        self.files = files
        self.default_ttl = default_ttl
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self, now: float | None = None) -> tuple[int, int]:
        now = time.time() if now is None else now
        files = records = 0
        # Each half runs whatever the other did: a failure in one store must not keep the other's data forever.
        try:
            files = self.files.sweep_expired(now)
        except Exception:
            log.exception("sweeping expired files failed")
        try:
            records = self.store.delete_expired(now, self.default_ttl)
        except Exception:
            log.exception("sweeping expired requests failed")
        if files or records:
            log.info("expired outputs and requests deleted", extra={"files": files, "requests": records})
            if self.on_deleted is not None:
                self.on_deleted()
        return files, records

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="retention")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:
                log.exception("retention sweep failed")
