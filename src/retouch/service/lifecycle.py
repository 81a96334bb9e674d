"""The request lifecycle in one place: every door (fal routes, OpenAI routes, playground, CLI) calls this.

It validates and stores a request, wakes the workers, answers status/result/cancel, waits for sync runs and turns
live events into stream events. It knows the store, the engines' preflight and the event hub; never HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import anyio.to_thread

from ..config import Settings
from ..engines.base import TaskInfo, request_options
from ..engines.registry import EngineRegistry
from ..errors import EngineRefusal, InputError, NotFound, ReportedError
from ..jobs.base import CancelResult, Job, JobStore, LogLine, Outcome, Status
from ..jobs.events import ENDS, STATUS_CHANGES, EventHub, Subscription
from ..pricing import Prices
from ..worker.ending import JobEnding
from .caller import Caller
from .estimates import estimate_request
from .limits import check_capacity, retention_seconds
from .status_board import StatusBoard
from .status_views import StatusViews, visible
from .validate import CheckedInputs, InputChecker

log = logging.getLogger("retouch.service")

# How long after its end a job is answered from the worker's hand-over (memory): far inside any retention.
_HANDOVER_TRUSTED_SECONDS = 5.0

EDIT_APPS = {"openai/gpt-image-2/edit"}
GENERATE_APPS = {"openai/gpt-image-2", "fal-ai/gpt-image-2"}
SECRET_FIELDS = ("openai_api_key",)
# Internal payload field: how long this request's outputs and record are kept (seconds).
RETAIN_FIELD = "_retain_seconds"


@dataclass
class SubmitOptions:
    base_url: str
    webhook_url: str | None = None
    priority: int = 0
    in_history: bool = True
    start_timeout: float | None = None
    max_queue_length: int | None = None  # fal_max_queue_length: refuse when more are already waiting
    retention_seconds: float | None = None  # X-Fal-Object-Lifecycle-Preference


class RequestService:
    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        engines: EngineRegistry,
        hub: EventHub,
        checker: InputChecker,
        ending: JobEnding,
        *,
        wake_workers: Any = None,
        cancel_local: Any = None,
        check_webhook: Any = None,
        prices: Prices | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.engines = engines
        self.hub = hub
        self.checker = checker
        self.ending = ending
        self._wake_workers = wake_workers
        self._cancel_local = cancel_local
        self._check_webhook = check_webhook
        self.prices = prices or Prices()
        self.board = StatusBoard(store)
        hub.listen(self.board.on_event)
        self.status = StatusViews(settings, self.board, hub)

    # -- submit ------------------------------------------------------------------------------------------------
    def prepare(
        self, app_id: str, payload: dict[str, Any], caller: Caller, uploads: dict[str, bytes] | None = None
    ) -> tuple[dict[str, Any], dict[str, str], CheckedInputs]:
        """Checks a validated payload against this server's configuration and the engine; fills seed and engine."""
        payload = dict(payload)
        hidden = {name: payload.pop(name) for name in SECRET_FIELDS if payload.get(name)}
        payload.pop("openai_api_key", None)
        limit = self.settings.max_prompt_chars
        if len(payload.get("prompt") or "") > limit:
            raise InputError("prompt", f"is {len(payload['prompt'])} characters; this server takes at most {limit}")
        if payload.get("num_images", 1) > self.settings.max_num_images:
            raise InputError("num_images", f"must be at most {self.settings.max_num_images} on this server")
        name = self.engines.resolve_name(
            payload.get("engine"), has_openai_key="openai_api_key" in hidden, model=payload.get("model")
        )
        model = payload.get("model")
        if model == name:  # OpenAI's ``model`` naming an engine, as /v1/models lists them
            payload.pop("model")
        elif model and not payload.get("engine") and self.engines.kind(name) != "openai":
            payload.pop("model")  # OpenAI's own model name with no key at hand: the default engine runs it
        payload["engine"] = name
        if payload.get("seed") is None:
            payload["seed"] = secrets.randbelow(2**31)
        engine = self.engines.get(name)
        self._check_request_fields(name, engine, payload)
        engine.preflight(
            TaskInfo(
                prompt=payload["prompt"],
                mode="generate" if app_id in GENERATE_APPS else "edit",
                num_inputs=len(payload.get("image_urls") or []),
                has_mask=bool(payload.get("mask_image_url")),
                num_images=payload.get("num_images", 1),
                quality=payload.get("quality", "high"),
                options={**hidden, **request_options(app_id, payload)},
            )
        )
        checked = self.checker.check(payload, caller.key_id, uploads)
        return payload, hidden, checked

    def _check_request_fields(self, name: str, engine: Any, payload: dict[str, Any]) -> None:
        """``model``, ``loras`` and a transparent ``background`` reach only engines that honour them
        (``request_fields``); others refuse rather than quietly ignore them."""
        taken = getattr(engine, "request_fields", ())
        if payload.get("loras") and "loras" not in taken:
            raise EngineRefusal(
                f"engine '{name}' does not take LoRAs",
                field="loras",
                capable_engines=self.engines.names_of_kind("diffusers"),
            )
        if payload.get("model") and "model" not in taken:
            raise InputError("model", f"engine '{name}' runs its own model; 'model' may name an engine instead")
        if payload.get("_background") == "transparent" and "background" not in taken:
            capable = self.engines.names_of_kind("classic") + self.engines.names_of_kind("openai")
            raise EngineRefusal(
                f"engine '{name}' paints opaque images; a transparent background needs an engine that cuts the "
                f"subject out ({', '.join(capable) or 'classic or openai'})",
                field="background",
                capable_engines=capable,
            )

    def submit(
        self,
        app_id: str,
        payload: dict[str, Any],
        caller: Caller,
        opts: SubmitOptions,
        *,
        job_id: str | None = None,
        uploads: dict[str, bytes] | None = None,
    ) -> Job:
        """Validates, checks capacity, stores the inputs, records the job and wakes a worker: in that order, so a
        request refused at any step leaves nothing behind."""
        if opts.webhook_url and self._check_webhook is not None:
            self._check_webhook(opts.webhook_url)
        payload, hidden, checked = self.prepare(app_id, payload, caller, uploads)
        check_capacity(self.store, self.settings, caller.key_id, opts.max_queue_length)
        retain = retention_seconds(self.settings, caller.key_id, opts.retention_seconds)
        if retain is not None:
            payload[RETAIN_FIELD] = retain
        now = time.time()
        payload = self.checker.store(
            payload, checked, caller.key_id, base_url=opts.base_url, expires_at=now + retain if retain else None
        )
        job = Job(
            id=job_id or str(uuid.uuid4()),
            app_id=app_id,
            owner=caller.key_id,
            payload=payload,
            created_at=now,
            priority=opts.priority,
            in_history=opts.in_history and not payload.get("sync_mode"),
            webhook_url=opts.webhook_url,
            base_url=opts.base_url,
            secrets=hidden,
            deadline=now + opts.start_timeout if opts.start_timeout else None,
        )
        self.store.submit(job)
        # The board shows this line at once; the store gets it with the job's first batch of lines (one write).
        self.board.track(job, LogLine("Request queued", "INFO", "SYSTEM", now))
        log.info("request accepted", extra={"request_id": job.id, "app_id": app_id, "engine": payload["engine"]})
        if self._wake_workers is not None:
            self._wake_workers()
        return job

    def estimate(self, app_id: str, payload: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """What the request would cost; nothing is stored or run."""
        return estimate_request(
            self.checker,
            self.engines,
            self.prices,
            generate=app_id in GENERATE_APPS,
            app_id=app_id,
            payload=payload,
            owner=caller.key_id,
        )

    # -- read --------------------------------------------------------------------------------------------------
    def get(self, job_id: str, caller: Caller) -> Job:
        return visible(job_id, self.store.get(job_id), caller)

    def ended_in_memory(self, job_id: str, caller: Caller) -> Job | None:
        """A job that ended on this host moments ago, as the worker handed it over (no store read: safe on the
        event loop): the fetch that follows a poll's COMPLETED. Only for a few seconds, so a record the sweep may
        have deleted is never answered from memory; sync-mode records keep their images out of the store, so they
        are read from there like any other."""
        ended = self.hub.handed_over(job_id)
        if not isinstance(ended, Job) or ended.payload.get("sync_mode"):
            return None
        if ended.finished_at is None or time.time() - ended.finished_at > _HANDOVER_TRUSTED_SECONDS:
            return None
        return visible(job_id, ended, caller)

    def history(self, caller: Caller, app_prefix: str | None, limit: int, before: float | None) -> list[Job]:
        """The caller's own requests, newest first (all of them when auth is off)."""
        return self.store.history(caller.key_id, app_prefix, limit, before)

    def usage(self, caller: Caller, days: int, *, all_keys: bool) -> dict[str, Any]:
        """Requests, images, tokens and cost per UTC day; every key's together for an admin who asks."""
        everyone = all_keys and (caller.admin or caller.key_id is None)
        owner = None if everyone else (caller.key_id or "")
        rows = self.store.usage_by_day(owner, time.time() - days * 86400)
        totals = {k: sum(r[k] for r in rows) for k in ("requests", "images", "tokens")}
        return {
            "key": None if everyone else caller.key_id,
            "days": rows,
            "total": {**totals, "cost": round(sum(r["cost"] for r in rows), 6)},
            "currency": "USD",
        }

    def queue_position(self, job_id: str) -> int:
        return self.board.position(job_id) or 0

    def finished(self, job_id: str) -> Job | None:
        """The whole record of a job (with its result), for the end of a stream: handed over on this host, or
        from the store."""
        ended = self.hub.handed_over(job_id)
        return cast(Job, ended) if ended is not None else self.store.get(job_id)

    def cancel(self, job_id: str, caller: Caller) -> CancelResult:
        """A queued job ends here and now; a running one is flagged and ends at its next step boundary (the
        worker sees the flag; a worker in this process is told at once)."""
        try:
            self.get(job_id, caller)
        except NotFound:
            return CancelResult.NOT_FOUND
        outcome = self.store.request_cancel(job_id)
        if outcome != CancelResult.CANCELLATION_REQUESTED:
            return outcome
        job = self.store.peek(job_id)
        if job is not None and job.status == Status.IN_QUEUE:
            self.ending.end(job, None, Outcome.CANCELLED)
        elif self._cancel_local is not None:
            self._cancel_local(job_id)
        return outcome

    def forget(self, job: Job) -> None:
        """Drops a sync-mode request once answered: its output is not kept in history or storage."""
        self.store.delete(job.id)
        self.board.forget(job.id)
        self.hub.handed_over(job.id, take=True)

    # -- waiting and streaming ---------------------------------------------------------------------------------
    async def _current(self, job_id: str) -> Job | None:
        """The job's state from memory, or from the store in a thread (never a store read on the event loop)."""
        job = self.board.fresh(job_id)
        if job is not None:
            return job
        return await anyio.to_thread.run_sync(self.board.job, job_id)

    async def wait(self, job_id: str, timeout: float | None = None) -> Job:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.hub.subscribe(job_id, kinds=ENDS) as sub:
            while True:
                job = await self._current(job_id)
                if job is None:
                    raise NotFound(f"request {job_id} not found")
                if job.status == Status.COMPLETED:
                    full = self.hub.handed_over(job_id) or await anyio.to_thread.run_sync(self.store.get, job_id)
                    if full is None:
                        raise NotFound(f"request {job_id} not found")
                    return cast(Job, full)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return job
                # Events wake us at once in-process (the ended job comes with the event: no store read); the
                # poll covers workers in other processes.
                event = await sub.get(timeout=min(1.0, remaining) if remaining is not None else 1.0)
                if event is not None and event.kind == "done" and isinstance(event.local, Job):
                    return event.local

    async def submit_streaming(
        self,
        app_id: str,
        payload: dict[str, Any],
        caller: Caller,
        opts: SubmitOptions,
        uploads: dict[str, bytes] | None = None,
    ) -> tuple[Job, AsyncIterator[dict[str, Any]]]:
        """Submits with the live events already subscribed, so a fast job's previews are not missed."""
        job_id = str(uuid.uuid4())
        sub = self.hub.subscribe(job_id)
        try:
            job = await anyio.to_thread.run_sync(
                lambda: self.submit(app_id, payload, caller, opts, job_id=job_id, uploads=uploads)
            )
        except BaseException:
            sub.close()
            raise
        return job, self._follow(job_id, sub)

    async def events(self, job_id: str, *, previews: bool = False, logs: bool = True) -> AsyncIterator[dict[str, Any]]:
        """Live events of a job until it completes: {"type": "partial"|"log"|"status", ...}; without ``logs``,
        status changes alone."""
        kinds = None if logs else STATUS_CHANGES
        async for event in self._follow(job_id, self.hub.subscribe(job_id, previews=previews, kinds=kinds)):
            yield event

    async def _follow(self, job_id: str, sub: Subscription) -> AsyncIterator[dict[str, Any]]:
        with sub:
            last_status = None
            while True:
                job = await self._current(job_id)
                if job is None:
                    raise NotFound(f"request {job_id} not found")
                if job.status != last_status:
                    last_status = job.status
                    yield {"type": "status", "status": job.status.value}
                if job.status == Status.COMPLETED:
                    # Events published before the end are still queued: deliver them first.
                    while (late := sub.get_nowait()) is not None:
                        if late.kind in ("partial", "log"):
                            yield {"type": late.kind, **late.data}
                    return
                event = await sub.get(timeout=1.0)
                if event is not None and event.kind in ("partial", "log"):
                    yield {"type": event.kind, **event.data}

    @staticmethod
    def raise_for_job(job: Job) -> dict[str, Any]:
        """The output of a completed job, or its stored error raised as a RetouchError."""
        if job.outcome == Outcome.OK and job.result is not None:
            return job.result
        raise ReportedError(job.error or {"detail": "the request failed", "status_code": 500})

    async def run_and_wait(
        self,
        app_id: str,
        payload: dict[str, Any],
        caller: Caller,
        opts: SubmitOptions,
        uploads: dict[str, bytes] | None = None,
    ) -> Job:
        # Submitting parses the prompt, reads image headers and writes the store: never on the event loop.
        job = await anyio.to_thread.run_sync(lambda: self.submit(app_id, payload, caller, opts, uploads=uploads))
        try:
            return await self.wait(job.id)
        except asyncio.CancelledError:
            # The client went away: the request is kept and finishes; it stays readable by id.
            raise
