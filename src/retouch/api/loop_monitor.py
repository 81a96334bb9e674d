"""How long the event loop was kept from running: the symptom of CPU work on the loop.

A task asks to wake every INTERVAL and measures how late it woke. Anything a handler does on the loop without
awaiting (parsing a large body, hashing, a slow store call) shows up as lag for every other request at that moment;
the worst lag is exported as a metric and logged when it passes WARN_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import Histogram

from .metrics import REGISTRY

log = logging.getLogger("retouch.api")

INTERVAL = 0.01
WARN_SECONDS = 0.1
LOOP_LAG = Histogram(
    "retouch_event_loop_lag_seconds",
    "How late the API's event loop woke for a timer (CPU work on the loop shows here)",
    buckets=(0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)


class LoopMonitor:
    def __init__(self) -> None:
        self.max_lag = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def reset(self) -> float:
        """The worst lag since the last reset (tests and benchmarks read it around what they measure)."""
        worst, self.max_lag = self.max_lag, 0.0
        return worst

    async def _run(self) -> None:
        while True:
            planned = time.perf_counter() + INTERVAL
            await asyncio.sleep(INTERVAL)
            lag = max(0.0, time.perf_counter() - planned)
            LOOP_LAG.observe(lag)
            if lag > self.max_lag:
                self.max_lag = lag
            if lag > WARN_SECONDS:
                log.warning("the event loop was blocked", extra={"lag_ms": round(lag * 1000, 1)})
