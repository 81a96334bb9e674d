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
