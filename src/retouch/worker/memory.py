"""Giving memory back after a job that used a lot of it.

glibc keeps freed blocks in its arenas, so a worker that once decoded a huge input keeps that much resident for
ever. ``malloc_trim`` returns the free pages to the system. It is done only when the process holds GROWTH_MB more
than it did when it started working: trimming after every job would hand back the pages the next ordinary job needs
again, and faulting them in anew costs that job several milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
from collections.abc import Callable

GROWTH_MB = 256.0

_trim: Callable[[int], int] | None = None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _trim = _libc.malloc_trim
except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
    _trim = None


def resident_mb() -> float:
    """Current resident memory (Linux /proc), falling back to the peak where /proc is missing."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MemoryKeeper:
    """Remembers how much a worker holds when it starts, and trims after a job that left it much larger."""

    def __init__(self, growth_mb: float = GROWTH_MB) -> None:
        self.baseline_mb = resident_mb()
        self.growth_mb = growth_mb

    def after_job(self) -> bool:
        """True when the heap was trimmed."""
        if _trim is None or resident_mb() <= self.baseline_mb + self.growth_mb:
            return False
        _trim(0)
        return True


def release_memory() -> bool:
    """Trims the heap now (whatever the process holds); True when the C library can."""
    if _trim is None:
        return False
    _trim(0)
    return True
