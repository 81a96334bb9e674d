"""Status polls answered before the framework: the official clients poll every 100 ms per request in flight, so a
poll is the most frequent request a busy server sees, and FastAPI's middleware, routing and dependency machinery
cost more than the answer itself. This sits outside all of it (``RetouchApp.build_middleware_stack``).

Only the plain case is taken here: a GET of a status URL whose job the status board holds in memory, visible to the
caller. Everything else (an unknown id, a bad key, a job that needs a store read, anything unexpected) goes on to
the regular route, which answers it (errors included) in the API's own shapes. Both build the body with the same
``status_body``; polls taken here are counted in the same metrics.
"""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import RetouchError
from .auth import caller_from_header
from .deps import api_context
from .fal_protocol import REQUEST_ID_HEADER, status_body
from .metrics import HTTP_LATENCY, HTTP_REQUESTS
from .urls import on_queue_host

log = logging.getLogger("retouch.api")

_STATUS_PATH = re.compile(r"^(?:/queue)?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/requests/([A-Za-z0-9_.:-]{1,100})/status$")
_TRUE = ("1", "true", "yes")


class StatusFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            scope = on_queue_host(scope)
            match = _STATUS_PATH.match(scope["path"])
            if match is not None:
                started = time.perf_counter()
                answer = self._answer(scope, match.group(1))
                if answer is not None:
                    code, headers, body = answer
                    await send({"type": "http.response.start", "status": code, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    route = scope["path"][: match.start(1)] + "{request_id}/status"
                    HTTP_REQUESTS.labels("GET", route, str(code)).inc()
                    HTTP_LATENCY.labels("GET", route).observe(time.perf_counter() - started)
                    return
        await self.app(scope, receive, send)

    def _answer(self, scope: Scope, request_id: str) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """The reply, or None for the regular route to answer. Runs no I/O: the status board is memory."""
        started = time.perf_counter()
        request = Request(scope)
        try:
            context = api_context(request)
            logs = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("logs", [""])[-1]
            caller = caller_from_header(context.settings, request.headers.get("authorization"))
            view = context.requests.view_from_memory(request_id, caller, with_logs=logs.lower() in _TRUE)
            if view is None:
                return None
            body = orjson.dumps(status_body(request, view))
        except RetouchError:
            return None  # the regular route answers it, in the API's own shape
        except Exception:
            log.exception("the status fast path failed; the regular route answers", extra={"request_id": request_id})
            return None
        code = 200 if view.job.status.value == "COMPLETED" else 202
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
            (b"server-timing", f"status;dur={(time.perf_counter() - started) * 1000:.2f}".encode()),
        ]
        return code, headers, body
