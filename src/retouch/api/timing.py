"""Server-Timing: what the API spent on a request, phase by phase, in the response's standard header (browsers'
developer tools show it; bench/overhead.py prints it). It reveals durations only, never data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request


class Timings:
    def __init__(self) -> None:
        self.phases: list[tuple[str, float]] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases.append((name, time.perf_counter() - started))

    def header(self) -> str:
        return ", ".join(f"{name};dur={seconds * 1000:.2f}" for name, seconds in self.phases)


def timings(request: Request) -> Timings:
    found = getattr(request.state, "timings", None)
    if found is None:
        found = Timings()
        request.state.timings = found
    return found
