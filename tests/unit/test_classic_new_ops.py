# ruff: noqa: E501  (tables of phrasings and checks read best one to a line)
"""The operations issue 17 added, each measured on a real photograph (scikit-image's bundled photos): selective
colour (a hue range, skin tones), colour splash, colour balance, white balance from a complaint, straightening,
oil painting and watercolour, the new looks, scoped edits ("make the sky bluer", "pixelate the background"), and
the new crops."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from retouch.engines.base import EditTask, NullProgress
from retouch.engines.classic import ClassicEngine
from retouch.engines.classic.horizon import horizon_angle, rotate_and_crop
from retouch.engines.classic.ops_colour import hue_weight
from retouch.errors import EngineRefusal


@lru_cache(maxsize=16)
def photo(name: str = "astronaut", size: int = 256) -> Image.Image:
    arr = getattr(data, name)()
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    return Image.fromarray(arr[..., :3]).resize((size, size), Image.Resampling.LANCZOS)


def edit(prompt: str, image: Image.Image, mask: Image.Image | None = None) -> Image.Image:
    task = EditTask(prompt=prompt, images=[image], mask=mask, seed=3)
    return ClassicEngine().run(task, NullProgress()).images[0]


def lab(img: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def chroma(img: Image.Image) -> np.ndarray:
    v = lab(img)
    return np.hypot(v[..., 1], v[..., 2])


def weight(img: Image.Image, name: str) -> np.ndarray:
    return hue_weight(np.asarray(img, dtype=np.float32) / 255.0, name)


@pytest.mark.parametrize(("photo_name", "hue", "up", "down"), [
    ("hubble_deep_field", "greens", "make the greens more vibrant", "desaturate the greens"),
    ("rocket", "blues", "boost the blues", "mute the blues"),
    ("astronaut", "reds", "make the reds more saturated", "make the reds less saturated"),
    ("astronaut", "skin", "make the skin tones more saturated", "desaturate the skin tones"),
])  # fmt: skip
def test_selective_saturation_moves_only_its_hue_range(photo_name: str, hue: str, up: str, down: str) -> None:
    src = photo(photo_name)
    inside = weight(src, hue) > 0.9
    outside = weight(src, hue) == 0
    assert inside.mean() > 0.01 and outside.mean() > 0.05
    base = chroma(src)
    more, less = edit(up, src), edit(down, src)
    assert chroma(more)[inside].mean() > base[inside].mean() * 1.15
    assert chroma(less)[inside].mean() < base[inside].mean() * 0.85
    for out in (more, less):  # other hues: bit for bit
        assert np.array_equal(np.asarray(out)[outside], np.asarray(src)[outside])


def test_selective_lightness_and_hue() -> None:
    src = photo("rocket")
    blues = weight(src, "blues") > 0.9
    assert lab(edit("brighten the blues", src))[..., 0][blues].mean() > lab(src)[..., 0][blues].mean() + 3
    assert lab(edit("make the blues darker", src))[..., 0][blues].mean() < lab(src)[..., 0][blues].mean() - 3
    coffee = photo("coffee")
    oranges = weight(coffee, "oranges") > 0.9
    mint = lab(edit("change orange color to a mint green color", coffee))
    assert mint[..., 1][oranges].mean() < lab(coffee)[..., 1][oranges].mean() - 10  # a*: from orange toward green


def test_colour_splash_keeps_one_hue_and_greys_the_rest() -> None:
    src = photo("astronaut")
    reds, others = weight(src, "reds") == 1, weight(src, "reds") == 0
    out = edit("desaturate everything except the red", src)
    assert np.array_equal(np.asarray(out)[reds], np.asarray(src)[reds])
    assert chroma(out)[others].mean() < 2.0 < chroma(src)[others].mean()


@pytest.mark.parametrize("name", ["red", "green", "blue", "yellow", "orange", "magenta", "purple", "cyan"])
def test_colour_words_shift_the_balance_both_ways(name: str) -> None:
    from retouch.engines.classic.ops_colour import _unit_ab

    src = photo("chelsea")
    unit = _unit_ab(name)

    def toward(img: Image.Image) -> float:
        return float(lab(img)[..., 1:].reshape(-1, 2).mean(axis=0) @ unit)

    assert toward(edit(f"make it more {name}", src)) > toward(src) + 3
    assert toward(edit(f"make it less {name}", src)) < toward(src) - 3


@pytest.mark.parametrize(("cast", "gain", "channel", "sign"), [
    ("blue", (0.85, 0.95, 1.25), 2, 1),
    ("yellow", (1.15, 1.1, 0.75), 2, -1),
    ("green", (0.9, 1.2, 0.9), 1, 1),
    ("magenta", (1.15, 0.85, 1.15), 1, -1),
])  # fmt: skip
def test_a_cast_complaint_moves_away_from_the_cast(cast: str, gain: tuple[float, ...], channel: int, sign: int) -> None:
    arr = np.asarray(photo("coffee"), dtype=np.float32)
    tinted = Image.fromarray(np.clip(arr * np.array(gain), 0, 255).astype(np.uint8))
    fixed = edit(f"it looks too {cast}", tinted)
    moved = lab(fixed)[..., channel].mean() - lab(tinted)[..., channel].mean()
    assert moved * sign > 3, moved


def test_straighten_levels_a_real_horizon_and_crops_the_corners() -> None:
    camera = np.asarray(photo("camera", 512), dtype=np.float32)[120:360, 300:512] / 255.0  # grass meets sky
    for tilt in (4.0, -4.0, -6.0, 8.0):
        tilted = rotate_and_crop(camera, tilt)
        found = horizon_angle(tilted)
        assert found is not None and abs(found - tilt) < 1.0, (tilt, found)
        out = edit("straighten the horizon", Image.fromarray((tilted * 255 + 0.5).astype(np.uint8)))
        assert out.size[0] < tilted.shape[1] and out.size[1] < tilted.shape[0]
        assert np.asarray(out).reshape(-1, 3).min(axis=1).mean() > 20  # no black corners were brought in


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "hubble_deep_field"])
def test_straighten_refuses_without_a_clear_horizon(name: str) -> None:
    with pytest.raises(EngineRefusal, match="horizon|line"):
        edit("straighten the horizon", photo(name))


def test_a_slight_rotation_is_a_few_degrees_with_the_corners_cropped() -> None:
    src = photo("astronaut")
    for prompt in ("rotate it slightly", "rotate slightly to the left"):
        out = edit(prompt, src)
        assert 200 < out.size[0] < 256 and 200 < out.size[1] < 256
        corners = np.asarray(out)[[0, 0, -1, -1], [0, -1, 0, -1]]
        assert corners.min() > 0 or corners.max() > 30  # image content, not an empty corner
    camera = photo("camera", 512)
    level = np.asarray(camera, dtype=np.float32)[120:360, 300:512]
    turned = edit("rotate it a bit clockwise", Image.fromarray(level.astype(np.uint8)))
    found = horizon_angle(np.asarray(turned, dtype=np.float32) / 255)
    assert found is not None and -5 < found < -1


def lap_var(img: Image.Image) -> float:
    return float(cv2.Laplacian(np.asarray(img.convert("L"), dtype=np.float32), cv2.CV_32F).var())


def texture(img: Image.Image) -> float:
    """The median local spread of lightness (3 x 3): fine texture, which paint smooths, unlike region edges."""
    grey = np.asarray(img.convert("L"), dtype=np.float32)
    mean = cv2.blur(grey, (3, 3))
    spread = np.sqrt(np.maximum(cv2.blur(grey * grey, (3, 3)) - mean * mean, 0))
    return float(np.median(spread))


def test_oil_painting_and_watercolour() -> None:
    src = photo("astronaut", 384)
    oil = edit("make it look like an oil painting", src)
    assert oil.size == src.size and texture(oil) < texture(src) * 0.8
    assert abs(lab(oil)[..., 0].mean() - lab(src)[..., 0].mean()) < 6
    assert len(np.unique(np.asarray(oil.resize((96, 96))).reshape(-1, 3), axis=0)) < len(
        np.unique(np.asarray(src.resize((96, 96))).reshape(-1, 3), axis=0)
    )
    water = edit("watercolour", src)
    assert lab(water)[..., 0].mean() > lab(src)[..., 0].mean() + 3  # transparent washes on white paper
    assert texture(water) < texture(src) * 0.7
    assert np.array_equal(np.asarray(water), np.asarray(edit("watercolor effect", src)))  # deterministic


@pytest.mark.parametrize(
    ("prompt", "check"),
    [
        ("make it look like the 70s", lambda b, a: a[..., 2].mean() > b[..., 2].mean() + 3 and a[..., 0].std() < b[..., 0].std()),
        ("80s film look", lambda b, a: np.hypot(a[..., 1], a[..., 2]).mean() > np.hypot(b[..., 1], b[..., 2]).mean()),
        ("give it a warm, cozy feel", lambda b, a: a[..., 2].mean() > b[..., 2].mean() + 5),
        ("make it dreamy", lambda b, a: a[..., 0].mean() > b[..., 0].mean() + 2 and a[..., 0].std() < b[..., 0].std()),
        ("turn day into night", lambda b, a: a[..., 0].mean() < b[..., 0].mean() - 8 and a[..., 2].mean() < b[..., 2].mean()),
    ],
)  # fmt: skip
def test_looks_by_decade_and_mood(prompt: str, check: object) -> None:
    assert check(lab(photo("coffee")), lab(edit(prompt, photo("coffee"))))  # type: ignore[operator]


def test_the_sky_gets_bluer_and_the_rest_stays_byte_identical() -> None:
    camera = photo("camera", 256)  # a pale sky over a field
    out = np.asarray(edit("make the sky bluer", camera))
    src = np.asarray(camera)
    from retouch.engines.classic.sky import find_sky

    sky = find_sky(src.astype(np.float32) / 255)
    assert lab(Image.fromarray(out))[..., 2][sky > 0.9].mean() < lab(camera)[..., 2][sky > 0.9].mean() - 3
    assert np.array_equal(out[sky == 0], src[sky == 0])
    assert (sky == 0).mean() > 0.5


def test_with_a_sky_mask_only_the_sky_changes() -> None:
    rocket = photo("rocket")
    mask = np.zeros((256, 256), np.uint8)
    mask[:120] = 255
    out = np.asarray(edit("make the sky bluer", rocket, Image.fromarray(mask)))
    from retouch.worker.finish import finish_output

    final = np.asarray(
        finish_output(Image.fromarray(out), rocket, Image.fromarray(mask), None, explicit_size=False, geometric=False)
    )
    assert np.array_equal(final[mask == 0], np.asarray(rocket)[mask == 0])
    assert lab(Image.fromarray(final))[..., 2][:100].mean() < lab(rocket)[..., 2][:100].mean() - 2


def test_a_dramatic_sunset_is_a_more_intense_sunset_not_a_storm() -> None:
    rocket = photo("rocket")
    mask = np.zeros((256, 256), np.uint8)
    mask[:100] = 255
    sky = Image.fromarray(mask)
    plain = lab(edit("replace the sky with a sunset", rocket, sky))[:90]
    dramatic = lab(edit("Replace the sky with a dramatic sunset", rocket, sky))[:90]
    chroma_dramatic = np.hypot(dramatic[..., 1], dramatic[..., 2]).mean()
    chroma_plain = np.hypot(plain[..., 1], plain[..., 2]).mean()
    assert chroma_plain > 15 and chroma_dramatic > chroma_plain * 1.2  # colourful, not a grey storm; more intense
    assert dramatic[-10:, :, 2].mean() > 5  # warm toward the horizon


def test_pixelating_the_background_leaves_the_subject() -> None:
    src = photo("astronaut")
    from retouch.engines.classic.foreground import find_foreground

    subject = find_foreground(np.asarray(src, dtype=np.float32) / 255) == 1
    out = np.asarray(edit("make the background pixelated", src))
    assert np.array_equal(out[subject], np.asarray(src)[subject])
    changed = (out != np.asarray(src)).any(axis=2)
    assert changed[~subject].mean() > 0.5


def test_crops_to_a_side_a_zoom_and_the_subject() -> None:
    src = photo("astronaut")
    assert edit("crop the left side", src).size == (218, 256)
    assert edit("cut off the top 20%", src).size == (256, 205)
    assert edit("zoom in 2x", src).size == (128, 128)
    zoomed = np.asarray(edit("zoom in 2x", src))
    assert np.array_equal(zoomed, np.asarray(src)[64:192, 64:192])
    from retouch.engines.classic.foreground import find_foreground

    coffee = photo("coffee")
    ys, xs = np.nonzero(find_foreground(np.asarray(coffee, dtype=np.float32) / 255) > 0.5)
    box_w, box_h = xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()
    cropped = edit("crop to the subject", coffee)
    assert box_w <= cropped.size[0] <= box_w * 1.2 and box_h <= cropped.size[1] <= box_h * 1.2
    assert cropped.size[0] * cropped.size[1] < 256 * 256 * 0.9
    with pytest.raises(EngineRefusal, match="crop"):
        edit("crop", src)


# -- dehaze ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["rocket", "coffee", "chelsea"])
def test_dehaze_takes_a_veil_off_and_leaves_a_clear_photo_nearly_as_it_was(name: str) -> None:
    clear = np.asarray(photo(name), dtype=np.float32) / 255.0
    thin = np.linspace(0.9, 0.45, clear.shape[0], dtype=np.float32)[:, None, None]  # thicker toward the top
    hazy = clear * thin + 0.85 * (1.0 - thin)
    hazy_img = Image.fromarray((hazy * 255 + 0.5).astype(np.uint8))
    fixed = np.asarray(edit("remove the haze", hazy_img), dtype=np.float32) / 255.0
    assert np.abs(fixed - clear).mean() < 0.5 * np.abs(hazy - clear).mean()  # most of the veil is gone
    assert fixed.std() > hazy.std() * 1.15  # contrast comes back
    untouched = np.asarray(edit("dehaze", photo(name)), dtype=np.float32) / 255.0
    assert np.abs(untouched - clear).mean() < 0.09  # nothing to take off: little changes
