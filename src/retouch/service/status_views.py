"""What a status poll shows, and when it is answered.

A poll is answered from the status board (memory) when it has all of it, else from the store in a thread; never a
store read on the event loop. A poll of an unfinished request that follows the last answer closely, with nothing
new since, waits for news (``poll_hold_ms``, ``queued_poll_hold_ms``): a client polling in a tight loop learns of a
change as soon as it happens (sooner than by polling again), and its polls stop taking the cores the edits run on.
The official clients poll every 100 ms (Python) or 500 ms (JS), later than the running window, so theirs are held
only while their request waits in the queue, where the news they wait for, the start, answers at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from ..config import Settings
from ..errors import NotFound
from ..jobs.base import Job, LogLine, Status
from ..jobs.events import STATUS_CHANGES, EventHub
from .caller import Caller
from .status_board import StatusBoard


@dataclass
class JobView:
    job: Job
    position: int | None
    logs: list[LogLine] | None


def visible(job_id: str, job: Job | None, caller: Caller) -> Job:
    """Another key's request answers as if it did not exist (404), so ids cannot be probed."""
    if job is None or (caller.key_id is not None and job.owner != caller.key_id and not caller.admin):
        raise NotFound(f"request {job_id} not found")
    return job


class StatusViews:
    def __init__(self, settings: Settings, board: StatusBoard, hub: EventHub) -> None:
        self.settings = settings
        self.board = board
        self.hub = hub

    def from_memory(self, job_id: str, caller: Caller, *, with_logs: bool, polled: bool = False) -> JobView | None:
        """The answer when the status board has all of it (no store read: safe on the event loop). ``polled``:
        it answers a status poll, which the next poll's hold is measured from."""
        cached = self.board.cached(job_id, with_logs=with_logs, polled=polled)
        if cached is None:
            return None
        job, logs, position = cached
        return JobView(job=visible(job_id, job, caller), position=position, logs=logs)

    async def now(self, job_id: str, caller: Caller, *, with_logs: bool) -> JobView:
        """The answer at once (a status stream's event, the check before a stream): memory, else the store."""
        view = self.from_memory(job_id, caller, with_logs=with_logs)
        if view is None:
            view = await anyio.to_thread.run_sync(lambda: self.from_store(job_id, caller, with_logs=with_logs))
        return view

    async def poll_from_memory(self, job_id: str, caller: Caller, *, with_logs: bool) -> JobView | None:
        """A status poll, held while nothing is new; None when memory can not answer it (``poll`` then does)."""
        await self._hold(job_id, caller, with_logs)
        return self.from_memory(job_id, caller, with_logs=with_logs, polled=True)

    async def poll(self, job_id: str, caller: Caller, *, with_logs: bool) -> JobView:
        """A status poll, held while nothing is new, answered from memory or from the store."""
        view = await self.poll_from_memory(job_id, caller, with_logs=with_logs)
        if view is None:
            view = await anyio.to_thread.run_sync(
                lambda: self.from_store(job_id, caller, with_logs=with_logs, polled=True)
            )
        return view

    def from_store(self, job_id: str, caller: Caller, *, with_logs: bool, polled: bool = False) -> JobView:
        """The answer from the status board where it is current, the store where not (blocking: a thread)."""
        if polled:
            self.board.mark_answered(job_id)  # before the reads: an event after them makes the next poll prompt
        job = visible(job_id, self.board.job(job_id), caller)
        position = self.board.position(job_id) if job.status == Status.IN_QUEUE else None
        if job.status == Status.IN_QUEUE and position is None:  # claimed between the two reads
            self.board.forget(job_id)
            job = visible(job_id, self.board.job(job_id), caller)
        logs = self.board.logs(job_id, self.board.store.logs) if with_logs else None
        return JobView(job=job, position=position or 0 if job.status == Status.IN_QUEUE else None, logs=logs)

    async def _hold(self, job_id: str, caller: Caller, with_logs: bool) -> None:
        windows = {
            "window": self.settings.poll_hold_ms / 1000,
            "queued_window": self.settings.queued_poll_hold_ms / 1000,
        }
        if self.board.hold(job_id, with_logs=with_logs, **windows) <= 0:
            return
        job = self.board.fresh(job_id)
        if job is None:
            return  # memory is not current: answered at once, from the store
        visible(job_id, job, caller)  # another key's poll: 404 at once, never held
        kinds = STATUS_CHANGES | {"log"} if with_logs else STATUS_CHANGES
        with self.hub.subscribe(job_id, previews=False, kinds=kinds) as sub:
            wait = self.board.hold(job_id, with_logs=with_logs, **windows)  # news before subscribing
            if wait > 0:
                await sub.get(wait)
