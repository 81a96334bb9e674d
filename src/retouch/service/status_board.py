"""Job status answered from memory: what a poll needs, kept current by the event hub, with the store as the record.

The official clients poll status every 100 ms (Python) or 500 ms (JS), so a status read must cost next to nothing.
The board keeps, per recent job, the small record a poll shows (status, owner, metrics, error) and its log lines,
updated as events pass through the hub (submit, start, logs, end). What it has not seen, or has not heard about for
a while (an event can be missed: another host, a lease handed back), it reads from the store again. A completed
entry is final, as the protocol says ("once COMPLETED, always COMPLETED"). It also remembers when each job's status
was last answered and what that answer showed, so that a poll which follows closely with nothing new can wait for
news (``hold``; the waiting itself is in status_views.py).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..jobs.base import Job, JobStore, LogLine, Outcome, Status
from ..jobs.events import Event

# A running or queued entry older than this is read from the store again (events may have been missed).
REFRESH_SECONDS = 1.0
# Queue positions change as others finish; a poll may see them this old (and never older than the last queue
# change this host saw).
POSITION_SECONDS = 0.1


@dataclass
class Entry:
    job: Job  # without payload or result
    logs: list[LogLine] | None = None  # None: not known here (read from the store when asked)
    seen: float = field(default_factory=time.monotonic)
    changes: int = 0  # status changes seen (a start, an end)
    # When a poll was last answered, and what it showed then (status changes, log lines): a poll that follows
    # closely, with nothing new since, may wait for news (``hold``).
    answered: tuple[float, int, int] | None = None


class StatusBoard:
    # Enough for every request in flight and the recently finished ones that clients still poll; older ones are
    # read from the store again. Memory stays flat however many requests pass (about 2 KB an entry).
    CAPACITY = 1024

    def __init__(self, store: JobStore, *, capacity: int = CAPACITY) -> None:
        self.store = store
        self.capacity = capacity
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        # Bumped by every queue change this host sees (a submit, a start, an end): positions computed before are
        # stale at once, not only after POSITION_SECONDS.
        self._queue_version = 0
        # Every waiting job's place, read from the store in one go and shared by all polls until the queue
        # changes: (queue version, time read, places), replaced whole. One reader at a time refreshes it.
        self._places: tuple[int, float, dict[str, int]] = (-1, 0.0, {})
        self._places_lock = threading.Lock()

    # -- writes --------------------------------------------------------------------------------------------------
    def track(self, job: Job, first_log: LogLine | None = None) -> None:
        """A job this host accepted: known from the start, with its logs."""
        slim = replace(job, payload={}, result=None, secrets={})
        self._put(job.id, Entry(slim, logs=[first_log] if first_log else []))
        self._queue_version += 1

    def on_event(self, job_id: str, event: Event) -> None:
        if event.kind in ("status", "done"):
            self._queue_version += 1
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is None:
                return
            now = time.monotonic()
            if event.kind in ("status", "done"):
                entry.changes += 1
            if event.kind == "status" and entry.job.status != Status.COMPLETED:
                entry.job = replace(entry.job, status=Status(event.data["status"]), started_at=time.time())
                entry.seen = now
            elif event.kind == "log" and entry.logs is not None:
                entry.logs.append(
                    LogLine(event.data["message"], event.data.get("level", "INFO"), "USER", event.data.get("ts", 0.0))
                )
            elif event.kind == "done" and event.data.get("dropped"):
                entry.seen = float("-inf")  # another ending won: the store knows which
            elif event.kind == "done":
                data = event.data
                entry.job = replace(
                    entry.job,
                    status=Status.COMPLETED,
                    outcome=Outcome(data["outcome"]),
                    metrics=data.get("metrics") or {},
                    error=data.get("error"),
                    finished_at=time.time(),
                )
                entry.seen = now

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._entries.pop(job_id, None)

    def _put(self, job_id: str, entry: Entry) -> None:
        with self._lock:
            self._entries[job_id] = entry
            self._entries.move_to_end(job_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    # -- reads ---------------------------------------------------------------------------------------------------
    def fresh(self, job_id: str) -> Job | None:
        """The job from memory if the entry is current (no store read), else None."""
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is None:
                return None
            if entry.job.status != Status.COMPLETED and time.monotonic() - entry.seen >= REFRESH_SECONDS:
                return None
            return entry.job

    def cached(
        self, job_id: str, *, with_logs: bool, polled: bool = False
    ) -> tuple[Job, list[LogLine] | None, int | None] | None:
        """(job, logs, queue position) when memory alone can answer a poll (no store read at all), else None.
        ``polled``: this answers a status poll, which ``hold`` remembers."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is None:
                return None
            if entry.job.status != Status.COMPLETED and now - entry.seen >= REFRESH_SECONDS:
                return None
            if with_logs and entry.logs is None:
                return None
            position = None
            if entry.job.status == Status.IN_QUEUE:
                places = self._current_places(now)
                position = places.get(job_id) if places is not None else None
                if position is None:
                    return None
            if polled:
                _mark_answered(entry, now)
            return entry.job, list(entry.logs) if with_logs and entry.logs is not None else None, position

    def mark_answered(self, job_id: str) -> None:
        """A status poll is being answered from what the board holds now (read from the store if need be)."""
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is not None:
                _mark_answered(entry, time.monotonic())

    def hold(self, job_id: str, *, with_logs: bool, window: float, queued_window: float | None = None) -> float:
        """Seconds a status poll should wait for news before it is answered: while the job is unfinished, a poll
        within ``window`` of the last answer (``queued_window`` while the job waits in the queue), with nothing
        new since (no status change; no log line, for a poll that shows them), waits until that long after the
        answer or until something happens, whichever is first. 0: answer now."""
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is None or entry.answered is None or entry.job.status == Status.COMPLETED:
                return 0.0
            if entry.job.status == Status.IN_QUEUE and queued_window is not None:
                window = queued_window
            at, changes, lines = entry.answered
            if window <= 0 or entry.changes != changes or (with_logs and len(entry.logs or ()) != lines):
                return 0.0
            return max(0.0, at + window - time.monotonic())

    def job(self, job_id: str) -> Job | None:
        """The job as a poll shows it: from memory when current, else from the store (and remembered)."""
        with self._lock:
            entry = self._entries.get(job_id)
            fresh = entry is not None and (
                entry.job.status == Status.COMPLETED or time.monotonic() - entry.seen < REFRESH_SECONDS
            )
            if entry is not None and fresh:
                return entry.job
        stored = self.store.peek(job_id)
        if stored is None:
            self.forget(job_id)
            return None
        with self._lock:
            current = self._entries.get(job_id)
            if current is not None:
                current.job, current.seen = stored, time.monotonic()
                if stored.status == Status.COMPLETED:
                    current.logs = None  # the final logs are in the store
                return stored
        self._put(job_id, Entry(stored))
        return stored

    def logs(self, job_id: str, read_store: Callable[[str], list[LogLine]]) -> list[LogLine]:
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is not None and entry.logs is not None:
                return list(entry.logs)
        return read_store(job_id)

    def position(self, job_id: str) -> int | None:
        """Queue position (None: not waiting), from the shared table of places, read again after any queue
        change this host saw and when POSITION_SECONDS old."""
        places = self._current_places(time.monotonic())
        if places is None:
            with self._places_lock:  # the others waiting here take the table the first one read
                places = self._current_places(time.monotonic())
                if places is None:
                    version, now = self._queue_version, time.monotonic()
                    places = self.store.queue_positions()
                    self._places = (version, now, places)
        return places.get(job_id)

    def _current_places(self, now: float) -> dict[str, int] | None:
        version, read_at, places = self._places
        return places if version == self._queue_version and now - read_at < POSITION_SECONDS else None


def _mark_answered(entry: Entry, now: float) -> None:
    """What ``hold`` compares the next poll against: when, and the status changes and log lines shown."""
    entry.answered = (now, entry.changes, len(entry.logs or ()))
