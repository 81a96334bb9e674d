"""One settings object for the whole server, read from a YAML file and the environment.

Environment variables use the prefix ``RETOUCH_`` (nested fields with ``__``, e.g. ``RETOUCH_ENGINES__SD__KIND``);
a file named by ``RETOUCH_CONFIG`` supplies the rest. Environment wins over the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class KeyConfig(BaseModel):
    """An API key the server accepts. ``id`` is what is stored with requests (never the secret itself)."""

    id: str
    secret: str
    admin: bool = False
    # Per-key overrides of the server-wide limits and retention (None = the server's setting).
    max_queued: int | None = None
    max_running: int | None = None
    retention_seconds: int | None = None


class EngineConfig(BaseModel):
    """One configured engine: ``kind`` picks the implementation, ``options`` are passed to it."""

    kind: str
    options: dict[str, Any] = Field(default_factory=dict)
    # A job running longer than this on this engine ends as an error (None = the kind's default below; 0 = none).
    max_run_seconds: float | None = None

    def run_limit(self) -> float | None:
        limit = DEFAULT_RUN_SECONDS.get(self.kind, 1800.0) if self.max_run_seconds is None else self.max_run_seconds
        return limit or None


# A job that runs past these is ended as an error, so one runaway edit can not hold a worker forever.
DEFAULT_RUN_SECONDS = {"classic": 300.0, "openai": 600.0, "diffusers": 1800.0}


def _default_engines() -> dict[str, EngineConfig]:
    return {"classic": EngineConfig(kind="classic"), "openai": EngineConfig(kind="openai")}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETOUCH_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    # Base URL used in file URLs handed to clients; empty means "derive from the incoming request".
    public_url: str = ""
    tls_certfile: str | None = None
    tls_keyfile: str | None = None

    # Auth: with no keys, auth is off (the embedded default on 127.0.0.1). NoDecode: the environment's
    # ``id:secret,...`` form reaches the validator below as text instead of failing as JSON.
    keys: Annotated[list[KeyConfig], NoDecode] = Field(default_factory=list)
    # With auth on, /metrics and /docs (+ /openapi.json) need a key unless these are set.
    public_metrics: bool = False
    public_docs: bool = False
    # Host names (besides loopback names, `host` and `public_url`'s) that admin routes accept while auth is off.
    allowed_hosts: list[str] = Field(default_factory=list)

    # Backends
    state_backend: Literal["sqlite", "redis"] = "sqlite"
    # Durability of the embedded stores. By default a killed or crashed process loses nothing it accepted (SQLite's
    # WAL with synchronous=NORMAL, files renamed into place); surviving a power cut as well costs an fsync per write:
    # sqlite_synchronous FULL and durable_files true.
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    durable_files: bool = False
    object_backend: Literal["local", "s3"] = "local"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Starts every Redis key and channel name, so deployments (or other programs) can share one Redis. A hash tag
    # in it ("{rt}:") keeps all keys in one cluster slot (jobs/redis_keys.py).
    redis_prefix: str = "rt:"
    s3_bucket: str = "retouch"
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    # Shared by every host of one deployment: encrypts request secrets in Redis and signs upload tokens.
    secret_key: str | None = None

    # Workers
    workers: int = Field(default_factory=lambda: default_workers())
    role: Literal["all", "api", "worker"] = "all"
    job_lease_seconds: float = 30.0
    # "processes" (the default) runs each worker slot in a warm child process, so edits never share the API's
    # interpreter lock, recycled after worker_max_jobs jobs or when its resident memory passes worker_max_rss_mb;
    # "threads" runs edits inside the server process (for engines that can not be started in a child).
    worker_mode: Literal["threads", "processes"] = "processes"
    # Worker processes run this much nicer than the API (Unix niceness): when edits fill every core, a status poll
    # or an upload still gets a core at once. The edits lose no throughput to it (the API is one process and uses
    # at most one core); under 8 polling clients on 2 cores a poll's p99 fell from 5.4-6.1 ms (5 and 10) to 4.3 ms.
    worker_niceness: int = 19
    worker_max_jobs: int = 0
    worker_max_rss_mb: int = 0
    # Seconds SIGTERM waits for running jobs before handing them back to the queue.
    drain_timeout_seconds: float = 60.0
    # Threads each engine call may use inside OpenCV (0 = its default, all cores). One per worker process is the
    # right choice when several worker processes share a host.
    engine_threads: int = 0

    # Queue limits (0 = unlimited): past them, submit answers 429 with Retry-After.
    max_queue_length: int = 10_000
    # One key can not fill the whole queue: by default it may hold a tenth of it.
    max_queued_per_key: int = 1_000
    max_running_per_key: int = 0
    # A status poll of a running request answered less than this long ago, with nothing new since, waits for news
    # (the end; a log line, if it shows logs) until this long after that answer: a client polling in a tight loop
    # learns of a change as soon as it happens, and its polls stop taking the edits' cores (docs/protocol.md).
    # The official clients poll every 100 ms (Python) or 500 ms (JS): their polls of a running request are
    # answered at once. 0: never held.
    poll_hold_ms: float = 50.0
    # The same for a request still in the queue: its news is its start, which answers at once; its place in line
    # is shown as it is when the poll is answered. 0: never held.
    queued_poll_hold_ms: float = 500.0

    # Engines
    default_engine: str = "classic"
    engines: dict[str, EngineConfig] = Field(default_factory=_default_engines)

    # Limits (docs/security.md lists each with what it bounds)
    max_num_images: int = 4
    max_input_bytes: int = 50 * 1024 * 1024  # each input image, fetched or data: URI
    max_input_pixels: int = 8_294_400 * 4  # each input image, read from its header before decoding
    # All inputs of one job together, as decoded: larger inputs are decoded at a reduced size to fit.
    max_job_pixels: int = 8_294_400 * 8
    max_request_bytes: int = 100 * 1024 * 1024  # a request body (413 past it, while reading)
    max_upload_bytes: int = 100 * 1024 * 1024  # a storage upload
    max_prompt_chars: int = 32_000
    body_read_timeout_seconds: float = 60.0  # a body that trickles in slower than this is cut off (408)
    max_concurrent_requests: int = 256  # requests being handled at once; past it, 503 with Retry-After
    fetch_timeout_seconds: float = 20.0
    max_redirects: int = 5

    # Outbound address policy
    allow_private_image_urls: bool = False
    allow_private_webhooks: bool = False
    # None: allowed only on a local development server (bound to loopback, auth off), as `make run` starts it.
    allow_loopback_webhooks: bool | None = None

    # Webhooks
    webhook_max_attempts: int = 10

    # Prices for engine kinds: a multiplier of the SPEC table (0 = free) and/or USD per second of run time.
    price_multipliers: dict[str, float] = Field(default_factory=dict)
    price_per_second: dict[str, float] = Field(default_factory=dict)
    # USD added per output image when a request applies LoRAs (``loras``), as the hosted LoRA apps charge more.
    price_lora_surcharge: float = 0.0

    # Retention of results and history (seconds); 0 keeps forever.
    result_ttl_seconds: int = 7 * 24 * 3600
    sweep_interval_seconds: float = 300.0

    log_level: str = "INFO"

    @field_validator("keys", mode="before")
    @classmethod
    def _parse_keys(cls, value: Any) -> Any:
        """Accepts ``"secret1,secret2"``, ``"id:secret[:admin],..."`` or a JSON list from the environment."""
        if isinstance(value, str) and value.lstrip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            keys: list[dict[str, Any]] = []
            for i, item in enumerate(part.strip() for part in value.split(",") if part.strip()):
                bits = item.split(":")
                if len(bits) == 1:
                    keys.append({"id": f"key{i + 1}", "secret": bits[0]})
                else:
                    keys.append({"id": bits[0], "secret": bits[1], "admin": len(bits) > 2 and bits[2] == "admin"})
            return keys
        return value

    @property
    def auth_enabled(self) -> bool:
        return bool(self.keys)

    @property
    def local_only(self) -> bool:
        """A development server: reachable from this machine only, no keys."""
        return not self.keys and self.host in ("127.0.0.1", "localhost", "::1")

    @property
    def loopback_webhooks(self) -> bool:
        return self.local_only if self.allow_loopback_webhooks is None else self.allow_loopback_webhooks


# Memory one worker slot may need for one job at the default limits (inputs decoded within max_job_pixels, the
# engine's working copies, the encoded outputs); the default number of workers fits this many in the machine.
WORKER_MEMORY_BYTES = 1536 * 1024 * 1024


def default_workers() -> int:
    """One worker per core, but no more than the machine's memory holds at a worker's budget."""
    cores = max(1, os.cpu_count() or 1)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return cores
    return max(1, min(cores, int(total // WORKER_MEMORY_BYTES)))


def load_settings(config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Reads the YAML file (if any), then the environment, then explicit overrides (the CLI's flags)."""
    path = config_file or os.environ.get("RETOUCH_CONFIG")
    file_values: dict[str, Any] = {}
    if path:
        with open(path, encoding="utf-8") as fh:
            file_values = yaml.safe_load(fh) or {}
    env_settings = Settings()
    explicit_env = {name for name in Settings.model_fields if f"RETOUCH_{name.upper()}" in os.environ}
    merged: dict[str, Any] = dict(file_values)
    for name in explicit_env:
        merged[name] = getattr(env_settings, name)
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**merged)
