# ruff: noqa: E501  (tables of phrasings and checks read best one to a line)
"""For every signed operation and both directions, the sign the words ask for is the sign measured on the pixels
of a real photograph — read through everyday phrasings, complaints included (issue 17's misreads among them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from retouch.engines.base import EditTask, NullProgress
from retouch.engines.classic import ClassicEngine
from retouch.engines.classic.engine import to_array, to_image
from retouch.engines.classic.horizon import horizon_angle, rotate_and_crop


@lru_cache(maxsize=8)
def photo(name: str = "astronaut", size: int = 192) -> Image.Image:
    arr = getattr(data, name)()
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    return Image.fromarray(arr[..., :3]).resize((size, size), Image.Resampling.LANCZOS)


@lru_cache(maxsize=1)
def noisy() -> Image.Image:
    arr = np.asarray(photo(), dtype=np.float32) + np.random.default_rng(0).normal(0, 12, (192, 192, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def edit(prompt: str, image: Image.Image) -> Image.Image:
    return ClassicEngine().run(EditTask(prompt=prompt, images=[image], seed=2), NullProgress()).images[0]


def lab(img: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def lightness(img: Image.Image) -> float:
    return float(lab(img)[..., 0].mean())


def spread(img: Image.Image) -> float:
    return float(lab(img)[..., 0].std())


def chroma(img: Image.Image) -> float:
    v = lab(img)
    return float(np.hypot(v[..., 1], v[..., 2]).mean())


def yellow_blue(img: Image.Image) -> float:
    return float(lab(img)[..., 2].mean())


def magenta_green(img: Image.Image) -> float:
    return float(lab(img)[..., 1].mean())


def dark_tones(img: Image.Image) -> float:
    return float(np.percentile(lab(img)[..., 0], 20))


def bright_tones(img: Image.Image) -> float:
    return float(np.percentile(lab(img)[..., 0], 95))


def detail(img: Image.Image) -> float:
    return float(cv2.Laplacian(np.asarray(img.convert("L"), dtype=np.float32), cv2.CV_32F).var())


def width(img: Image.Image) -> float:
    return float(img.size[0])


Metric = Callable[[Image.Image], float]
# (metric, photo, phrasings that must raise it, phrasings that must lower it)
CASES: list[tuple[str, Metric, Callable[[], Image.Image], list[str], list[str]]] = [
    ("brightness", lightness, photo, ["make it brighter", "it's too dark", "can you make it less dark?", "increase the brightness"],
     ["decrease the image brightness", "bring the brightness down a notch", "too bright", "make it a bit darker"]),
    ("exposure", lightness, photo, ["increase the exposure", "+1 EV", "the photo is underexposed"],
     ["reduce the exposure", "-1 EV", "it's overexposed"]),
    ("contrast", spread, photo, ["more contrast", "punch up the contrast", "it looks flat"],
     ["tone down the contrast", "make it less contrasty", "decrease the image contrast", "too much contrast"]),
    ("saturation", chroma, photo, ["more saturated", "make this image look less washed out", "increase the colors"],
     ["tone down the saturation a little", "dial back the saturation", "make the colours less intense", "it's oversaturated"]),
    ("vibrance", chroma, photo, ["more vibrant", "boost the vibrance"], ["less vibrant", "reduce the vibrance"]),
    ("warmth", yellow_blue, photo, ["make it warmer", "less cool", "it looks too cold"],
     ["reduce the warmth", "make it cooler", "too warm"]),
    ("shadows", dark_tones, lambda: photo("coffee"), ["boost the shadows", "make shadow lighter", "the shadows are too dark"],
     ["deepen the shadows", "darken the shadows"]),
    ("highlights", bright_tones, photo, ["brighten the highlights", "make the highlights brighter"],
     ["knock down the highlights", "recover the highlights", "the highlights are too bright"]),
    ("tint", magenta_green, photo, ["magenta tint", "make it more magenta"], ["green tint", "make it greener"]),
    ("sharpness", detail, photo, ["sharpen it", "it's blurry", "make it less blurry"],
     ["blur it", "make it blurrier", "it's too sharp"]),
    ("noise", detail, noisy, ["add grain", "add some noise"], ["reduce noise", "it's too noisy", "remove the grain"]),
    ("size", width, photo, ["make it bigger", "enlarge it"], ["make it a little bit smaller", "shrink it"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "metric", "source", "up", "down"), CASES, ids=[c[0] for c in CASES])
def test_the_words_and_the_pixels_agree(
    name: str, metric: Metric, source: Callable[[], Image.Image], up: list[str], down: list[str]
) -> None:
    base = metric(source())
    for prompt in up:
        assert metric(edit(prompt, source())) > base * 1.01 + 0.5, prompt
    for prompt in down:
        assert metric(edit(prompt, source())) < base * 0.99 - 0.5, prompt


def test_rotation_direction_on_a_real_horizon() -> None:
    level = np.asarray(photo("camera", 512))[120:360, 300:512]
    source = Image.fromarray(np.ascontiguousarray(level))
    for prompt, sign in (("rotate it 4 degrees counterclockwise", 1), ("rotate it 4 degrees clockwise", -1)):
        found = horizon_angle(np.asarray(edit(prompt, source), dtype=np.float32) / 255)
        assert found is not None and found * sign > 2, (prompt, found)
    slight, _ = to_array(source)
    for prompt, degrees in (("rotate it slightly counterclockwise", 3.0), ("tilt it a bit clockwise", -3.0)):
        expected = np.asarray(to_image(rotate_and_crop(slight, degrees), None))  # the engine's own 8-bit rounding
        assert np.array_equal(np.asarray(edit(prompt, source)), expected), prompt
