"""Waiting for a server to get somewhere: bounded polls that fail the test, naming what never happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Calls ``check`` until it returns something true, and returns that."""
    deadline = time.time() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def status_of(client: httpx.Client, status_url: str) -> str:
    status: str = client.get(status_url).json()["status"]
    return status


def wait_status(client: httpx.Client, status_url: str, status: str, timeout: float = 20) -> None:
    wait_until(lambda: status_of(client, status_url) == status, timeout, f"{status_url} reaching {status}")


def wait_done(client: httpx.Client, status_url: str, timeout: float = 20) -> dict[str, Any]:
    """The request's final status body, with its logs."""

    def done() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(status_url, params={"logs": "1"}).json()
        return body if body["status"] == "COMPLETED" else None

    return wait_until(done, timeout, f"{status_url} completing")
