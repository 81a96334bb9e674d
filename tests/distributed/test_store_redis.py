"""The Redis job store against a real redis-server: the same lifecycle rules as the embedded store."""

from __future__ import annotations

import time

import pytest

from retouch.errors import InputError
from retouch.jobs.base import CancelResult, Job, LogLine, Outcome, Status
from retouch.jobs.store_redis import RedisJobStore


def _job(i: str, priority: int = 0, owner: str | None = "k", **kw: object) -> Job:
    return Job(
        id=i,
        app_id="openai/gpt-image-2/edit",
        owner=owner,
        payload={"prompt": i, "seed": 2**63 - 1},
        priority=priority,
        created_at=time.time(),
        **kw,
    )  # type: ignore[arg-type]


def test_fifo_priority_positions_and_complete_once(fresh_redis: str) -> None:
    store = RedisJobStore(fresh_redis)
    for i in range(3):
        store.submit(_job(f"n{i}"))
    store.submit(_job("low", priority=1))
    assert [store.queue_position(j) for j in ("n0", "n1", "n2", "low")] == [0, 1, 2, 3]
    first = store.claim("w1", 30)
    assert first is not None and first.id == "n0" and first.status == Status.IN_PROGRESS
    assert first.payload["seed"] == 2**63 - 1  # big integers survive the Lua scripts
    assert store.queue_position("n1") == 0 and store.queued_count() == 3 and store.queued_count("k") == 3
    assert store.complete("n0", "w1", Outcome.OK, result={"images": []})
    assert not store.complete("n0", "w1", Outcome.OK, result={"images": ["again"]})
    done = store.get("n0")
    assert done is not None and done.status == Status.COMPLETED and done.result == {"images": []}
    order = [store.claim("w1", 30).id for _ in range(3)]  # type: ignore[union-attr]
    assert order == ["n1", "n2", "low"]
    assert store.claim("w1", 30) is None


def test_a_dead_workers_job_is_reclaimed_and_its_late_result_refused(fresh_redis: str) -> None:
    store = RedisJobStore(fresh_redis)
    store.submit(_job("j"))
    assert store.claim("dead", 0.2) is not None
    assert store.claim("alive", 0.2) is None  # not idle long enough yet
    time.sleep(0.3)
    again = store.claim("alive", 0.2)
    assert again is not None and again.id == "j" and again.attempts == 2 and again.worker == "alive"
    assert not store.complete("j", "dead", Outcome.OK, result={"from": "dead"})
    assert store.complete("j", "alive", Outcome.OK, result={"from": "alive"})
    assert store.get("j").result == {"from": "alive"}  # type: ignore[union-attr]


def test_heartbeat_keeps_a_job_from_being_reclaimed(fresh_redis: str) -> None:
    store = RedisJobStore(fresh_redis)
    store.submit(_job("h"))
    store.claim("w", 0.3)
    for _ in range(3):
        time.sleep(0.15)
        assert store.heartbeat("h", "w", 0.3)
    assert store.claim("other", 0.3) is None


def test_cancel_queued_and_running(fresh_redis: str) -> None:
    store = RedisJobStore(fresh_redis)
    store.submit(_job("q"))
    store.submit(_job("r"))
    assert store.request_cancel("q") == CancelResult.CANCELLATION_REQUESTED
    assert store.cancel_requested("q") and store.get("q").status == Status.IN_QUEUE  # type: ignore[union-attr]
    assert store.complete("q", None, Outcome.CANCELLED, error={"detail": "cancelled"})  # what JobEnding does
    assert store.get("q").outcome == Outcome.CANCELLED  # type: ignore[union-attr]
    running = store.claim("w", 30)
    assert running is not None and running.id == "r"  # the cancelled one was skipped
    assert store.request_cancel("r") == CancelResult.CANCELLATION_REQUESTED and store.cancel_requested("r")
    assert store.request_cancel("nope") == CancelResult.NOT_FOUND
    store.complete("r", "w", Outcome.CANCELLED, error={"detail": "cancelled"})
    assert store.request_cancel("r") == CancelResult.ALREADY_COMPLETED


def test_secrets_are_encrypted_at_rest_and_refused_without_a_key(fresh_redis: str) -> None:
    import redis

    with pytest.raises(InputError) as exc:
        RedisJobStore(fresh_redis).submit(_job("s", secrets={"openai_api_key": "sk-PLAIN"}))
    assert exc.value.field == "openai_api_key"
    store = RedisJobStore(fresh_redis, secret_key="operator-secret")
    store.submit(_job("s2", secrets={"openai_api_key": "sk-PLAIN"}))
    r = redis.Redis.from_url(fresh_redis)
    assert all(b"sk-PLAIN" not in (r.dump(k) or b"") for k in r.keys("*"))
    claimed = RedisJobStore(fresh_redis, secret_key="operator-secret").claim("w", 30)  # another host, same key
    assert claimed is not None and claimed.secrets == {"openai_api_key": "sk-PLAIN"}
    store.complete("s2", "w", Outcome.OK, result={})
    assert store.get("s2").secrets == {}  # type: ignore[union-attr]


def test_logs_history_webhooks_usage_pause_release(fresh_redis: str) -> None:
    store = RedisJobStore(fresh_redis)
    store.submit(_job("a", owner="alice", webhook_url="http://127.0.0.1:9/hook"))
    store.submit(_job("b", owner="bob"))
    store.submit(_job("c", owner="alice", in_history=False))
    store.append_log("a", LogLine("hello", "INFO", "USER", time.time()))
    assert [line.message for line in store.logs("a")] == ["hello"]
    assert [j.id for j in store.history("alice", None, 10, None)] == ["a"]
    store.set_paused(True)
    assert store.claim("w", 30) is None and store.is_paused()
    store.set_paused(False)
    job = store.claim("w", 30)
    assert job is not None and job.id == "a"
    assert store.release("a", "w") and store.get("a").status == Status.IN_QUEUE  # type: ignore[union-attr]
    job = store.claim("w", 30)
    assert job is not None and job.id == "b"  # a went to the back
    store.complete("b", "w", Outcome.OK, result={})
    job = store.claim("w", 30)
    assert job is not None
    while job is not None:
        store.complete(job.id, "w", Outcome.OK, result={})
        job = store.claim("w", 30)
    due = store.due_webhooks(time.time() + 1)
    assert [h.job_id for h in due] == ["a"] and store.due_webhooks(time.time() + 1) == []  # leased
    store.webhook_done("a")
    store.record_usage("alice", time.time(), 2, 100, 0.5)
    store.record_usage("alice", time.time(), 1, 50, 0.25)
    rows = store.usage_by_day("alice", time.time() - 86400)
    assert rows[-1]["images"] == 3 and rows[-1]["cost"] == 0.75


def _drain(store: RedisJobStore, limits: object = None) -> list[str]:
    order = []
    while (job := store.claim("w", 30, limits)) is not None:  # type: ignore[arg-type]
        order.append(job.id)
        store.complete(job.id, "w", Outcome.OK, result={})
    return order


def test_a_burst_from_one_key_does_not_starve_another(fresh_redis: str) -> None:
    store = RedisJobStore(fresh_redis)
    for i in range(30):
        store.submit(_job(f"burst-{i}", owner="burst"))
    store.submit(_job("quiet-0", owner="quiet"))
    store.submit(_job("quiet-1", owner="quiet"))
    assert store.queue_position("quiet-0") == 1
    order = _drain(store)
    assert order.index("quiet-0") <= 1 and order.index("quiet-1") <= 3
    assert [j for j in order if j.startswith("burst")] == [f"burst-{i}" for i in range(30)]


def test_running_limit_per_key_lets_other_keys_through(fresh_redis: str) -> None:
    from retouch.jobs.base import ClaimLimits

    store = RedisJobStore(fresh_redis)
    for i in range(3):
        store.submit(_job(f"a{i}", owner="a"))
    store.submit(_job("b0", owner="b"))
    limits = ClaimLimits(default_running=1)
    first, second, third = (store.claim(f"w{i}", 30, limits) for i in range(3))
    assert first is not None and second is not None and third is None
    assert {first.id, second.id} == {"a0", "b0"}
    store.complete("a0", first.worker if first.id == "a0" else second.worker, Outcome.OK, result={})  # type: ignore[arg-type]
    nxt = store.claim("w9", 30, limits)
    assert nxt is not None and nxt.id == "a1"
