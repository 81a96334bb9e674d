"""Errors shared by every layer.

Engines, imaging and the service raise these; only the HTTP layer turns them into a protocol's error shape
(fal's ``{"detail": ...}`` or OpenAI's ``{"error": ...}``), so no layer below the API knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class RetouchError(Exception):
    """Base class. ``status_code`` is the HTTP status the API layer should answer with."""

    status_code = 500
    error_type = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_payload(self) -> dict[str, Any]:
        """A JSON-safe description, stored with a failed job so any API node can answer it later."""
        return {"detail": self.message, "error_type": self.error_type, "status_code": self.status_code}


class InputError(RetouchError):
    """A request field is invalid (HTTP 422). ``field`` names it as fal's ``loc`` does, e.g. ``image_urls.1``."""

    status_code = 422
    error_type = "validation_error"

    def __init__(self, field: str, message: str, kind: str = "value_error") -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind

    def loc(self) -> list[str | int]:
        parts: list[str | int] = ["body"]
        for part in self.field.split("."):
            parts.append(int(part) if part.isdigit() else part)
        return parts

    def to_payload(self) -> dict[str, Any]:
        return {
            "detail": [{"loc": self.loc(), "msg": self.message, "type": self.kind}],
            "error_type": self.error_type,
            "status_code": self.status_code,
        }


class EngineRefusal(InputError):
    """The engine cannot honestly carry out the instruction. Names what it did not understand and who could."""

    error_type = "engine_refusal"

    def __init__(
        self,
        message: str,
        *,
        not_understood: list[str] | None = None,
        capable_engines: list[str] | None = None,
        field: str = "prompt",
    ) -> None:
        super().__init__(field, message, kind="engine_refusal")
        self.not_understood = not_understood or []
        self.capable_engines = capable_engines or []

    def to_payload(self) -> dict[str, Any]:
        payload = super().to_payload()
        payload["detail"][0].update(not_understood=self.not_understood, capable_engines=self.capable_engines)
        return payload


class EngineUnavailable(RetouchError):
    """The engine exists in configuration but cannot run here (missing weights, missing extra, no key)."""

    status_code = 503
    error_type = "engine_unavailable"


class JobCancelled(RetouchError):
    """Raised inside a running job when its cancellation was requested; ends the job as cancelled."""

    status_code = 499
    error_type = "cancelled"

    def __init__(self, message: str = "The request was cancelled.") -> None:
        super().__init__(message)


class NotFound(RetouchError):
    status_code = 404
    error_type = "not_found"


class Unauthorized(RetouchError):
    status_code = 401
    error_type = "unauthorized"


class QueueFull(RetouchError):
    status_code = 429
    error_type = "queue_full"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageError(RetouchError):
    """The state store or the object store could not persist something (e.g. a full disk)."""

    status_code = 503
    error_type = "storage_unavailable"


class UpstreamError(RetouchError):
    """A remote engine (e.g. OpenAI) failed."""

    status_code = 502
    error_type = "upstream_error"


class TimedOut(RetouchError):
    status_code = 504
    error_type = "timeout"


class StartDeadlinePassed(TimedOut):
    """The request did not start before the caller's ``X-Fal-Request-Timeout``."""

    error_type = "request_timeout"


class Forbidden(RetouchError):
    """The caller is known but may not do this (an admin operation without an admin key, a foreign page)."""

    status_code = 403
    error_type = "forbidden"


class SecretLost(RetouchError):
    """A request's secret (held in memory only) was lost in a restart before it ran."""

    status_code = 409
    error_type = "secret_lost"


class WorkerDied(RetouchError):
    """The worker process died while running the job (killed, or out of memory)."""

    status_code = 500
    error_type = "worker_died"


class ReportedError(RetouchError):
    """An error that was stored with a job or reported by another process, raised again with its own status and
    shape, so the caller sees what the failing side said."""

    def __init__(self, payload: dict[str, Any], message: str | None = None) -> None:
        detail = payload.get("detail")
        super().__init__(message or (detail if isinstance(detail, str) else "invalid input"))
        self.payload = payload
        self.status_code = int(payload.get("status_code", 500))
        self.error_type = str(payload.get("error_type", "internal_error"))

    def to_payload(self) -> dict[str, Any]:
        return self.payload
