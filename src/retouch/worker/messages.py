"""What a worker slot and its child process say to each other over their pipe: one class per message.

The parent sends ``RunJob``, ``CancelJob`` and ``StopChild``; the child answers with progress (``LogLine``,
``StepDone``, ``Preview``) and exactly one end per job (``JobDone``, ``JobFailed``, ``JobCancelled``), each saying
whether the child retires after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..jobs.base import Job


@dataclass(frozen=True)
class RunJob:
    job: Job
    previews: bool = True  # someone reads this job's partial images: worth making them


@dataclass(frozen=True)
class CancelJob:
    """Names its job: it may reach the child before the child has picked that job up, or after it finished."""

    job_id: str


@dataclass(frozen=True)
class StopChild:
    pass


@dataclass(frozen=True)
class LogLine:
    message: str
    level: str


@dataclass(frozen=True)
class StepDone:
    done: int
    total: int


@dataclass(frozen=True)
class Preview:
    size: tuple[int, int]
    rgb: bytes


@dataclass(frozen=True)
class JobDone:
    result: dict[str, Any]
    inference_time: float
    timings: dict[str, float]
    retire: bool


@dataclass(frozen=True)
class JobFailed:
    """``payload`` is the error's API shape (``RetouchError.to_payload``)."""

    payload: dict[str, Any]
    message: str
    retire: bool


@dataclass(frozen=True)
class JobStopped:
    """The job noticed its cancellation (or time limit) and stopped."""

    retire: bool


@dataclass(frozen=True)
class Batch:
    """Messages sent as one: progress the child held for a moment, then what came after it (in order)."""

    messages: tuple[LogLine | StepDone | Preview | JobDone | JobFailed | JobStopped, ...]


ToChild = RunJob | CancelJob | StopChild
FromChild = LogLine | StepDone | Preview | JobDone | JobFailed | JobStopped | Batch
