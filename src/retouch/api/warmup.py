"""Routes made ready before the first request.

FastAPI builds each included router's route state (dependency trees, pydantic adapters, compiled paths) when a
request first reaches it: some 40 ms of CPU on the event loop, paid by whichever request comes first and by every
request waiting behind it. The server builds them at start-up instead. The hooks are FastAPI's own (not public API):
if a future FastAPI drops them, this does nothing and the first request pays as before.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def prepare_routes(app: FastAPI) -> int:
    """Builds the route state of every included router; returns how many routers were prepared."""
    prepared = 0
    pending: list[Any] = list(app.router.routes)
    while pending:
        route = pending.pop()
        build = getattr(route, "effective_candidates", None)
        if not callable(build):
            continue
        candidates = build()
        low = getattr(route, "effective_low_priority_routes", None)
        if callable(low):
            low()
        prepared += 1
        pending.extend(c for c in candidates if hasattr(c, "effective_candidates"))
    return prepared
