"""Every Redis key and channel name Retouch uses, built from one prefix.

Named in one place so that a deployment can share a Redis with other programs (a prefix of its own), and so that the
Lua scripts' ``KEYS`` lists can be read against the whole key space. With the default prefix the names are the ones
earlier versions wrote, so upgrading keeps queued jobs, history and usage.

Redis Cluster runs a script or a multi-key command only when all its keys hash to one slot. A prefix holding a hash
tag (``"{rt}:"``) puts every key of a deployment in the same slot: the store then runs on a cluster, on one shard.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "rt:"


@dataclass(frozen=True)
class RedisKeys:
    prefix: str = DEFAULT_PREFIX

    # -- one request ---------------------------------------------------------------------------------------------
    def job(self, job_id: str) -> str:
        """The request's JSON document (status, payload, result, worker, stream entry)."""
        return f"{self.prefix}job:{job_id}"

    def logs(self, job_id: str) -> str:
        """The request's log lines, a list."""
        return f"{self.prefix}logs:{job_id}"

    # -- the queue -----------------------------------------------------------------------------------------------
    def stream(self, priority: int, owner_key: str) -> str:
        """One key's queue at one priority: a stream read by the workers' consumer group."""
        return f"{self.prefix}q:{priority}:{owner_key}"

    def ready(self, priority: int) -> str:
        """Keys with waiting jobs at one priority, a sorted set scored by each key's last turn."""
        return f"{self.prefix}ready:{priority}"

    @property
    def streams(self) -> str:
        """Every queue stream ever made, a set: where a dead worker's jobs are looked for."""
        return f"{self.prefix}streams"

    @property
    def queued(self) -> str:
        """Queued jobs per key, a hash."""
        return f"{self.prefix}queued"

    @property
    def running(self) -> str:
        """Running jobs per key, a hash."""
        return f"{self.prefix}running"

    @property
    def completed(self) -> str:
        """Jobs ever completed per outcome, a hash."""
        return f"{self.prefix}completed"

    @property
    def turn(self) -> str:
        """The turn counter that orders keys in the ready sets."""
        return f"{self.prefix}turn"

    @property
    def paused(self) -> str:
        return f"{self.prefix}paused"

    # -- indexes and ledgers -------------------------------------------------------------------------------------
    def history(self, owner_key: str | None) -> str:
        """Requests kept in history, a sorted set by creation time: of one key, or of every key when None."""
        return f"{self.prefix}hist:{'*' if owner_key is None else owner_key}"

    @property
    def webhooks(self) -> str:
        """Requests whose webhook is due, a sorted set by the time of the next attempt."""
        return f"{self.prefix}webhooks"

    def usage(self, owner_key: str, day: str) -> str:
        """One key's usage on one UTC day (``YYYY-MM-DD``), a hash."""
        return f"{self.prefix}usage:{owner_key}:{day}"

    @property
    def usage_owners(self) -> str:
        """Keys that have a usage ledger, a set."""
        return f"{self.prefix}usage:owners"

    # -- pub/sub channels (not keys: they live outside the key space and its slots) -------------------------------
    def events(self, job_id: str) -> str:
        """The channel a request's progress events are published on."""
        return f"{self.prefix}events:{job_id}"

    @property
    def events_pattern(self) -> str:
        """The PSUBSCRIBE pattern that matches every request's channel (the prefix's glob characters escaped)."""
        escaped = "".join("\\" + c if c in "*?[]\\" else c for c in self.prefix)
        return f"{escaped}events:*"

    def job_of_events(self, channel: str) -> str:
        """The request id an events channel belongs to."""
        return channel.removeprefix(f"{self.prefix}events:")

    # -- Redis Cluster -------------------------------------------------------------------------------------------
    @property
    def single_slot(self) -> bool:
        """Whether every key hashes to one cluster slot: the prefix holds a non-empty hash tag (``{...}``)."""
        start = self.prefix.find("{")
        end = self.prefix.find("}", start + 1) if start >= 0 else -1
        return start >= 0 and end > start + 1
