"""What a worker needs to run jobs, built from settings: used alike by the server process (thread workers) and by
each worker child process, so neither has to know the other's composition."""

from __future__ import annotations

from ..config import Settings
from ..engines.registry import EngineRegistry
from ..files.base import ObjectStore, key_from_url
from ..net.addresses import AddressPolicy, Resolver
from ..net.fetch import ImageFetcher
from ..pricing import Prices
from .runner import JobRunner


def prices_from(settings: Settings) -> Prices:
    return Prices(
        multipliers=dict(settings.price_multipliers),
        per_second=dict(settings.price_per_second),
        lora_surcharge=settings.price_lora_surcharge,
    )


def build_job_runner(
    settings: Settings, files: ObjectStore, engines: EngineRegistry, *, resolver: Resolver | None = None
) -> JobRunner:
    """Inputs are fetched under the image address policy (loopback only through this server's own files)."""
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
        prices_from(settings),
        max_input_pixels=settings.max_input_pixels,
        max_job_pixels=settings.max_job_pixels,
        result_ttl_seconds=settings.result_ttl_seconds,
    )
