"""Job events across hosts: workers publish to Redis, every API host relays them to its local readers.

Logs, steps and previews of a job running on a GPU host reach the stream or SSE status reader connected to any
API host. The store stays the source of truth: a missed event only delays a reader until its next store read.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import redis

from ..jobs.redis_keys import DEFAULT_PREFIX, RedisKeys
from .events import Event, EventHub

log = logging.getLogger("retouch.events")


class RedisEventHub(EventHub):
    delivers_locally = False  # the reader may be on another host: results go through the store

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__()
        self._keys = RedisKeys(prefix)
        self._redis: Any = redis.Redis.from_url(url, decode_responses=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._relay, daemon=True, name="events-relay")
        self._thread.start()

    def publish(self, job_id: str, event: Event) -> None:
        try:
            self._redis.publish(self._keys.events(job_id), json.dumps({"kind": event.kind, "data": event.data}))
        except redis.RedisError:
            log.warning("event not published to Redis; readers fall back to the store", extra={"job_id": job_id})
            super().publish(job_id, event)

    def has_subscribers(self, job_id: str) -> bool:
        """A reader may be on another host: workers cannot tell, so previews are always made."""
        return True

    def close(self) -> None:
        self._stop.set()
        self._thread.join(3)
        try:
            self._redis.close()
        except redis.RedisError:
            pass

    def _relay(self) -> None:
        while not self._stop.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(self._keys.events_pattern)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    job_id = self._keys.job_of_events(str(message["channel"]))
                    body = json.loads(message["data"])
                    super().publish(job_id, Event(body["kind"], body.get("data") or {}))
            except redis.RedisError:
                log.warning("lost the Redis event channel; reconnecting")
                self._stop.wait(1.0)
