"""Queue rules operators rely on: priority, per-key fairness, running limits, pause, hand-back."""

from __future__ import annotations

import time
from pathlib import Path

from retouch.jobs.base import ClaimLimits, Job, Outcome
from retouch.jobs.store_sqlite import SQLiteJobStore


def _job(i: str, owner: str | None, priority: int = 0) -> Job:
    return Job(
        id=i, app_id="openai/gpt-image-2/edit", owner=owner, payload={}, priority=priority, created_at=time.time()
    )


def _drain(store: SQLiteJobStore, limits: ClaimLimits | None = None) -> list[str]:
    order = []
    while (job := store.claim("w", 30, limits)) is not None:
        order.append(job.id)
        store.complete(job.id, "w", Outcome.OK, result={})
    return order


def test_a_burst_from_one_key_does_not_starve_another(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    for i in range(50):
        store.submit(_job(f"burst-{i}", "burst"))
    store.submit(_job("quiet-0", "quiet"))
    store.submit(_job("quiet-1", "quiet"))
    assert store.queue_position("quiet-0") == 1  # behind one of the burst's jobs, not fifty
    order = _drain(store)
    assert order.index("quiet-0") <= 1
    assert order.index("quiet-1") <= 3
    assert [j for j in order if j.startswith("burst")] == [f"burst-{i}" for i in range(50)]


def test_low_priority_runs_only_when_no_normal_job_waits(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("low-a", "a", priority=1))
    store.submit(_job("normal-b", "b"))
    store.submit(_job("normal-a", "a"))
    assert _drain(store) == ["normal-b", "normal-a", "low-a"]


def test_running_limit_per_key_lets_other_keys_through(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    for i in range(3):
        store.submit(_job(f"a{i}", "a"))
    store.submit(_job("b0", "b"))
    limits = ClaimLimits(default_running=1)
    first = store.claim("w1", 30, limits)
    second = store.claim("w2", 30, limits)
    third = store.claim("w3", 30, limits)
    assert first is not None and second is not None
    assert {first.id, second.id} == {"a0", "b0"}
    assert third is None  # key a is at its limit, b has nothing left
    store.complete("a0", "w1", Outcome.OK, result={})
    nxt = store.claim("w1", 30, limits)
    assert nxt is not None and nxt.id == "a1"


def test_pause_holds_queued_jobs_and_survives_reopening(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("x", None))
    store.set_paused(True)
    assert store.claim("w", 30) is None
    reopened = SQLiteJobStore(tmp_path / "db.sqlite")
    assert reopened.is_paused()
    reopened.set_paused(False)
    job = store.claim("w", 30)
    assert job is not None and job.id == "x"


def test_release_hands_a_running_job_back_without_counting_the_attempt(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("r", "k"))
    assert store.claim("w", 30) is not None
    assert [j.id for j in store.active()] == ["r"]
    assert not store.release("r", "other-worker")
    assert store.release("r", "w")
    assert store.queued_count() == 1 and store.queued_count("k") == 1 and store.queued_count("z") == 0
    again = store.claim("w2", 30)
    assert again is not None and again.attempts == 1
