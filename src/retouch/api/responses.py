"""JSON responses encoded with orjson: a sync result carries its images as data: URIs, megabytes of text that the
standard encoder would scan character by character."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
