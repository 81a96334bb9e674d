"""Several pipelines on one device under a budget of parameter bytes, with the least recently used idle one moved
off the device (to CPU memory, or freed) when another needs the room.

The budget counts what the weights take (parameters and buffers, quantised tensors at their stored size), which is
what decides whether the next model fits; activations come on top and are the operator's margin. A pipeline that
is running, or that a request is waiting on, is never moved. Every swap is logged and counted in the process's
default Prometheus registry (``retouch_model_swaps_total``), which ``/metrics`` exposes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from prometheus_client import Counter

log = logging.getLogger("retouch.engines.diffusers")

SWAPS = Counter(
    "retouch_model_swaps_total",
    "Diffusers pipelines moved off their device (offload/free) or back onto it (restore/reload) to stay within "
    "device_memory_budget_gb",
    ["engine", "direction"],
)
SWAP_SECONDS = Counter(
    "retouch_model_swap_seconds_total", "Seconds spent moving pipelines off and onto their device", ["engine"]
)
GIB = 1024**3


def tensor_bytes(tensor: Any) -> int:
    """Bytes a tensor occupies; tensor subclasses (torchao's quantised tensors) are the sum of their parts."""
    flatten = getattr(tensor, "__tensor_flatten__", None)
    if callable(flatten):
        names, _ = flatten()
        return sum(tensor_bytes(getattr(tensor, name)) for name in names)
    return int(tensor.numel()) * int(tensor.element_size())


def module_bytes(module: Any) -> int:
    seen: set[int] = set()
    total = 0
    for tensor in list(module.parameters()) + list(module.buffers()):
        if id(tensor) not in seen:
            seen.add(id(tensor))
            total += tensor_bytes(tensor)
    return total


def pipeline_modules(pipe: Any) -> Iterable[tuple[str, Any]]:
    for name, component in getattr(pipe, "components", {}).items():
        if component is not None and hasattr(component, "parameters") and hasattr(component, "buffers"):
            yield name, component


def pipeline_bytes(pipe: Any) -> int:
    return sum(module_bytes(module) for _, module in pipeline_modules(pipe))


class Member(Protocol):
    """What the budget needs to know of a pipeline holder."""

    label: str
    busy: int
    last_used: float

    def resident_bytes(self) -> int: ...

    def evict(self) -> str:
        """Moves the weights off the device; returns how ('offload' or 'free')."""
        ...


class DeviceBudget:
    """The pipelines that share one device, and how many bytes of weights they may keep on it together."""

    def __init__(self, device: str, limit_bytes: int) -> None:
        self.device = device
        self.limit_bytes = limit_bytes
        self.members: list[Member] = []
        self.cond = threading.Condition()

    def join(self, member: Member) -> None:
        with self.cond:
            self.members.append(member)

    def used_bytes(self, without: Member | None = None) -> int:
        return sum(m.resident_bytes() for m in self.members if m is not without)

    def admit(self, member: Member, needed: int, check_cancelled: Callable[[], None]) -> None:
        """Makes room for ``needed`` bytes of ``member``; the caller holds ``cond`` (so admissions do not race).

        Idle members go least recently used first; when only running ones are left it waits for one to finish.
        A model larger than the whole budget on its own is let in with a warning (nothing else could be done).
        """
        while self.used_bytes(member) + needed > self.limit_bytes:
            idle = [m for m in self.members if m is not member and not m.busy and m.resident_bytes() > 0]
            if idle:
                self._evict(min(idle, key=lambda m: m.last_used))
                continue
            if self.used_bytes(member) == 0:
                log.warning(
                    "model is larger than the device memory budget on its own",
                    extra={"engine": member.label, "bytes": needed, "budget_bytes": self.limit_bytes},
                )
                return
            self.cond.wait(timeout=0.1)
            check_cancelled()

    def _evict(self, victim: Member) -> None:
        started = time.perf_counter()
        freed = victim.resident_bytes()
        direction = victim.evict()
        seconds = time.perf_counter() - started
        SWAPS.labels(engine=victim.label, direction=direction).inc()
        SWAP_SECONDS.labels(engine=victim.label).inc(seconds)
        log.info(
            "model moved off the device to make room",
            extra={
                "engine": victim.label,
                "direction": direction,
                "device": self.device,
                "bytes": freed,
                "seconds": round(seconds, 4),
            },
        )

    def record_return(self, member: Member, direction: str, seconds: float) -> None:
        SWAPS.labels(engine=member.label, direction=direction).inc()
        SWAP_SECONDS.labels(engine=member.label).inc(seconds)
        log.info(
            "model back on the device",
            extra={"engine": member.label, "direction": direction, "device": self.device, "seconds": round(seconds, 4)},
        )


_BUDGETS: dict[str, DeviceBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def budget_for(device: str, gigabytes: float) -> DeviceBudget:
    """The process-wide budget of a device; engines configured with different budgets share the smallest."""
    limit = int(gigabytes * GIB)
    with _BUDGETS_LOCK:
        budget = _BUDGETS.get(device)
        if budget is None:
            budget = _BUDGETS[device] = DeviceBudget(device, limit)
        elif limit < budget.limit_bytes:
            log.warning("engines give different memory budgets for one device; the smallest applies")
            budget.limit_bytes = limit
        return budget


def forget_budgets() -> None:
    """Drops every device budget (tests build engines again from scratch)."""
    with _BUDGETS_LOCK:
        _BUDGETS.clear()
