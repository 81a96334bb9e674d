"""The one small interface every engine implements.

An engine receives decoded images and a typed task, reports progress through a callback, checks for cancellation
between steps, and returns images. The worker does the rest (inputs, storage, the mask guarantee).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from PIL import Image

Quality = Literal["low", "medium", "high"]
Mode = Literal["edit", "generate"]


@dataclass(frozen=True)
class TaskInfo:
    """What is known about a request before its images are fetched: enough for an engine to refuse early."""

    prompt: str
    mode: Mode = "edit"
    num_inputs: int = 1
    has_mask: bool = False
    num_images: int = 1
    quality: Quality = "high"
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EditTask:
    """One edit (or generation) to run.

    ``images`` are RGB or RGBA with EXIF orientation applied; ``mask`` is mode ``L`` of the first image's size
    (255 = may change, 0 = must be kept) or None. ``size`` is the requested output (width, height), or None for
    ``auto`` (keep the first image's size unless the edit itself is geometric).
    """

    prompt: str
    images: list[Image.Image]
    mask: Image.Image | None = None
    size: tuple[int, int] | None = None
    quality: Quality = "high"
    num_images: int = 1
    seed: int = 0
    output_format: str = "png"
    mode: Mode = "edit"
    options: Mapping[str, Any] = field(default_factory=dict)

    def info(self) -> TaskInfo:
        return TaskInfo(
            prompt=self.prompt,
            mode=self.mode,
            num_inputs=len(self.images),
            has_mask=self.mask is not None,
            num_images=self.num_images,
            quality=self.quality,
            options=self.options,
        )


# Request fields an engine reads from ``options`` (beside the request's secrets), and the app the request came to.
# A leading "_" marks a field only the /v1 routes set (OpenAI's `background`); engines see it without the "_".
ENGINE_FIELDS = ("loras", "model", "_background")


def request_options(app_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """What of a request an engine sees in ``TaskInfo.options`` / ``EditTask.options``, apart from secrets."""
    options = {name.lstrip("_"): payload[name] for name in ENGINE_FIELDS if payload.get(name) is not None}
    options["app_id"] = app_id
    return options


@dataclass
class EngineResult:
    images: list[Image.Image]
    # Token-style usage when the engine knows it (remote APIs); None lets pricing estimate it.
    usage: dict[str, Any] | None = None
    # Whether the engine itself already honoured the mask; the worker composites regardless.
    info: dict[str, Any] = field(default_factory=dict)


class Progress(Protocol):
    """How an engine talks back while it runs. Every method is cheap and thread-safe."""

    def log(self, message: str, level: str = "INFO") -> None: ...

    def step(self, done: int, total: int) -> None:
        """Reports progress; raises JobCancelled if the job was cancelled (a step boundary is a cancel point)."""
        ...

    def partial(self, image: Image.Image) -> None:
        """Offers a preview of the current result (streams show it)."""
        ...

    def check_cancelled(self) -> None:
        """Raises JobCancelled when cancellation was requested."""
        ...


@runtime_checkable
class Engine(Protocol):
    name: str

    def preflight(self, info: TaskInfo) -> None:
        """Raises EngineRefusal / EngineUnavailable for a task this engine cannot do. Must be cheap (no I/O)."""
        ...

    def run(self, task: EditTask, progress: Progress) -> EngineResult: ...


class NullProgress:
    """Progress sink for in-process use (CLI, benchmarks, tests)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.partials: list[Image.Image] = []

    def log(self, message: str, level: str = "INFO") -> None:
        self.messages.append((level, message))

    def step(self, done: int, total: int) -> None:
        return None

    def partial(self, image: Image.Image) -> None:
        self.partials.append(image)

    def check_cancelled(self) -> None:
        return None
