"""The JobStore contract (jobs/base.py), run on every backend: SQLite, Redis and Redis Cluster (one node, keys under a
hash-tag prefix). The rules each store keeps alone are tested beside it: tests/unit/test_store_sqlite.py and
tests/distributed/test_store_redis.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from retouch.jobs.base import CancelResult, ClaimLimits, Job, JobStore, LogLine, Outcome, Status
from retouch.jobs.store_redis import RedisJobStore
from retouch.jobs.store_sqlite import SQLiteJobStore


@dataclass
class Backing:
    """Where a store keeps its data; ``open`` makes another store on the same data (a restart, another host)."""

    make: Callable[[], JobStore]
    opened: list[JobStore] = field(default_factory=list)

    def open(self) -> JobStore:
        store = self.make()
        self.opened.append(store)
        return store


def _redis_cluster_store(url: str) -> JobStore:
    import redis

    client = redis.RedisCluster.from_url(url, decode_responses=True)
    return RedisJobStore(url, client=client, prefix="{rt}:", secret_key="contract")


@pytest.fixture(params=["sqlite", "redis", "redis-cluster"])
def backing(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backing]:
    if request.param == "sqlite":
        back = Backing(lambda: SQLiteJobStore(tmp_path / "db.sqlite"))
    elif request.param == "redis":
        url = request.getfixturevalue("fresh_redis")
        back = Backing(lambda: RedisJobStore(url, secret_key="contract"))
    else:
        import redis

        url = request.getfixturevalue("redis_cluster_url")
        redis.RedisCluster.from_url(url).flushall()
        back = Backing(lambda: _redis_cluster_store(url))
    yield back
    for store in back.opened:
        store.close()


@pytest.fixture
def store(backing: Backing) -> JobStore:
    return backing.open()


def _job(i: str, priority: int = 0, owner: str | None = "k", **kw: Any) -> Job:
    return Job(
        id=i,
        app_id="openai/gpt-image-2/edit",
        owner=owner,
        payload={"prompt": i, "seed": 2**63 - 1},
        priority=priority,
        created_at=time.time(),
        **kw,
    )


def _drain(store: JobStore, limits: ClaimLimits | None = None) -> list[str]:
    order = []
    while (job := store.claim("w", 30, limits)) is not None:
        order.append(job.id)
        store.complete(job.id, "w", Outcome.OK, result={})
    return order


def test_fifo_priority_positions_and_one_result(store: JobStore) -> None:
    for i in range(3):
        store.submit(_job(f"n{i}"))
    store.submit(_job("low", priority=1))
    assert [store.queue_position(j) for j in ("n0", "n1", "n2", "low")] == [0, 1, 2, 3]
    assert store.queue_positions() == {"n0": 0, "n1": 1, "n2": 2, "low": 3}
    first = store.claim("w1", 30)
    assert first is not None and first.id == "n0" and first.status == Status.IN_PROGRESS and first.attempts == 1
    assert first.payload["seed"] == 2**63 - 1  # big integers survive the store
    assert store.queue_position("n0") is None and store.queue_position("n1") == 0
    assert store.queue_positions() == {"n1": 0, "n2": 1, "low": 2}
    assert store.queued_count() == 3 and store.queued_count("k") == 3 and store.queued_count("z") == 0
    assert store.complete("n0", "w1", Outcome.OK, result={"images": []})
    assert not store.complete("n0", "w1", Outcome.OK, result={"images": ["again"]})
    done = store.get("n0")
    assert done is not None and done.status == Status.COMPLETED and done.outcome == Outcome.OK
    assert done.result == {"images": []} and done.finished_at is not None
    assert _drain(store) == ["n1", "n2", "low"]
    assert store.counts().get(Status.COMPLETED.value) == 4 and store.counts().get(Status.IN_QUEUE.value, 0) == 0


def test_low_priority_runs_only_when_no_normal_job_waits(store: JobStore) -> None:
    store.submit(_job("low-a", owner="a", priority=1))
    store.submit(_job("normal-b", owner="b"))
    store.submit(_job("normal-a", owner="a"))
    order = _drain(store)  # which of two keys that have not had a turn goes first is the store's choice
    assert sorted(order[:2]) == ["normal-a", "normal-b"] and order[2] == "low-a"


def test_a_dead_workers_job_is_taken_over_and_its_late_result_refused(store: JobStore) -> None:
    store.submit(_job("j"))
    assert store.claim("dead", 0.2) is not None
    store.requeue_expired(time.time())
    assert store.claim("alive", 0.2) is None  # its lease has not run out yet
    time.sleep(0.3)
    store.requeue_expired(time.time())
    again = store.claim("alive", 0.2)  # every worker of a deployment has the same lease
    assert again is not None and again.id == "j" and again.attempts == 2 and again.worker == "alive"
    assert not store.complete("j", "dead", Outcome.OK, result={"from": "dead"})
    assert store.complete("j", "alive", Outcome.OK, result={"from": "alive"})
    assert store.get("j").result == {"from": "alive"}  # type: ignore[union-attr]


def test_heartbeat_keeps_a_job_from_being_taken_over(store: JobStore) -> None:
    store.submit(_job("h"))
    store.claim("w", 0.3)
    for _ in range(3):
        time.sleep(0.15)
        assert store.heartbeat("h", "w", 0.3)
    assert not store.heartbeat("h", "someone-else", 0.3)
    store.requeue_expired(time.time())
    assert store.claim("other", 0.3) is None


def test_cancel_queued_running_and_done(store: JobStore) -> None:
    store.submit(_job("q"))
    store.submit(_job("r"))
    assert store.request_cancel("q") == CancelResult.CANCELLATION_REQUESTED
    q = store.get("q")
    # The store only flags the job; ending a queued one is the caller's (the service's JobEnding) business.
    assert q is not None and q.status == Status.IN_QUEUE and store.cancel_requested("q")
    assert store.complete("q", None, Outcome.CANCELLED, error={"detail": "cancelled"})
    assert store.get("q").outcome == Outcome.CANCELLED  # type: ignore[union-attr]
    running = store.claim("w", 30)
    assert running is not None and running.id == "r"  # the cancelled one was skipped
    assert not store.cancel_requested("r")
    assert store.request_cancel("r") == CancelResult.CANCELLATION_REQUESTED and store.cancel_requested("r")
    assert store.get("r").status == Status.IN_PROGRESS  # type: ignore[union-attr]  # it ends at its next step
    assert store.request_cancel("nope") == CancelResult.NOT_FOUND
    assert store.complete("r", "w", Outcome.CANCELLED, error={"detail": "cancelled"})
    assert store.request_cancel("r") == CancelResult.ALREADY_COMPLETED
    assert store.request_cancel("q") == CancelResult.ALREADY_COMPLETED


def test_secrets_reach_the_worker_and_are_erased_when_the_job_ends(backing: Backing, store: JobStore) -> None:
    store.submit(_job("s", secrets={"openai_api_key": "sk-test-SECRET"}))
    claimed = store.claim("w", 30)
    assert claimed is not None and claimed.secrets == {"openai_api_key": "sk-test-SECRET"}
    assert claimed.secret_names == ["openai_api_key"]
    store.complete("s", "w", Outcome.OK, result={})
    assert store.get("s").secrets == {}  # type: ignore[union-attr]
    assert backing.open().get("s").secrets == {}  # type: ignore[union-attr]


def test_logs_history_and_webhooks(store: JobStore) -> None:
    store.submit(_job("a", owner="alice", webhook_url="http://127.0.0.1:9/hook"))
    store.submit(_job("b", owner="bob"))
    store.submit(_job("c", owner="alice", in_history=False))
    store.append_log("a", LogLine("hello", "INFO", "USER", time.time()))
    store.append_log("a", LogLine("again", "WARNING", "SYSTEM", time.time()))
    assert [(line.message, line.level) for line in store.logs("a")] == [("hello", "INFO"), ("again", "WARNING")]
    assert [line.message for line in store.logs("a", since=1)] == ["again"]
    assert [j.id for j in store.history("alice", None, 10, None)] == ["a"]
    assert {j.id for j in store.history(None, None, 10, None)} == {"a", "b"}
    assert store.history(None, "fal-ai/", 10, None) == []
    assert store.due_webhooks(time.time() + 1) == []  # not before the job ends
    _drain(store)
    due = store.due_webhooks(time.time() + 1)
    assert [(h.job_id, h.url) for h in due] == [("a", "http://127.0.0.1:9/hook")]
    store.webhook_retry("a", time.time() + 100)
    assert store.due_webhooks(time.time() + 1) == []
    assert [h.job_id for h in store.due_webhooks(time.time() + 101)] == ["a"]
    store.webhook_done("a")
    assert store.due_webhooks(time.time() + 1000) == []
    store.delete("a")
    assert store.get("a") is None and store.logs("a") == [] and store.history("alice", None, 10, None) == []


def test_usage_is_added_up_per_key_and_day(store: JobStore) -> None:
    now = time.time()
    store.record_usage("alice", now, 2, 100, 0.5)
    store.record_usage("alice", now, 1, 50, 0.25)
    store.record_usage("bob", now, 4, 0, 1.0)
    alice = store.usage_by_day("alice", now - 86400)[-1]
    assert (alice["requests"], alice["images"], alice["tokens"], alice["cost"]) == (2, 3, 150, 0.75)
    everyone = store.usage_by_day(None, now - 86400)[-1]
    assert (everyone["requests"], everyone["images"], everyone["cost"]) == (3, 7, 1.75)


def test_a_burst_from_one_key_does_not_starve_another(store: JobStore) -> None:
    for i in range(30):
        store.submit(_job(f"burst-{i}", owner="burst"))
    store.submit(_job("quiet-0", owner="quiet"))
    store.submit(_job("quiet-1", owner="quiet"))
    assert store.queue_position("quiet-0") == 1  # behind one of the burst's jobs, not thirty
    store.submit(_job("late-low", owner="quiet", priority=1))
    waiting = [f"burst-{i}" for i in range(30)] + ["quiet-0", "quiet-1", "late-low"]
    every = store.queue_positions()  # all places in one read: what each job's own read says
    assert every == {j: store.queue_position(j) for j in waiting}
    assert every["late-low"] == 32  # after every job of normal priority
    order = _drain(store)
    assert order.index("quiet-0") <= 1 and order.index("quiet-1") <= 3
    assert [j for j in order if j.startswith("burst")] == [f"burst-{i}" for i in range(30)]


def test_running_limit_per_key_lets_other_keys_through(store: JobStore) -> None:
    for i in range(3):
        store.submit(_job(f"a{i}", owner="a"))
    store.submit(_job("b0", owner="b"))
    limits = ClaimLimits(default_running=1)
    first, second, third = (store.claim(f"w{i}", 30, limits) for i in range(3))
    assert first is not None and second is not None
    assert {first.id, second.id} == {"a0", "b0"}
    assert third is None  # key a is at its limit, b has nothing left
    a0 = first if first.id == "a0" else second
    store.complete("a0", a0.worker, Outcome.OK, result={})
    nxt = store.claim("w9", 30, limits)
    assert nxt is not None and nxt.id == "a1"


def test_pause_holds_queued_jobs_for_every_store_on_the_same_data(backing: Backing, store: JobStore) -> None:
    store.submit(_job("x", owner=None))
    store.set_paused(True)
    assert store.claim("w", 30) is None and store.is_paused()
    other = backing.open()  # a restart, or another host
    assert other.is_paused() and other.claim("w", 30) is None
    other.set_paused(False)
    job = store.claim("w", 30)
    assert job is not None and job.id == "x"


def test_release_hands_a_running_job_back_without_counting_the_attempt(store: JobStore) -> None:
    store.submit(_job("r"))
    store.submit(_job("s", owner="z"))
    assert store.claim("w", 30) is not None
    assert [j.id for j in store.active()] == ["r", "s"]  # running first
    assert not store.release("r", "other-worker")
    assert store.release("r", "w")
    assert store.get("r").status == Status.IN_QUEUE  # type: ignore[union-attr]
    assert store.queued_count() == 2 and store.queued_count("k") == 1 and store.queued_count("y") == 0
    assert _drain(store) == ["s", "r"]  # r went to the back
    assert store.get("r").attempts == 1  # type: ignore[union-attr]
