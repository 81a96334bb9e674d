"""Live events of running jobs (logs, partial previews, status changes), from worker threads to async readers.

Events are a convenience for streams and waiters; the job store stays the source of truth, so a reader that
misses an event (or runs on another host) still learns the outcome by reading the store.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Event:
    kind: str  # "log" | "partial" | "status" | "done"
    data: dict[str, Any] = field(default_factory=dict)
    # Only within one process: an object a reader may use as it is (the ended job with its result, so a waiter on
    # the same host needs no store read). Never sent between hosts; readers elsewhere read the store.
    local: Any = None


Listener = Callable[[str, Event], None]

ENDS = frozenset({"done"})
STATUS_CHANGES = frozenset({"status", "done"})


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop, previews: bool, kinds: frozenset[str] | None) -> None:
        self.loop = loop
        self.previews = previews
        self.kinds = kinds
        self.queue: asyncio.Queue[Event] = asyncio.Queue()


class EventHub:
    """Fan-out of job events within one process. Thread-safe publish; async subscribe."""

    # Readers on this host get ended jobs from the hub itself (see ``hand_over``); a hub that spans hosts does not.
    delivers_locally = True
    HANDOVER_CAPACITY = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, list[_Subscriber]] = defaultdict(list)
        self._listeners: list[Listener] = []
        self._handover: OrderedDict[str, Any] = OrderedDict()

    def hand_over(self, job_id: str, ended: Any) -> None:
        """Keeps an ended job (with its whole result) for a reader on this host: a sync run's images travel to
        the waiting request this way instead of through the store. The most recent HANDOVER_CAPACITY are kept."""
        with self._lock:
            self._handover[job_id] = ended
            while len(self._handover) > self.HANDOVER_CAPACITY:
                self._handover.popitem(last=False)

    def drop_handovers(self) -> None:
        """Forgets every ended job kept for readers (their records or files were just deleted)."""
        with self._lock:
            self._handover.clear()

    def handed_over(self, job_id: str, *, take: bool = False) -> Any:
        with self._lock:
            return self._handover.pop(job_id, None) if take else self._handover.get(job_id)

    def listen(self, listener: Listener) -> None:
        """Called (in the publishing thread) with every job's events: the status board keeps its copy this way."""
        self._listeners.append(listener)

    def publish(self, job_id: str, event: Event) -> None:
        for listener in self._listeners:
            listener(job_id, event)
        with self._lock:
            subs = list(self._subs.get(job_id, ()))
        for sub in subs:
            if sub.kinds is not None and event.kind not in sub.kinds:
                continue
            try:
                sub.loop.call_soon_threadsafe(sub.queue.put_nowait, event)
            except RuntimeError:  # the reader's loop has closed
                pass

    def has_subscribers(self, job_id: str) -> bool:
        """Whether anyone reads this job's previews (making them costs an encode per step)."""
        with self._lock:
            return any(sub.previews for sub in self._subs.get(job_id, ()))

    def close(self) -> None:
        """Nothing to release in one process; the Redis hub stops its relay here."""

    def subscribe(self, job_id: str, *, previews: bool = True, kinds: frozenset[str] | None = None) -> Subscription:
        """``previews``: this reader shows partial images (a stream); a waiter for the end does not.
        ``kinds``: the only events this reader is woken for (a sync request waits for "done" alone, a status
        stream without logs for "status" and "done"): every other event would wake the event loop for nothing."""
        wants_previews = previews and (kinds is None or "partial" in kinds)
        sub = _Subscriber(asyncio.get_running_loop(), wants_previews, kinds)
        with self._lock:
            self._subs[job_id].append(sub)
        return Subscription(self, job_id, sub)

    def _unsubscribe(self, job_id: str, sub: _Subscriber) -> None:
        with self._lock:
            subs = self._subs.get(job_id)
            if subs and sub in subs:
                subs.remove(sub)
                if not subs:
                    del self._subs[job_id]


class Subscription:
    def __init__(self, hub: EventHub, job_id: str, sub: _Subscriber) -> None:
        self._hub = hub
        self._job_id = job_id
        self._sub = sub

    async def get(self, timeout: float | None) -> Event | None:
        try:
            async with asyncio.timeout(timeout):  # unlike wait_for, no task per event
                return await self._sub.queue.get()
        except TimeoutError:
            return None

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self._sub.queue.get()

    def get_nowait(self) -> Event | None:
        try:
            return self._sub.queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def close(self) -> None:
        self._hub._unsubscribe(self._job_id, self._sub)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
