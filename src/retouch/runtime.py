"""The composition root: builds the backends chosen by configuration and wires the layers together.

Nothing else constructs backends, so the embedded and distributed shapes run the same code above ``jobs/`` and
``files/``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from .config import Settings
from .engines.registry import EngineRegistry
from .files.base import ObjectStore
from .files.factory import open_object_store
from .jobs.base import Job, JobStore, Outcome
from .jobs.events import EventHub
from .jobs.factory import open_event_hub, open_job_store
from .net.addresses import AddressPolicy
from .service.lifecycle import RequestService
from .service.limits import claim_limits
from .service.operations import Operations
from .service.retention import Sweeper
from .service.signing import WebhookSigner
from .service.uploads import UploadService
from .service.validate import InputChecker
from .service.webhooks import WebhookDispatcher
from .worker.assembly import build_job_runner, prices_from
from .worker.ending import JobEnding
from .worker.pool import RunsJobs, WorkerPool
from .worker.process_runner import ProcessRunner

log = logging.getLogger("retouch")

Resolver = Callable[[str, int], list[str]]


@dataclass
class Runtime:
    settings: Settings
    store: JobStore
    files: ObjectStore
    engines: EngineRegistry
    hub: EventHub
    service: RequestService
    webhooks: WebhookDispatcher
    signer: WebhookSigner
    pool: WorkerPool | None
    sweeper: Sweeper
    operations: Operations
    uploads: UploadService

    def start(self) -> None:
        self.engines.warm()
        if self.pool is not None:
            if self.settings.state_backend == "sqlite":
                recovered = self.store.requeue_all_running()
                if recovered:
                    log.warning(
                        "requests interrupted by a previous stop were queued again",
                        extra={"count": len(recovered)},
                    )
            self.pool.start()
        self.webhooks.start()
        self.sweeper.start()

    def stop(self) -> None:
        """Graceful: running jobs get ``drain_timeout_seconds`` to finish, then go back to the queue; then
        everything this runtime opened is closed (no thread of it keeps running)."""
        self.sweeper.stop()
        if self.pool is not None:
            self.pool.stop(timeout=self.settings.drain_timeout_seconds)
        self.webhooks.stop()
        self.close()

    def close(self) -> None:
        """Closes the connections and background threads the backends hold (also when never started)."""
        self.webhooks.close()
        self.hub.close()
        self.store.close()


def build_runtime(settings: Settings, *, resolver: Resolver | None = None, with_workers: bool | None = None) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_job_store(settings)
    files = open_object_store(settings)
    engines = EngineRegistry(settings.engines, settings.default_engine)
    hub = open_event_hub(settings)
    image_policy = AddressPolicy(allow_private=settings.allow_private_image_urls, allow_loopback=False)
    hook_policy = AddressPolicy(
        allow_private=settings.allow_private_webhooks, allow_loopback=settings.loopback_webhooks
    )

    checker = InputChecker(
        files,
        image_policy,
        max_pixels=settings.max_input_pixels,
        max_bytes=settings.max_input_bytes,
        resolver=resolver,
    )
    signer = WebhookSigner(settings.data_dir / "webhook-ed25519.pem")
    webhooks = WebhookDispatcher(
        store, signer, hook_policy, max_attempts=settings.webhook_max_attempts, resolver=resolver
    )

    def job_ended(job: Job, outcome: Outcome) -> None:
        if job.webhook_url:
            webhooks.notify()

    ending = JobEnding(store, hub, on_end=job_ended, hand_over=settings.role == "all")
    run_workers = settings.role in ("all", "worker") if with_workers is None else with_workers
    pool = None
    if run_workers:
        runner: RunsJobs
        if settings.worker_mode == "processes":
            runner = ProcessRunner(settings, slots=settings.workers)
        else:
            runner = build_job_runner(settings, files, engines, resolver=resolver)
        pool = WorkerPool(
            store,
            runner,
            hub,
            ending,
            threads=settings.workers,
            lease_seconds=settings.job_lease_seconds,
            limits=claim_limits(settings),
            max_run_seconds=_run_limit(settings),
        )
    service = RequestService(
        settings,
        store,
        engines,
        hub,
        checker,
        ending,
        wake_workers=pool.notify if pool else None,
        cancel_local=pool.cancel_local if pool else None,
        check_webhook=webhooks.check_url,
        prices=prices_from(settings),
    )
    return Runtime(
        settings=settings,
        store=store,
        files=files,
        engines=engines,
        hub=hub,
        service=service,
        webhooks=webhooks,
        signer=signer,
        pool=pool,
        sweeper=Sweeper(
            store,
            files,
            default_ttl=settings.result_ttl_seconds,
            interval=settings.sweep_interval_seconds,
            on_deleted=hub.drop_handovers,
        ),
        operations=Operations(store, engines, signer, pool, auth_enabled=settings.auth_enabled),
        uploads=UploadService(
            files,
            upload_secret(settings),
            max_bytes=settings.max_upload_bytes,
            retention_seconds=settings.result_ttl_seconds,
        ),
    )


def upload_secret(settings: Settings) -> bytes:
    """Upload tokens must verify on every API host of a deployment: derived from the shared secret when set."""
    shared = settings.secret_key
    return hashlib.sha256(shared.encode()).digest() if shared else secrets.token_bytes(32)


def _run_limit(settings: Settings) -> Callable[[Job], float | None]:
    def limit(job: Job) -> float | None:
        cfg = settings.engines.get(job.payload.get("engine") or settings.default_engine)
        return cfg.run_limit() if cfg else None

    return limit
