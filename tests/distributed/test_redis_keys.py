"""Redis keys: every one built from the configured prefix, and every key a Lua script touches declared in its KEYS
(what Redis Cluster requires), checked on a real redis-server by watching what the scripts run."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import defaultdict
from typing import Any

import pytest
import redis

from retouch.errors import StorageError
from retouch.jobs import redis_scripts
from retouch.jobs.base import CancelResult, Job, LogLine, Outcome, Status
from retouch.jobs.events import Event
from retouch.jobs.events_redis import RedisEventHub
from retouch.jobs.redis_keys import RedisKeys
from retouch.jobs.store_redis import RedisJobStore

from ..support.redis_trace import MonitorTrace

SCRIPTS = {name: text for name, text in vars(redis_scripts).items() if name.isupper() and isinstance(text, str)}
CALL = re.compile(r"redis\.call(?:\(|,)\s*'(\w+)'")


def _job(i: str, owner: str | None = "k", priority: int = 0, **kw: Any) -> Job:
    return Job(id=i, app_id="a/b", owner=owner, payload={"prompt": i}, priority=priority, created_at=time.time(), **kw)


def exercise_every_script(store: RedisJobStore) -> None:
    """Runs each script through each of its branches that touches Redis, checking the store's answers on the way."""
    store.submit(_job("hooked", webhook_url="http://127.0.0.1:9/hook"))
    store.submit(_job("queued", owner="q"))
    store.submit(_job("low", owner=None, priority=1))
    store.append_log("hooked", LogLine("hello", "INFO", "USER", time.time()))
    assert store.request_cancel("queued") == CancelResult.CANCELLATION_REQUESTED  # flags it
    assert store.complete("queued", None, Outcome.CANCELLED, error={"detail": "cancelled"})  # as JobEnding does
    first = store.claim("w", 30)
    assert first is not None and first.id == "hooked"
    assert store.release("hooked", "w") and store.get("hooked").status == Status.IN_QUEUE  # type: ignore[union-attr]
    taken = [store.claim("dead", 1.0) for _ in range(2)]
    assert {j.id for j in taken if j} == {"hooked", "low"}
    assert store.claim("dead", 1.0) is None  # the normal queue's key is retired from the ready set
    time.sleep(1.1)
    again = store.claim("alive", 1.0)  # taken over from the dead worker
    assert again is not None and again.attempts == 2
    assert store.request_cancel(again.id) == CancelResult.CANCELLATION_REQUESTED
    for job_id in ("hooked", "low"):
        owner = store.get(job_id).worker  # type: ignore[union-attr]
        assert store.complete(job_id, owner, Outcome.OK, result={"ok": job_id})
    assert [h.job_id for h in store.due_webhooks(time.time() + 1)] == ["hooked"]


def test_every_key_a_script_touches_is_passed_in_KEYS(fresh_redis: str) -> None:
    store = RedisJobStore(fresh_redis, prefix="t{x}:", default_ttl=3600)
    with MonitorTrace(fresh_redis) as trace:
        exercise_every_script(store)
    names = {hashlib.sha1(text.encode()).hexdigest(): name for name, text in SCRIPTS.items()}
    ran: dict[str, set[str]] = defaultdict(set)
    for run in trace.runs():
        name = names[run.sha]
        for command in run.commands:
            ran[name].add(command[0].decode().upper())
            for key in trace.keys_of(command):
                assert key in run.declared, f"{name} touched {key!r} by {command[0]!r}, not one of its KEYS"
    for name, text in SCRIPTS.items():
        assert set(CALL.findall(text)) <= ran[name], f"{name}: not every redis.call ran, so not every one was checked"


def test_every_key_starts_with_the_prefix(fresh_redis: str) -> None:
    store = RedisJobStore(fresh_redis, prefix="t{x}:", default_ttl=3600)
    exercise_every_script(store)
    store.record_usage("k", time.time(), 1, 10, 0.1)
    store.set_paused(False)
    keys = redis.Redis.from_url(fresh_redis, decode_responses=True).keys("*")
    assert len(keys) > 10 and all(k.startswith("t{x}:") for k in keys), keys
    other = RedisJobStore(fresh_redis, prefix="other:")  # a second deployment on the same Redis sees nothing of it
    assert other.get("hooked") is None and other.claim("w", 30) is None and other.counts()["COMPLETED"] == 0


def test_the_store_runs_on_redis_cluster_with_a_hash_tag_prefix(redis_cluster_url: str) -> None:
    """A one-node cluster still refuses a script or command whose keys span slots: the hash tag keeps them in one."""
    client = redis.RedisCluster.from_url(redis_cluster_url, decode_responses=True)
    client.flushall()
    with pytest.raises(StorageError, match="hash tag"):
        RedisJobStore(redis_cluster_url, client=client)
    store = RedisJobStore(redis_cluster_url, client=client, prefix="{rt}:", default_ttl=3600)
    exercise_every_script(store)
    store.record_usage("k", time.time(), 2, 10, 0.5)
    assert store.usage_by_day("k", time.time() - 86400)[-1]["images"] == 2
    store.delete("low")
    assert store.get("low") is None and store.counts()["COMPLETED"] == 3
    client.close()


def test_the_default_prefix_keeps_the_key_names_of_earlier_versions() -> None:
    keys = RedisKeys()
    assert [keys.job("j"), keys.stream(1, "k"), keys.history(None), keys.usage("k", "2025-01-02")] == [
        "rt:job:j",
        "rt:q:1:k",
        "rt:hist:*",
        "rt:usage:k:2025-01-02",
    ]
    assert not keys.single_slot and RedisKeys("{rt}:").single_slot and not RedisKeys("{}rt:").single_slot


def test_events_travel_on_the_prefix_channels_only(fresh_redis: str) -> None:
    """A prefix with glob characters still matches only its own channels."""
    prefix = "ev[1]*:"
    sender, receiver = RedisEventHub(fresh_redis, prefix=prefix), RedisEventHub(fresh_redis, prefix=prefix)
    stranger = RedisEventHub(fresh_redis, prefix="ev1x:")
    r = redis.Redis.from_url(fresh_redis)
    deadline = time.time() + 10
    while sum(int(c["psub"]) > 0 for c in r.client_list()) < 3 and time.time() < deadline:  # relays subscribed
        time.sleep(0.02)

    async def read() -> tuple[Event | None, Event | None]:
        with receiver.subscribe("job-1") as mine, stranger.subscribe("job-1") as theirs:
            sender.publish("job-1", Event("log", {"message": "hi"}))
            got = await mine.get(timeout=10)
            return got, await theirs.get(timeout=0.5)

    try:
        got, leaked = asyncio.run(read())
    finally:
        for hub in (sender, receiver, stranger):
            hub.close()
    assert got is not None and got.data == {"message": "hi"} and leaked is None
