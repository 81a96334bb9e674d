"""Step progress, cancellation and cheap previews for a running diffusers pipeline.

The pipeline calls ``StepReporter`` at the end of every denoising step (``callback_on_step_end``). It logs
"step k/N", reports the step (which raises ``JobCancelled`` when the job was cancelled: the exception leaves the
pipeline at once, before the next step and without the final VAE decode), and every few steps offers a preview.

The default preview is a linear map from latent channels to RGB, fitted once per loaded pipeline by encoding a
small synthetic colour chart with the model's own VAE and solving a least-squares problem. It costs one small
matrix product per preview instead of a VAE decode, and works for any family whose latents the adapter can lay
out as a (batch, channels, h, w) grid.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import torch
from PIL import Image

from ..base import Progress
from .family import Family, Plan

_CHART_CELLS = 8


def colour_chart(edge: int) -> Image.Image:
    """A deterministic chart of saturated and grey cells plus gradients: enough colours to fit a 3-output map."""
    rng = np.random.default_rng(1234)
    cell = max(1, edge // _CHART_CELLS)
    cells = rng.integers(0, 256, size=(_CHART_CELLS, _CHART_CELLS, 3), dtype=np.uint8)
    cells[0, :, :] = np.linspace(0, 255, _CHART_CELLS, dtype=np.uint8)[:, None]
    chart = np.kron(cells, np.ones((cell, cell, 1), dtype=np.uint8))
    return Image.fromarray(chart[:edge, :edge]).resize((edge, edge), Image.Resampling.NEAREST)


def _to_pixels(image: Image.Image) -> torch.Tensor:
    array = np.asarray(image.convert("RGB"), dtype=np.float32) / 127.5 - 1.0
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0)


def _grid_to_image(rgb: torch.Tensor, size: tuple[int, int]) -> Image.Image:
    """(3, h, w) in [0, 1] → a PIL image resized (bilinear) to ``size``."""
    array = (rgb.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array).resize(size, Image.Resampling.BILINEAR)


class LatentPreviewer:
    """Maps latents to a rough RGB picture with a per-model linear fit (fitted lazily, once, thread-safe)."""

    def __init__(self, family: Family, pipe: Any) -> None:
        self.family = family
        self.pipe = pipe
        self._weights: torch.Tensor | None = None
        self._lock = threading.Lock()

    def _fit(self) -> torch.Tensor:
        edge = self.family.size_multiple(self.pipe) * 8
        chart = colour_chart(edge)
        vae = self.pipe.vae
        pixels = _to_pixels(chart).to(device=vae.device, dtype=vae.dtype)
        with torch.no_grad():
            grid = self.family.encode(self.pipe, pixels).float().cpu()[0]  # (C, h, w)
        channels, h, w = grid.shape
        target = _to_pixels(chart.resize((w, h), Image.Resampling.BOX))[0].add(1).div(2)  # (3, h, w) in [0, 1]
        design = torch.cat([grid.reshape(channels, -1).T, torch.ones(h * w, 1)], dim=1)  # (N, C+1)
        solution = torch.linalg.lstsq(design, target.reshape(3, -1).T).solution  # (C+1, 3)
        return solution

    def weights(self) -> torch.Tensor:
        with self._lock:
            if self._weights is None:
                self._weights = self._fit()
            return self._weights

    def __call__(self, latents: torch.Tensor, plan: Plan) -> Image.Image:
        grid = self.family.latents_grid(self.pipe, latents, plan)[0].float().cpu()  # (C, h, w)
        weights = self.weights()
        channels = grid.shape[0]
        rgb = torch.einsum("chw,ck->khw", grid, weights[:channels]) + weights[channels].view(3, 1, 1)
        return _grid_to_image(rgb, (plan.width, plan.height))


class VaePreviewer:
    """A full VAE decode of the current latents: exact but costly; only when configured (``preview: vae``)."""

    def __init__(self, family: Family, pipe: Any) -> None:
        self.family = family
        self.pipe = pipe

    def __call__(self, latents: torch.Tensor, plan: Plan) -> Image.Image:
        with torch.no_grad():
            grid = self.family.latents_grid(self.pipe, latents, plan)[:1]
            pixels = self.family.decode(self.pipe, grid)[0].float().cpu()
        return _grid_to_image(pixels.add(1).div(2), (plan.width, plan.height))


class StepReporter:
    """The ``callback_on_step_end`` of one run. Raises JobCancelled out of the pipeline when asked to stop."""

    def __init__(self, progress: Progress, plan: Plan, previewer: Any | None, every: int) -> None:
        self.progress = progress
        self.plan = plan
        self.previewer = previewer
        self.every = every
        self.done = 0
        self.previews = 0
        self.preview_seconds = 0.0

    def __call__(self, pipe: Any, index: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        total = int(getattr(pipe, "_num_timesteps", 0) or self.plan.steps)
        self.done = index + 1
        self.progress.log(f"step {self.done}/{total}")
        self.progress.step(self.done, total)
        if self.previewer is not None and self.every and self.done % self.every == 0 and self.done < total:
            latents = tensors.get("latents")
            if latents is not None:
                started = time.perf_counter()
                try:
                    self.progress.partial(self.previewer(latents, self.plan))
                except (RuntimeError, ValueError, NotImplementedError) as exc:
                    # A preview is a nicety: never fail an edit because a latent layout was unexpected.
                    self.progress.log(f"preview unavailable: {exc}", "DEBUG")
                    self.previewer = None
                self.previews += 1
                self.preview_seconds += time.perf_counter() - started
        return {}
