"""Status polls, and the fetch that follows COMPLETED, answered before the framework: the official clients poll
every 100 ms per request in flight, so a poll is the most frequent request a busy server sees, and FastAPI's
middleware, routing and dependency machinery cost more than the answer itself. This sits outside all of it
(``RetouchApp.build_middleware_stack``).

Only the plain cases are taken here: a status GET whose job the status board holds in memory, and a result GET of a
job that just ended well on this host with its outputs by URL; both visible to the caller. Everything else (an
unknown id, a bad key, a failed job, a store read, anything unexpected) goes on to the regular route, which answers
it (errors included) in the API's own shapes. Both build their bodies with the same functions; requests taken here
are counted in the same metrics.
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
from ..jobs.base import Outcome
from .auth import caller_from_header
from .deps import api_context
from .fal_protocol import REQUEST_ID_HEADER, small_result, status_body, wants_logs
from .metrics import HTTP_LATENCY, HTTP_REQUESTS
from .urls import on_queue_host

log = logging.getLogger("retouch.api")

_REQUEST_PATH = re.compile(r"^(?:/queue)?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/requests/([A-Za-z0-9_.:-]{1,100})(/status)?$")
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def _json(code: int, request_id: str, body: bytes, *extra: tuple[bytes, bytes]) -> Answer:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
        *extra,
    ]
    return code, headers, body


class FastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            scope = on_queue_host(scope)
            match = _REQUEST_PATH.match(scope["path"])
            if match is not None:
                started = time.perf_counter()
                polled = match.group(2) is not None
                answer = await self._status(scope, match.group(1)) if polled else self._result(scope, match.group(1))
                if answer is not None:
                    code, headers, body = answer
                    await send({"type": "http.response.start", "status": code, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    route = scope["path"][: match.start(1)] + "{request_id}" + (match.group(2) or "")
                    HTTP_REQUESTS.labels("GET", route, str(code)).inc()
                    HTTP_LATENCY.labels("GET", route).observe(time.perf_counter() - started)
                    return
        await self.app(scope, receive, send)

    def _result(self, scope: Scope, request_id: str) -> Answer | None:
        """A just-ended job's outputs from the worker's hand-over, or None for the regular route. No I/O."""
        request = Request(scope)
        try:
            context = api_context(request)
            caller = caller_from_header(context.settings, request.headers.get("authorization"))
            job = context.requests.ended_in_memory(request_id, caller)
            if job is None or job.outcome != Outcome.OK or job.result is None or not small_result(job):
                return None
            body = orjson.dumps(job.result)
        except RetouchError:
            return None
        except Exception:
            log.exception("the result fast path failed; the regular route answers", extra={"request_id": request_id})
            return None
        return _json(200, request_id, body)

    async def _status(self, scope: Scope, request_id: str) -> Answer | None:
        """The reply, or None for the regular route to answer. Runs no I/O: the status board is memory."""
        started = time.perf_counter()
        request = Request(scope)
        try:
            context = api_context(request)
            logs = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("logs", [""])[-1]
            caller = caller_from_header(context.settings, request.headers.get("authorization"))
            view = await context.requests.status.poll_from_memory(request_id, caller, with_logs=wants_logs(logs))
            if view is None:
                return None
            body = orjson.dumps(status_body(request, view))
        except RetouchError:
            return None  # the regular route answers it, in the API's own shape
        except Exception:
            log.exception("the status fast path failed; the regular route answers", extra={"request_id": request_id})
            return None
        code = 200 if view.job.status.value == "COMPLETED" else 202
        timing = f"status;dur={(time.perf_counter() - started) * 1000:.2f}".encode()
        return _json(code, request_id, body, (b"server-timing", timing))
