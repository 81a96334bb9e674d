"""The same API tests as the embedded default, on Redis + S3: both shapes must behave identically."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from retouch.config import KeyConfig

from ..api.conftest import LiveServer, start_server
from ..api.test_auth_storage_webhooks import *  # noqa: F403  (collected again here, with the fixtures below)
from ..api.test_fal_lifecycle import *  # noqa: F403
from ..api.test_operations import (  # noqa: F401  the operator rules that hold on both stores
    ops_settings,
    test_engine_time_limit_ends_a_long_job_as_an_error,
    test_pause_holds_jobs_then_resume_runs_them_and_admin_sees_the_queue,
    test_queue_limits_answer_429_with_retry_after_and_keep_accepted_work,
    test_start_deadline_ends_with_504_and_user_timeout_type,
)
from ..api.test_usage import *  # noqa: F403


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, os.environ.get(name, value))


def _distributed(tmp_path: Path, redis_url: str, s3: str, **kw: object) -> Iterator[LiveServer]:
    srv, server, thread = start_server(
        tmp_path,
        state_backend="redis",
        object_backend="s3",
        redis_url=redis_url,
        s3_endpoint_url=s3,
        s3_bucket=f"t{tmp_path.name[-12:].lower().replace('_', '')}",
        secret_key="shared",
        **kw,
    )
    yield srv
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def live(tmp_path: Path, fresh_redis: str, s3_endpoint: str) -> Iterator[LiveServer]:
    yield from _distributed(tmp_path, fresh_redis, s3_endpoint)


@pytest.fixture
def live_auth(tmp_path: Path, fresh_redis: str, s3_endpoint: str) -> Iterator[LiveServer]:
    keys = [KeyConfig(id="alice", secret="alice-secret"), KeyConfig(id="bob", secret="bob-secret")]
    yield from _distributed(tmp_path, fresh_redis, s3_endpoint, keys=keys)


@pytest.fixture
def ops(tmp_path: Path, fresh_redis: str, s3_endpoint: str) -> Iterator[LiveServer]:
    yield from _distributed(tmp_path, fresh_redis, s3_endpoint, **ops_settings())
