"""Redis job store: the distributed shape. Request records, logs and results in Redis; the queue as Redis Streams
(one per key and priority) read by a consumer group, so a job claimed by a worker that died is reclaimed
(XAUTOCLAIM) by another once it has been idle longer than the lease. Keys take turns: a sorted set per priority
holds the keys with waiting jobs, scored by their last turn, so one key's burst does not starve the others (the
same rule as the embedded store), and keys at their running limit are skipped.

Secrets (a caller's OpenAI key) must reach a worker on another host, so they are stored encrypted (Fernet, key
from ``secret_key``); without a key configured, a request carrying one is refused.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import redis

from ..errors import InputError, StorageError
from . import redis_scripts as lua
from .base import CancelResult, ClaimLimits, Job, LogLine, Outcome, Status, UsageRecord, Webhook
from .queue_order import places
from .redis_keys import DEFAULT_PREFIX, RedisKeys

GROUP = "workers"
PRIORITIES = (0, 1)  # normal, low
WEBHOOK_LEASE = 120.0


def _owner_key(owner: str | None) -> str:
    return owner or ""


def _priority(doc: dict[str, Any]) -> int:
    return 1 if doc.get("priority") else 0


class RedisJobStore:
    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        secret_key: str | None = None,
        default_ttl: float = 0.0,
        client: Any = None,
    ) -> None:
        """``client``: a redis-py client made elsewhere (a ``RedisCluster``, say) to use instead of ``url``'s. It
        must decode replies to str."""
        # decode_responses: every reply is str; typed Any because redis-py's stubs cannot express that.
        self.r: Any = client if client is not None else redis.Redis.from_url(url, decode_responses=True)
        self.keys = RedisKeys(prefix)
        if isinstance(self.r, redis.RedisCluster) and not self.keys.single_slot:
            raise StorageError(
                f"the Redis key prefix {prefix!r} has no hash tag, so a job's keys would land in different cluster "
                "slots; use a prefix like '{rt}:' on Redis Cluster"
            )
        self.default_ttl = default_ttl
        self._fernet = None
        if secret_key:
            import base64
            import hashlib

            from cryptography.fernet import Fernet

            self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()))
        try:
            self.r.ping()
        except redis.ConnectionError as exc:
            raise StorageError(f"cannot reach Redis at {url}: {exc}") from exc
        self._submit = self.r.register_script(lua.SUBMIT)
        self._claim = self.r.register_script(lua.CLAIM)
        self._complete = self.r.register_script(lua.COMPLETE)
        self._cancel = self.r.register_script(lua.CANCEL)
        self._release = self.r.register_script(lua.RELEASE)
        self._due = self.r.register_script(lua.DUE_WEBHOOKS)
        self._retire = self.r.register_script(lua.RETIRE_IF_EMPTY)

    # -- records -------------------------------------------------------------------------------------------------
    def _encode(self, job: Job) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": job.id,
            "app_id": job.app_id,
            "owner": job.owner,
            "owner_key": _owner_key(job.owner),
            "status": job.status.value,
            "priority": job.priority,
            "payload": json.dumps(job.payload),
            "created_at": job.created_at or time.time(),
            "in_history": job.in_history,
            "webhook_url": job.webhook_url,
            "base_url": job.base_url,
            "deadline": job.deadline,
            "attempts": job.attempts,
            "secret_names": sorted(job.secrets) or None,
        }
        if job.secrets:
            if self._fernet is None:
                raise InputError(
                    "openai_api_key",
                    "this distributed server has no secret_key (RETOUCH_SECRET_KEY) to encrypt the key with on its "
                    "way to a worker; ask the operator to set one, or send the request without a key",
                )
            doc["secrets_enc"] = self._fernet.encrypt(json.dumps(job.secrets).encode()).decode()
        return doc

    def _decode(self, raw: str | None) -> Job | None:
        if not raw:
            return None
        d = json.loads(raw)

        def text(name: str) -> Any:
            value = d.get(name)
            return json.loads(value) if isinstance(value, str) and value else None

        secrets: dict[str, str] = {}
        if d.get("secrets_enc") and self._fernet is not None:
            secrets = json.loads(self._fernet.decrypt(d["secrets_enc"].encode()))
        names = d.get("secret_names")
        return Job(
            id=d["id"],
            app_id=d["app_id"],
            owner=d.get("owner"),
            payload=text("payload") or {},
            status=Status(d["status"]),
            outcome=Outcome(d["outcome"]) if d.get("outcome") else None,
            created_at=float(d.get("created_at") or 0),
            started_at=d.get("started_at"),
            finished_at=d.get("finished_at"),
            priority=int(d.get("priority") or 0),
            in_history=bool(d.get("in_history")),
            webhook_url=d.get("webhook_url"),
            base_url=d.get("base_url") or "",
            secrets=secrets,
            secret_names=list(names) if isinstance(names, list) else [],
            result=text("result"),
            error=text("error"),
            metrics=text("metrics") or {},
            attempts=int(d.get("attempts") or 0),
            worker=d.get("worker"),
            cancel_requested=bool(d.get("cancel_requested")),
            deadline=d.get("deadline"),
        )

    def _raw(self, job_id: str) -> dict[str, Any] | None:
        raw = self.r.get(self.keys.job(job_id))
        return json.loads(raw) if raw else None

    # -- lifecycle -----------------------------------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        doc = self._encode(job)
        k, priority = self.keys, _priority(doc)
        stream = k.stream(priority, doc["owner_key"])
        try:
            self._submit(
                keys=[k.job(job.id), stream, k.queued, k.ready(priority), k.streams],
                args=[job.id, json.dumps(doc), doc["owner_key"], GROUP],
            )
            if job.in_history:
                score = doc["created_at"]
                self.r.zadd(k.history(doc["owner_key"]), {job.id: score})
                self.r.zadd(k.history(None), {job.id: score})
        except redis.RedisError as exc:
            raise StorageError(f"the job could not be stored in Redis: {exc}") from exc

    def peek(self, job_id: str) -> Job | None:
        return self.get(job_id)

    def get(self, job_id: str) -> Job | None:
        return self._decode(self.r.get(self.keys.job(job_id)))

    def _streams(self) -> list[str]:
        return sorted(self.r.smembers(self.keys.streams))

    def _delivered(self, stream: str) -> int:
        """Entries handed to a worker and not yet acknowledged: the running jobs, at the stream's head."""
        try:
            return int(self.r.xpending(stream, GROUP)["pending"])
        except redis.ResponseError:  # no group yet
            return 0

    def _undelivered(self, stream: str) -> int:
        return max(0, int(self.r.xlen(stream)) - self._delivered(stream))

    def queue_position(self, job_id: str) -> int | None:
        """Jobs that start first under the turn rule: higher priority, this key's earlier jobs, and from each other
        key at most one per round up to this job's round (the embedded store's rule)."""
        doc = self._raw(job_id)
        if doc is None or doc["status"] != Status.IN_QUEUE.value:
            return None
        stream, entry = doc["stream"], doc["entry"]
        priority = _priority(doc)
        before = len(self.r.xrange(stream, "-", entry, count=100_000)) - 1
        pending = int(self.r.xpending(stream, GROUP)["pending"])
        rank = max(0, before - pending)
        ahead = rank
        for owner in self.r.zrange(self.keys.ready(priority), 0, -1):
            if owner != doc["owner_key"]:
                ahead += min(self._undelivered(self.keys.stream(priority, owner)), rank + 1)
        if priority == 1:
            ahead += sum(self._undelivered(self.keys.stream(0, o)) for o in self.r.zrange(self.keys.ready(0), 0, -1))
        return ahead

    def queue_positions(self) -> dict[str, int]:
        waiting: list[tuple[str, int, str]] = []
        for priority in PRIORITIES:
            for owner in self.r.zrange(self.keys.ready(priority), 0, -1):
                stream = self.keys.stream(priority, owner)
                entries = self.r.xrange(stream, "-", "+", count=100_000)
                waiting += [(f["id"], priority, owner) for _, f in entries[self._delivered(stream) :] if "id" in f]
        return places(waiting)

    def claim(self, worker: str, lease_seconds: float, limits: ClaimLimits | None = None) -> Job | None:
        """Takes over a job whose worker stopped renewing first; then the next job, normal before low priority,
        from the key whose turn is oldest, skipping keys at their running limit."""
        if self.is_paused():
            return None
        now = time.time()
        idle_ms = int(lease_seconds * 1000)
        for stream in self._streams():
            try:
                _, entries, _ = self.r.xautoclaim(stream, GROUP, worker, min_idle_time=idle_ms, start_id="0-0", count=1)
            except redis.ResponseError:
                continue
            for entry_id, fields in entries:
                job = self._take(fields.get("id"), worker, now, reclaim=True)
                if job is not None:
                    return job
                self.r.xack(stream, GROUP, entry_id)
                self.r.xdel(stream, entry_id)
        running = self.r.hgetall(self.keys.running) if limits else {}
        for priority in PRIORITIES:
            ready = self.keys.ready(priority)
            for owner in self.r.zrange(ready, 0, -1):
                if limits and 0 < limits.running_limit(owner) <= int(running.get(owner, 0)):
                    continue
                job = self._claim_from(priority, owner, worker, now)
                if job is not None:
                    self.r.zadd(ready, {owner: self.r.incr(self.keys.turn)}, xx=True)
                    return job
        return None

    def _claim_from(self, priority: int, owner: str, worker: str, now: float) -> Job | None:
        stream = self.keys.stream(priority, owner)
        while True:
            got = self.r.xreadgroup(GROUP, worker, {stream: ">"}, count=1)
            entries = got[0][1] if got else []
            if not entries:
                self._retire(keys=[stream, self.keys.ready(priority)], args=[GROUP, owner])
                return None
            entry_id, fields = entries[0]
            job = self._take(fields.get("id"), worker, now, reclaim=False)
            if job is not None:
                return job
            self.r.xack(stream, GROUP, entry_id)  # cancelled or deleted meanwhile
            self.r.xdel(stream, entry_id)

    def _take(self, job_id: str | None, worker: str, now: float, *, reclaim: bool) -> Job | None:
        if not job_id:
            return None
        k = self.keys
        raw = self._claim(keys=[k.job(job_id), k.queued, k.running], args=[worker, now, "1" if reclaim else "0"])
        return self._decode(raw) if raw else None

    def heartbeat(self, job_id: str, worker: str, lease_seconds: float) -> bool:
        doc = self._raw(job_id)
        if doc is None or doc.get("worker") != worker or doc["status"] != Status.IN_PROGRESS.value:
            return False
        self.r.xclaim(doc["stream"], GROUP, worker, min_idle_time=0, message_ids=[doc["entry"]], justid=True)
        return True

    def complete(
        self,
        job_id: str,
        worker: str | None,
        outcome: Outcome,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        logs: list[LogLine] | None = None,
        usage: UsageRecord | None = None,
    ) -> bool:
        doc = self._raw(job_id)
        if doc is None:
            return False
        payload = json.loads(doc["payload"])
        ttl = _finite(payload.get("_retain_seconds", self.default_ttl), self.default_ttl)
        # A pending webhook is retried for about two hours: its record must outlive the retries.
        floor = 3 * 3600 if doc.get("webhook_url") else 1
        expire = int(max(ttl, floor)) if ttl else 0
        k = self.keys
        stored = self._complete(
            keys=[
                k.job(job_id),
                k.queued,
                k.running,
                k.webhooks,
                k.completed,
                k.stream(_priority(doc), doc["owner_key"]),
            ],
            args=[
                worker or "",
                outcome.value,
                json.dumps(result) if result is not None else "",
                json.dumps(error) if error is not None else "",
                json.dumps(metrics or {}),
                time.time(),
                GROUP,
                expire,
            ],
        )
        if stored and logs:
            self.append_logs(job_id, logs)
        if stored and expire:
            self.r.expire(k.logs(job_id), expire)
        if stored and usage is not None:
            self.record_usage(usage.owner, usage.ts, usage.images, usage.tokens, usage.cost)
        return bool(stored)

    def request_cancel(self, job_id: str) -> CancelResult:
        status = self._cancel(keys=[self.keys.job(job_id)])
        if status in ("NOT_FOUND", "ALREADY_COMPLETED"):
            return CancelResult(status)
        return CancelResult.CANCELLATION_REQUESTED

    def cancel_requested(self, job_id: str) -> bool:
        doc = self._raw(job_id)
        return bool(doc and doc.get("cancel_requested"))

    # -- logs ------------------------------------------------------------------------------------------------------
    def append_log(self, job_id: str, line: LogLine) -> None:
        self.r.rpush(self.keys.logs(job_id), json.dumps([line.timestamp, line.level, line.source, line.message]))

    def append_logs(self, job_id: str, lines: list[LogLine]) -> None:
        if lines:
            rows = [json.dumps([line.timestamp, line.level, line.source, line.message]) for line in lines]
            self.r.rpush(f"rt:logs:{job_id}", *rows)

    def logs(self, job_id: str, since: int = 0) -> list[LogLine]:
        rows = self.r.lrange(self.keys.logs(job_id), since, -1)
        out = []
        for row in rows:
            ts, level, source, message = json.loads(row)
            out.append(LogLine(message=message, level=level, source=source, timestamp=ts))
        return out

    # -- recovery: reclaiming happens in claim (XAUTOCLAIM), across hosts ---------------------------------------
    def requeue_expired(self, now: float) -> list[str]:
        return []

    def requeue_all_running(self) -> list[str]:
        return []

    # -- history and housekeeping ------------------------------------------------------------------------------
    def history(self, owner: str | None, app_prefix: str | None, limit: int, before: float | None) -> list[Job]:
        key = self.keys.history(owner)
        top = f"({before}" if before is not None else "+inf"
        ids = self.r.zrevrangebyscore(key, top, "-inf", start=0, num=limit * 2 + 10)
        jobs = []
        for job_id in ids:
            job = self.get(job_id)
            if job is None:
                self.r.zrem(key, job_id)  # expired
                continue
            if app_prefix and not job.app_id.startswith(app_prefix):
                continue
            jobs.append(job)
            if len(jobs) >= limit:
                break
        return jobs

    def delete(self, job_id: str) -> None:
        doc = self._raw(job_id)
        self.r.delete(self.keys.job(job_id), self.keys.logs(job_id))
        if doc:
            self.r.zrem(self.keys.history(doc["owner_key"]), job_id)
            self.r.zrem(self.keys.history(None), job_id)

    def delete_expired(self, now: float, default_ttl: float) -> int:
        """Redis expires finished records itself (EXPIRE at completion); this trims the history indexes."""
        removed = 0
        if default_ttl:
            removed += int(self.r.zremrangebyscore(self.keys.history(None), "-inf", now - default_ttl))
        return removed

    def due_webhooks(self, now: float, limit: int = 20) -> list[Webhook]:
        ids = self._due(keys=[self.keys.webhooks], args=[now, limit, WEBHOOK_LEASE])
        hooks = []
        for job_id in ids:
            doc = self._raw(job_id)
            if doc is None or not doc.get("webhook_url"):
                self.r.zrem(self.keys.webhooks, job_id)
                continue
            hooks.append(Webhook(job_id, doc["webhook_url"], int(doc.get("webhook_attempts") or 0), now))
        return hooks

    def webhook_done(self, job_id: str) -> None:
        self.r.zrem(self.keys.webhooks, job_id)

    def webhook_retry(self, job_id: str, next_at: float) -> None:
        doc = self._raw(job_id)
        if doc is not None:
            doc["webhook_attempts"] = int(doc.get("webhook_attempts") or 0) + 1
            self.r.set(self.keys.job(job_id), json.dumps(doc), keepttl=True)
        self.r.zadd(self.keys.webhooks, {job_id: next_at})

    def counts(self) -> dict[str, int]:
        streams = self._streams()
        running = sum(int(self.r.xlen(s)) for s in streams) - sum(self._undelivered(s) for s in streams)
        completed = sum(int(v) for v in (self.r.hgetall(self.keys.completed) or {}).values())
        return {
            Status.IN_QUEUE.value: sum(self._undelivered(s) for s in streams),
            Status.IN_PROGRESS.value: running,
            Status.COMPLETED.value: completed,  # ever completed, by this deployment
        }

    # -- usage ledger ------------------------------------------------------------------------------------------
    def record_usage(self, owner: str | None, ts: float, images: int, tokens: int, cost: float) -> None:
        day = time.strftime("%Y-%m-%d", time.gmtime(ts))
        key = self.keys.usage(_owner_key(owner), day)
        pipe = self.r.pipeline()
        pipe.hincrby(key, "requests", 1)
        pipe.hincrby(key, "images", images)
        pipe.hincrby(key, "tokens", tokens)
        pipe.hincrbyfloat(key, "cost", cost)
        pipe.sadd(self.keys.usage_owners, _owner_key(owner))
        pipe.execute()

    def usage_by_day(self, owner: str | None, since: float) -> list[dict[str, Any]]:
        owners = self.r.smembers(self.keys.usage_owners) if owner is None else {owner}
        days: dict[str, dict[str, Any]] = {}
        day = since - since % 86400
        while day <= time.time():
            name = time.strftime("%Y-%m-%d", time.gmtime(day))
            for who in owners:
                row = self.r.hgetall(self.keys.usage(who, name))
                if row:
                    acc = days.setdefault(name, {"day": name, "requests": 0, "images": 0, "tokens": 0, "cost": 0.0})
                    for k in ("requests", "images", "tokens"):
                        acc[k] += int(row.get(k, 0))
                    acc["cost"] = round(acc["cost"] + float(row.get("cost", 0)), 6)
            day += 86400
        return [days[k] for k in sorted(days)]

    # -- operator controls -----------------------------------------------------------------------------------
    def set_paused(self, paused: bool) -> None:
        self.r.set(self.keys.paused, "1" if paused else "0")

    def is_paused(self) -> bool:
        return bool(self.r.get(self.keys.paused) == "1")

    def queued_count(self, owner: str | None = None) -> int:
        if owner is None:
            return sum(self._undelivered(s) for s in self._streams())
        return max(0, int(self.r.hget(self.keys.queued, owner) or 0))

    def active(self, limit: int = 500) -> list[Job]:
        jobs = []
        for stream in self._streams():
            for _, fields in self.r.xrange(stream, count=limit):
                job = self.get(fields.get("id", ""))
                if job is not None and job.status != Status.COMPLETED:
                    jobs.append(job)
        jobs.sort(key=lambda j: (j.status != Status.IN_PROGRESS, j.priority))
        return jobs[:limit]

    def release(self, job_id: str, worker: str, *, count_attempt: bool = False) -> bool:
        doc = self._raw(job_id)
        if doc is None:
            return False
        k, priority = self.keys, _priority(doc)
        keys = [k.job(job_id), k.queued, k.running, k.ready(priority), k.stream(priority, doc["owner_key"])]
        return bool(self._release(keys=keys, args=[worker, GROUP, "1" if count_attempt else "0"]))

    def close(self) -> None:
        self.r.close()


def _finite(value: Any, default: float) -> float:
    """A retention in seconds from a stored payload; anything not a positive finite number means the default."""
    try:
        seconds = float(value or 0)
    except (TypeError, ValueError):
        return float(default)
    return seconds if math.isfinite(seconds) and seconds >= 0 else float(default)
