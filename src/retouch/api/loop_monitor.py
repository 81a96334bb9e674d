"""How long the event loop was kept from running, and by what.

A task asks to wake every INTERVAL and measures how late it woke (lag) and how much CPU time the loop's own thread
used meanwhile (busy). Lag has three causes: code on the loop that does not await (CPU work in a handler), other
threads holding the interpreter lock, and a machine whose cores are all busy. Only the first shows as busy time
close to the lag: waiting for the lock or for a core costs the loop's thread no CPU. Both are exported as metrics;
a window whose busy time passes WARN_SECONDS is logged, since it means a handler ran CPU work on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import Gauge, Histogram

from .metrics import REGISTRY

log = logging.getLogger("retouch.api")

INTERVAL = 0.01
WARN_SECONDS = 0.02
_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)
LOOP_LAG = Histogram(
    "retouch_event_loop_lag_seconds",
    "How late the API's event loop woke for a timer",
    buckets=_BUCKETS,
    registry=REGISTRY,
)
LOOP_BUSY = Histogram(
    "retouch_event_loop_busy_seconds",
    "CPU time the event loop's thread spent between two timer ticks (CPU work on the loop shows here)",
    buckets=_BUCKETS,
    registry=REGISTRY,
)
LOOP_LAG_MAX = Gauge(
    "retouch_event_loop_lag_max_seconds", "The worst event loop lag since the server started", registry=REGISTRY
)


class LoopMonitor:
    def __init__(self) -> None:
        self.max_lag = 0.0
        self.max_busy = 0.0
        self.worst_ever = 0.0
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

    def reset(self) -> tuple[float, float]:
        """(worst lag, worst busy window) since the last reset."""
        worst = (self.max_lag, self.max_busy)
        self.max_lag = self.max_busy = 0.0
        return worst

    async def _run(self) -> None:
        cpu = time.thread_time()
        while True:
            planned = time.perf_counter() + INTERVAL
            await asyncio.sleep(INTERVAL)
            lag = max(0.0, time.perf_counter() - planned)
            now_cpu = time.thread_time()
            busy, cpu = now_cpu - cpu, now_cpu
            LOOP_LAG.observe(lag)
            LOOP_BUSY.observe(busy)
            self.max_lag = max(self.max_lag, lag)
            self.max_busy = max(self.max_busy, busy)
            if lag > self.worst_ever:
                self.worst_ever = lag
                LOOP_LAG_MAX.set(lag)
            if busy > WARN_SECONDS:
                log.warning("CPU work held the event loop", extra={"busy_ms": round(busy * 1000, 1)})
