"""What the Redis store does beyond the JobStore contract (tests/unit/test_store_contract.py): secrets encrypted on
their way to another host, due webhooks leased to one API host at a time."""

from __future__ import annotations

import time

import pytest
import redis

from retouch.errors import InputError
from retouch.jobs.base import Job, Outcome
from retouch.jobs.store_redis import RedisJobStore


def _job(i: str, owner: str | None = "k", **kw: object) -> Job:
    return Job(id=i, app_id="openai/gpt-image-2/edit", owner=owner, payload={"prompt": i}, created_at=time.time(), **kw)  # type: ignore[arg-type]


def test_secrets_are_encrypted_at_rest_and_refused_without_a_key(fresh_redis: str) -> None:
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


def test_a_due_webhook_is_handed_to_one_api_host_at_a_time(fresh_redis: str) -> None:
    store, other_host = RedisJobStore(fresh_redis), RedisJobStore(fresh_redis)
    store.submit(_job("a", webhook_url="http://127.0.0.1:9/hook"))
    store.claim("w", 30)
    store.complete("a", "w", Outcome.OK, result={})
    assert [h.job_id for h in store.due_webhooks(time.time() + 1)] == ["a"]
    assert other_host.due_webhooks(time.time() + 1) == []  # leased while the first host sends it
