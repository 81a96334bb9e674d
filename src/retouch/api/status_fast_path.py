"""Status polls answered before the framework: the official clients poll every 100 ms per request in flight, so a
poll is the most frequent request a busy server sees, and FastAPI's routing and dependency machinery cost several
times the answer itself.

Only the plain case is taken here: a GET of a status URL whose job the status board holds in memory, visible to the
caller. Everything else (an unknown id, a bad key, a job that needs a store read) goes on to the regular route,
which answers it (errors included) in the API's own shapes. Both build the body with the same ``status_body``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import RetouchError
from .auth import caller_from_header
from .deps import api_context
from .fal_protocol import REQUEST_ID_HEADER, status_body
from .timing import Timings

_STATUS_PATH = re.compile(r"^(?:/queue)?/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/requests/([A-Za-z0-9_.:-]{1,100})/status$")


class StatusFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _STATUS_PATH.match(scope["path"])
            if match is not None and await self._answer(scope, send, match.group(1)):
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send, request_id: str) -> bool:
        request = Request(scope)
        context = api_context(request)
        logs = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("logs", [""])[-1]
        clock = Timings()
        with clock.phase("status"):
            try:
                caller = caller_from_header(context.settings, request.headers.get("authorization"))
                view = context.requests.view_from_memory(
                    request_id, caller, with_logs=logs.lower() in ("1", "true", "yes")
                )
            except RetouchError:
                return False  # the regular route answers it, in the API's own shape
            if view is None:
                return False
            body = orjson.dumps(status_body(request, view))
        code = 200 if view.job.status.value == "COMPLETED" else 202
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
            (b"server-timing", clock.header().encode()),
        ]
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True
