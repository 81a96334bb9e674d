"""Fixtures for the API tests: a live server per test (tests/support/live_server.py).

Every server runs on the embedded backends (SQLite, local files). A module or test marked
``@pytest.mark.backends("sqlite", "redis")`` runs once on each: "redis" is Redis + S3 (moto), both started on
loopback by tests/conftest.py, and must behave identically.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from retouch.config import KeyConfig

from ..support.live_server import LiveServer, serving


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", marker.args, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The settings that put a server on one backend: "sqlite" (unless parametrised) or "redis"."""
    name = getattr(request, "param", "sqlite")
    if name == "sqlite":
        return {}
    assert name == "redis", f"no backend called {name!r}"
    for variable, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(variable, os.environ.get(variable, value))
    return {
        "state_backend": "redis",
        "object_backend": "s3",
        "redis_url": request.getfixturevalue("fresh_redis"),
        "s3_endpoint_url": request.getfixturevalue("s3_endpoint"),
        "s3_bucket": f"t{uuid.uuid4().hex}",  # a bucket of its own: moto runs for the whole session
        "secret_key": "shared",
    }


@pytest.fixture
def live(tmp_path: Path, backend: dict[str, Any]) -> Iterator[LiveServer]:
    with serving(tmp_path, **backend) as srv:
        yield srv


@pytest.fixture
def live_auth(tmp_path: Path, backend: dict[str, Any]) -> Iterator[LiveServer]:
    keys = [KeyConfig(id="alice", secret="alice-secret"), KeyConfig(id="bob", secret="bob-secret")]
    with serving(tmp_path, keys=keys, **backend) as srv:
        yield srv
