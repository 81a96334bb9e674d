"""An engine for the tests: real pixel work (grayscale) with scripted timing, to drive the lifecycle.

Importing this module registers it as the engine kind "gray"; a server in another process names it by ``GRAY``."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageOps

from retouch.engines.base import EditTask, EngineResult, Progress, TaskInfo
from retouch.engines.registry import register_kind
from retouch.errors import EngineRefusal

GRAY = "tests.support.gray_engine:GrayEngine"


class GrayEngine:
    """Turns images gray in ``steps`` steps; ``step_seconds`` makes it slow enough to cancel or crash mid-run."""

    def __init__(self, name: str, options: Mapping[str, Any] | None = None) -> None:
        self.name = name
        self.options = dict(options or {})

    def preflight(self, info: TaskInfo) -> None:
        if "refuse" in info.prompt:
            raise EngineRefusal(
                "the test engine refuses prompts containing 'refuse'",
                not_understood=["refuse"],
                capable_engines=["diffusers"],
            )

    def run(self, task: EditTask, progress: Progress) -> EngineResult:
        steps = int(self.options.get("steps", 3))
        delay = float(self.options.get("step_seconds", 0.0))
        if "slow" in task.prompt:
            delay = max(delay, 0.3)
        progress.log(f"plan: grayscale in {steps} steps")
        out: list[Image.Image] = []
        for i in range(task.num_images):
            base = task.images[0] if task.images else Image.new("RGB", task.size or (64, 48), (200, 30, 30))
            for k in range(steps):
                time.sleep(delay)
                progress.step(k + 1, steps)
                progress.log(f"step {k + 1}/{steps}")
                progress.partial(base)
            gray = ImageOps.grayscale(base.convert("RGB")).convert("RGB")
            out.append(gray if task.size is None or not task.images else gray.resize(task.size))
            _ = i
        return EngineResult(images=out)


register_kind("gray", GrayEngine)
