"""The composition root: builds the backends chosen by configuration and wires the layers together.

Nothing else constructs backends, so the embedded and distributed shapes run the same code above ``jobs/`` and
``files/``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from . import pricing
from .config import Settings
from .engines.registry import EngineRegistry
from .files.base import ObjectStore, key_from_url
from .files.store_local import LocalObjectStore
from .jobs.base import Job, JobStore, Outcome
from .jobs.store_sqlite import SQLiteJobStore
from .net.addresses import AddressPolicy
from .net.fetch import ImageFetcher
from .service.events import EventHub
from .service.lifecycle import RequestService
from .service.limits import claim_limits
from .service.retention import Sweeper
from .service.signing import WebhookSigner
from .service.validate import InputChecker
from .service.webhooks import WebhookDispatcher
from .worker.pool import RunsJobs, WorkerPool
from .worker.process_runner import ProcessRunner
from .worker.runner import JobRunner

log = logging.getLogger("retouch")

Resolver = Callable[[str, int], list[str]]


def build_job_store(settings: Settings) -> JobStore:
    if settings.state_backend == "redis":
        from .jobs.store_redis import RedisJobStore

        store: JobStore = RedisJobStore(
            settings.redis_url,
            prefix=settings.redis_prefix,
            secret_key=settings.secret_key,
            default_ttl=settings.result_ttl_seconds,
        )
        return store
    return SQLiteJobStore(settings.data_dir / "retouch.db")


def build_object_store(settings: Settings) -> ObjectStore:
    if settings.object_backend == "s3":
        from .files.store_s3 import S3ObjectStore

        files: ObjectStore = S3ObjectStore(settings)
        return files
    return LocalObjectStore(settings.data_dir / "files")


def build_event_hub(settings: Settings) -> EventHub:
    if settings.state_backend == "redis":
        from .service.events_redis import RedisEventHub

        return RedisEventHub(settings.redis_url, prefix=settings.redis_prefix)
    return EventHub()


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

    def start(self) -> None:
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
        """Graceful: running jobs get ``drain_timeout_seconds`` to finish, then go back to the queue."""
        self.sweeper.stop()
        if self.pool is not None:
            self.pool.stop(timeout=self.settings.drain_timeout_seconds)
        self.webhooks.stop()


def build_job_runner(
    settings: Settings, files: ObjectStore, engines: EngineRegistry, *, resolver: Resolver | None = None
) -> JobRunner:
    """What a worker needs to run jobs; built in the server process, or in each worker child process."""
    image_policy = AddressPolicy(allow_private=settings.allow_private_image_urls, allow_loopback=False)

    def own_file(url: str) -> bytes | None:
        key = key_from_url(url)
        found = files.get(key) if key else None
        return found[0] if found else None

    fetcher = ImageFetcher(
        policy=image_policy,
        timeout=settings.fetch_timeout_seconds,
        max_bytes=settings.max_input_bytes,
        max_redirects=settings.max_redirects,
        own_files=own_file,
        resolver=resolver,
    )
    return JobRunner(
        engines,
        files,
        fetcher,
        max_input_pixels=settings.max_input_pixels,
        max_job_pixels=settings.max_job_pixels,
        result_ttl_seconds=settings.result_ttl_seconds,
    )


def build_runtime(settings: Settings, *, resolver: Resolver | None = None, with_workers: bool | None = None) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pricing.configure(settings.price_multipliers, settings.price_per_second)
    store = build_job_store(settings)
    files = build_object_store(settings)
    engines = EngineRegistry(settings.engines, settings.default_engine)
    hub = build_event_hub(settings)
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
    run_workers = settings.role in ("all", "worker") if with_workers is None else with_workers
    pool = None
    if run_workers:
        runner: RunsJobs
        if settings.worker_mode == "processes":
            runner = ProcessRunner(settings, slots=settings.workers)
        else:
            runner = build_job_runner(settings, files, engines, resolver=resolver)

        def job_ended(job: Job, outcome: Outcome) -> None:
            if job.webhook_url:
                webhooks.notify()

        pool = WorkerPool(
            store,
            runner,
            hub,
            threads=settings.workers,
            lease_seconds=settings.job_lease_seconds,
            on_job_end=job_ended,
            limits=claim_limits(settings),
            max_run_seconds=_run_limit(settings),
        )
    service = RequestService(
        settings,
        store,
        engines,
        hub,
        checker,
        wake_workers=pool.notify if pool else None,
        cancel_local=pool.cancel_local if pool else None,
        check_webhook=webhooks.check_url,
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
            store, files, default_ttl=settings.result_ttl_seconds, interval=settings.sweep_interval_seconds
        ),
    )


def _run_limit(settings: Settings) -> Callable[[Job], float | None]:
    def limit(job: Job) -> float | None:
        cfg = settings.engines.get(job.payload.get("engine") or settings.default_engine)
        return cfg.run_limit() if cfg else None

    return limit
