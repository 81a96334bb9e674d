"""Delivers completion webhooks: signed, retried with backoff, and durable (pending deliveries live in the store).

A background thread picks due deliveries from the job store, so a restart resumes them where they stood.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from ..errors import InputError
from ..jobs.base import JobStore, Outcome
from ..net.addresses import AddressPolicy, check_url, loggable, pin
from .signing import WebhookSigner

log = logging.getLogger("retouch.webhooks")

# Delays before attempts 2..10: about two hours in all, as fal does.
RETRY_DELAYS = [15, 30, 60, 120, 240, 480, 960, 1920, 3840]


def webhook_body(job_id: str, outcome: Outcome | None, result: Any, error: Any) -> dict[str, Any]:
    ok = outcome == Outcome.OK
    body: dict[str, Any] = {
        "request_id": job_id,
        "gateway_request_id": job_id,
        "status": "OK" if ok else "ERROR",
        "payload": result if ok else None,
    }
    if not ok:
        detail = (error or {}).get("detail", "the request failed")
        body["error"] = detail if isinstance(detail, str) else "Invalid input"
        body["payload"] = {"detail": detail}
    return body


class WebhookDispatcher:
    def __init__(
        self,
        store: JobStore,
        signer: WebhookSigner,
        policy: AddressPolicy,
        *,
        max_attempts: int = 10,
        delays: list[float] | None = None,
        transport: httpx.BaseTransport | None = None,
        resolver: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        self.store = store
        self.signer = signer
        self.policy = policy
        self.max_attempts = max_attempts
        self.delays = delays or [float(d) for d in RETRY_DELAYS]
        self.resolver = resolver
        self._client = httpx.Client(timeout=10.0, transport=transport, follow_redirects=False)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def check_url(self, url: str) -> None:
        check_url(url, field="fal_webhook", policy=self.policy, resolver=self.resolver)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="webhooks")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(5)

    def close(self) -> None:
        self._client.close()

    def notify(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for due in self.store.due_webhooks(time.time()):
                    self._deliver(due.job_id, due.url, due.attempts)
            except Exception:
                log.exception("webhook delivery loop failed")
            self._wake.wait(1.0)
            self._wake.clear()

    def _deliver(self, job_id: str, url: str, attempts: int) -> None:
        job = self.store.get(job_id)
        if job is None:
            self.store.webhook_done(job_id)
            return
        body = json.dumps(webhook_body(job.id, job.outcome, job.result, job.error)).encode()
        timestamp = str(int(time.time()))
        user = job.owner or "local"
        headers = {
            "content-type": "application/json",
            "x-fal-webhook-request-id": job.id,
            "x-fal-webhook-user-id": user,
            "x-fal-webhook-timestamp": timestamp,
            "x-fal-webhook-signature": self.signer.sign(job.id, user, timestamp, body),
        }
        try:
            target = pin(url, field="fal_webhook", policy=self.policy, resolver=self.resolver)
            response = self._client.post(
                target.connect_url,
                content=body,
                headers={**headers, "host": target.host_header},
                extensions=target.extensions,
            )
            ok = 200 <= response.status_code < 300
            reason = f"HTTP {response.status_code}"
        except InputError as exc:
            ok, reason = False, exc.message
        except httpx.HTTPError as exc:
            ok, reason = False, type(exc).__name__
        if ok:
            self.store.webhook_done(job_id)
            log.info("webhook delivered", extra={"request_id": job_id, "url": loggable(url)})
            return
        if attempts + 1 >= self.max_attempts:
            log.warning("webhook given up", extra={"request_id": job_id, "url": loggable(url), "reason": reason})
            self.store.webhook_done(job_id)
            return
        delay = self.delays[min(attempts, len(self.delays) - 1)]
        log.info(
            "webhook failed; will retry",
            extra={"request_id": job_id, "url": loggable(url), "reason": reason, "in_s": delay},
        )
        self.store.webhook_retry(job_id, time.time() + delay)
