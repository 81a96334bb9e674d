"""Giving memory back after a job.

glibc keeps freed blocks in its arenas, so a worker that once decoded a huge input keeps that much resident for
ever. ``malloc_trim`` returns the free pages to the system; it is cheap (milliseconds) next to any edit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

_trim: Callable[[int], int] | None = None
try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _trim = _libc.malloc_trim
except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
    _trim = None


def release_memory() -> None:
    if _trim is not None:
        _trim(0)
