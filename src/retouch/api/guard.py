"""Bounds on how a caller may hold the server: requests at once, body size, and how long a body may take to arrive.

Routes read their body only after the caller's key was checked, so an unauthenticated caller never gets a body read
at all. The size limit acts on the first read: a declared length past it is refused (413) before a byte of the body
is taken, an undeclared one as soon as the running count passes it. The errors go through the API's own error
handlers, so fal's and OpenAI's callers each get their own shape.
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
# Storage uploads have their own (usually larger) limit.
UPLOAD_PREFIXES = ("/files/upload", "/storage/upload/put/")


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_concurrent: int,
        body_timeout: float,
        max_body_bytes: int,
        max_upload_bytes: int,
    ) -> None:
        self.app = app
        self.max_concurrent = max_concurrent
        self.body_timeout = body_timeout
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
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
            await self.app(scope, self._bounded(scope, receive), send)
        finally:
            self.in_flight -= 1

    def _bounded(self, scope: Scope, receive: Receive) -> Receive:
        """A receive that bounds the body's size and gives it ``body_timeout`` seconds in all; after the body, it
        waits as long as needed (a streaming response listens for the client's disconnect)."""
        path = str(scope.get("path", ""))
        limit = self.max_upload_bytes if path.startswith(UPLOAD_PREFIXES) else self.max_body_bytes
        declared = _content_length(scope)
        deadline: float | None = None
        body_done = False
        received = 0

        async def bounded_receive() -> Message:
            nonlocal deadline, body_done, received
            if body_done:
                return await receive()
            if limit and declared is not None and declared > limit:
                raise HTTPException(413, f"the request body is {declared} bytes, more than the limit of {limit}")
            if deadline is None:
                deadline = time.monotonic() + self.body_timeout if self.body_timeout else None
            try:
                if deadline is None:
                    message = await receive()
                else:
                    # asyncio.timeout, not wait_for: no task per body chunk
                    async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                        message = await receive()
            except TimeoutError as exc:
                raise HTTPException(
                    408, f"the request body did not arrive within {self.body_timeout:g} seconds"
                ) from exc
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if limit and received > limit:
                    raise HTTPException(413, f"the request body is more than the limit of {limit} bytes")
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        return bounded_receive


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


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
