"""Bounds on how a caller may hold the server: requests at once, and how long a request body may take to arrive.

The body's size is bounded by Starlette's own limiter (``max_body_size`` on the app and on upload routes), which
answers 413 on the first read when the declared length is too large, and while reading otherwise. Routes read their
body only after the caller's key was checked, so an unauthenticated caller never gets a body read at all.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Always answered, whatever the load: a load balancer's health check must not be refused for being one too many.
EXEMPT_PATHS = ("/healthz",)


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_concurrent: int, body_timeout: float) -> None:
        self.app = app
        self.max_concurrent = max_concurrent
        self.body_timeout = body_timeout
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        if self.max_concurrent and self.in_flight >= self.max_concurrent:
            await _busy(send, self.in_flight)
            return
        self.in_flight += 1
        try:
            await self.app(scope, self._timed(receive), send)
        finally:
            self.in_flight -= 1

    def _timed(self, receive: Receive) -> Receive:
        """A receive that gives the whole body ``body_timeout`` seconds; after the body, it waits as long as needed
        (a streaming response listens for the client's disconnect)."""
        deadline: float | None = None
        body_done = False

        async def timed_receive() -> Message:
            nonlocal deadline, body_done
            if body_done or not self.body_timeout:
                return await receive()
            if deadline is None:
                deadline = time.monotonic() + self.body_timeout
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError as exc:
                raise HTTPException(
                    408, f"the request body did not arrive within {self.body_timeout:g} seconds"
                ) from exc
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        return timed_receive


async def _busy(send: Send, in_flight: int) -> None:
    body: dict[str, Any] = {
        "detail": f"the server is handling {in_flight} requests, its limit; retry shortly",
        "error_type": "server_busy",
    }
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(raw)).encode()),
                (b"retry-after", b"1"),
                (b"x-fal-error-type", b"server_busy"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
