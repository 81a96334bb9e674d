"""The status board: polls answered from memory while it is current, from the store when it is not."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from retouch.jobs.base import Job, LogLine, Outcome, Status
from retouch.jobs.events import Event
from retouch.jobs.store_sqlite import SQLiteJobStore
from retouch.service import status_board
from retouch.service.status_board import StatusBoard


class CountingStore(SQLiteJobStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.peeks = 0
        self.position_reads = 0

    def queue_positions(self) -> dict[str, int]:
        self.position_reads += 1
        return super().queue_positions()

    def peek(self, job_id: str) -> Job | None:
        self.peeks += 1
        return super().peek(job_id)


def _job(i: str) -> Job:
    return Job(id=i, app_id="a/b", owner="k", payload={"prompt": i}, created_at=time.time())


def test_a_tracked_job_is_answered_from_memory_through_its_life(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "db.sqlite")
    board = StatusBoard(store)
    job = _job("j")
    store.submit(job)
    board.track(job, LogLine("Request queued", "INFO", "SYSTEM", 1.0))
    assert board.job("j").status == Status.IN_QUEUE  # type: ignore[union-attr]
    board.on_event("j", Event("status", {"status": "IN_PROGRESS"}))
    board.on_event("j", Event("log", {"message": "step 1", "level": "INFO", "ts": 2.0}))
    assert board.job("j").status == Status.IN_PROGRESS  # type: ignore[union-attr]
    board.on_event("j", Event("done", {"outcome": "OK", "metrics": {"inference_time": 0.1}, "error": None}))
    done = board.cached("j", with_logs=True)
    assert done is not None
    assert done[0].status == Status.COMPLETED and done[0].outcome == Outcome.OK
    assert [line.message for line in done[1] or []] == ["Request queued", "step 1"]
    assert store.peeks == 0, "memory answered every read"


def test_a_stale_or_unknown_entry_is_read_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = CountingStore(tmp_path / "db.sqlite")
    board = StatusBoard(store)
    job = _job("j")
    store.submit(job)
    board.track(job)
    store.claim("w", 30)  # started by a worker this host did not hear from
    monkeypatch.setattr(status_board, "REFRESH_SECONDS", 0.0)
    assert board.job("j").status == Status.IN_PROGRESS  # type: ignore[union-attr]
    assert store.peeks == 1
    assert board.job("missing") is None


def test_a_dropped_ending_sends_the_next_read_to_the_store(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "db.sqlite")
    board = StatusBoard(store)
    job = _job("j")
    store.submit(job)
    board.track(job)
    store.complete("j", None, Outcome.CANCELLED, error={"detail": "cancelled"})
    board.on_event("j", Event("done", {"outcome": "OK", "dropped": True}))
    assert board.job("j").outcome == Outcome.CANCELLED  # type: ignore[union-attr]


def test_the_board_holds_at_most_its_capacity(tmp_path: Path) -> None:
    board = StatusBoard(SQLiteJobStore(tmp_path / "db.sqlite"), capacity=10)
    for i in range(25):
        board.track(_job(str(i)))
    assert len(board._entries) == 10 and "24" in board._entries and "0" not in board._entries


def test_a_polled_queue_reads_its_places_once_per_change_not_once_per_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(status_board, "POSITION_SECONDS", 60.0)  # a slow machine must not see them age
    store = CountingStore(tmp_path / "db.sqlite")
    board = StatusBoard(store)
    jobs = [_job(f"q{i}") for i in range(64)]
    for job in jobs:
        store.submit(job)
        board.track(job)
    for _ in range(10):  # every client polls ten times while nothing changes
        assert [board.position(j.id) for j in jobs] == list(range(64))
        assert all(board.cached(j.id, with_logs=False) is not None for j in jobs)  # the fast path has them
    assert store.position_reads == 1
    started = store.claim("w", 30)
    assert started is not None and started.id == "q0"
    board.on_event("q0", Event("status", {"status": "IN_PROGRESS"}))
    assert board.cached("q1", with_logs=False) is None  # the queue changed: places are read again first
    assert [board.position(j.id) for j in jobs[1:]] == list(range(63))  # at once, not after a while
    assert store.position_reads == 2
    assert board.cached("q1", with_logs=False)[2] == 0  # type: ignore[index]


def _board_with(tmp_path: Path, *, running: bool) -> StatusBoard:
    """A board tracking job "j", queued or started."""
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    board = StatusBoard(store)
    job = _job("j")
    store.submit(job)
    board.track(job, LogLine("Request queued", "INFO", "SYSTEM", 1.0))
    if running:
        board.on_event("j", Event("status", {"status": "IN_PROGRESS"}))
    return board


def test_a_poll_right_after_an_answer_waits_only_while_nothing_is_new(tmp_path: Path) -> None:
    board = _board_with(tmp_path, running=True)
    assert board.hold("j", with_logs=False, window=10) == 0, "never answered: at once"
    assert board.cached("j", with_logs=True, polled=True) is not None
    assert 9 < board.hold("j", with_logs=False, window=10) <= 10
    assert board.hold("j", with_logs=False, window=0) == 0, "holding switched off"
    assert board.hold("unknown", with_logs=False, window=10) == 0
    board.on_event("j", Event("log", {"message": "step 1", "level": "INFO", "ts": 2.0}))
    assert board.hold("j", with_logs=True, window=10) == 0, "a log line is news to a poll that shows logs"
    assert board.hold("j", with_logs=False, window=10) > 9, "and not to one that does not"
    assert board.cached("j", with_logs=False, polled=True) is not None
    board.on_event("j", Event("status", {"status": "IN_PROGRESS"}))  # handed back and started again
    assert board.hold("j", with_logs=False, window=10) == 0, "a status change is news"
    assert board.cached("j", with_logs=False, polled=True) is not None
    board.on_event("j", Event("done", {"outcome": "OK", "metrics": {}, "error": None}))
    assert board.hold("j", with_logs=False, window=10) == 0, "a finished job is answered at once"


def test_a_hold_ends_at_the_window(tmp_path: Path) -> None:
    board = _board_with(tmp_path, running=True)
    board.cached("j", with_logs=False, polled=True)
    time.sleep(0.06)
    assert board.hold("j", with_logs=False, window=0.05) == 0
    assert 5 < board.hold("j", with_logs=False, window=10) < 9.95, "what is left of the window"


def test_a_queued_job_is_held_for_its_own_window_until_it_starts(tmp_path: Path) -> None:
    board = _board_with(tmp_path, running=False)
    assert board.position("j") == 0  # the places are read (a poll's first answer comes from the store)
    assert board.cached("j", with_logs=False, polled=True) is not None
    assert 9 < board.hold("j", with_logs=False, window=1, queued_window=10) <= 10
    assert 0.5 < board.hold("j", with_logs=False, window=1) <= 1, "without a queued window, the one window"
    assert board.hold("j", with_logs=False, window=1, queued_window=0) == 0, "switched off for queued jobs"
    board.on_event("j", Event("status", {"status": "IN_PROGRESS"}))
    assert board.hold("j", with_logs=False, window=1, queued_window=10) == 0, "its start is news"
    assert board.cached("j", with_logs=False, polled=True) is not None
    assert 0.5 < board.hold("j", with_logs=False, window=1, queued_window=10) <= 1, "running: the running window"


def test_an_answer_from_the_store_is_marked_before_it_is_read(tmp_path: Path) -> None:
    """A poll answered through the store counts like one from memory, and an event that comes while it is read
    makes the next poll prompt rather than held."""
    board = _board_with(tmp_path, running=False)
    board.mark_answered("j")
    assert 9 < board.hold("j", with_logs=False, window=1, queued_window=10) <= 10
    board.on_event("j", Event("status", {"status": "IN_PROGRESS"}))
    assert board.hold("j", with_logs=False, window=1, queued_window=10) == 0
