"""Each operation does what its words say, measured on real photographs (scikit-image's bundled photos) in CIELAB
or with exact pixel comparisons; masks, seeds and progress behave as promised."""

from __future__ import annotations

import io
from functools import lru_cache

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from skimage import data

from retouch.engines.base import EditTask, NullProgress
from retouch.engines.classic import ClassicEngine
from retouch.imaging.encode import encode_image


@lru_cache(maxsize=4)
def photo(name: str = "astronaut", size: int = 256) -> Image.Image:
    return Image.fromarray(getattr(data, name)()).convert("RGB").resize((size, size), Image.Resampling.LANCZOS)


def edit(prompt: str, image: Image.Image | None = None, **kw: object) -> Image.Image:
    task = EditTask(prompt=prompt, images=[image or photo()], seed=int(kw.pop("seed", 7)), **kw)  # type: ignore[arg-type]
    return ClassicEngine().run(task, NullProgress()).images[0]


def lab(img: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def chroma(img: Image.Image) -> float:
    v = lab(img)
    return float(np.hypot(v[..., 1], v[..., 2]).mean())


def lap_var(img: Image.Image) -> float:
    grey = np.asarray(img.convert("L"), dtype=np.float32)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def px(img: Image.Image) -> np.ndarray:
    return np.asarray(img).astype(np.int16)


@pytest.mark.parametrize(
    ("prompt", "channel", "sign"),
    [
        ("make it warmer", 2, 1),
        ("make it cooler", 2, -1),
        ("brighter", 0, 1),
        ("darker", 0, -1),
        ("+1 EV", 0, 1),
        ("-1 EV", 0, -1),
        ("gamma 1.8", 0, 1),
        ("magenta tint", 1, 1),
        ("green tint", 1, -1),
        ("golden hour", 2, 1),
        ("make it look like night", 0, -1),
        ("high key", 0, 1),
    ],
)
def test_tone_moves_the_right_lab_channel(prompt: str, channel: int, sign: int) -> None:
    before = lab(photo())[..., channel].mean()
    after = lab(edit(prompt))[..., channel].mean()
    assert (after - before) * sign > 2.0, (before, after)


def test_contrast_spread_and_amounts_scale() -> None:
    base = lab(photo())[..., 0].std()
    more = lab(edit("more contrast"))[..., 0].std()
    much = lab(edit("much more contrast"))[..., 0].std()
    less = lab(edit("less contrast"))[..., 0].std()
    assert less < base < more < much


def test_black_and_white_and_saturation() -> None:
    assert chroma(edit("B&W")) < 1.0
    base = chroma(photo())
    assert chroma(edit("more saturated")) > base * 1.15
    assert chroma(edit("less saturated")) < base * 0.85
    assert chroma(edit("boost vibrance")) > base
    bw = np.asarray(edit("make it black and white"))
    assert np.array_equal(bw[..., 0], bw[..., 1]) and np.array_equal(bw[..., 1], bw[..., 2])


def test_sepia_invert_and_hue() -> None:
    sep = lab(edit("sepia"))
    assert sep[..., 2].mean() > 8 and abs(sep[..., 1].mean()) < 12
    inv = edit("invert the colours")
    assert np.array_equal(np.asarray(inv), 255 - np.asarray(photo()))
    base = lab(photo())
    shifted = lab(edit("shift hue by 90 degrees"))
    angle = np.degrees(
        np.arctan2(shifted[..., 2].mean(), shifted[..., 1].mean())
        - np.arctan2(base[..., 2].mean(), base[..., 1].mean())
    )
    assert 60 < angle % 360 < 120


def test_auto_levels_and_white_balance_on_a_degraded_photo() -> None:
    arr = np.asarray(photo("coffee")).astype(np.float32)
    dull = Image.fromarray((arr * 0.5 + 60).astype(np.uint8))
    assert lab(edit("auto levels", dull))[..., 0].std() > lab(dull)[..., 0].std() * 1.5
    cast = Image.fromarray(np.clip(arr * np.array([1.0, 0.85, 1.25]), 0, 255).astype(np.uint8))
    fixed = edit("fix the white balance", cast)
    means = np.asarray(fixed, dtype=np.float32).reshape(-1, 3).mean(axis=0)
    before = np.asarray(cast, dtype=np.float32).reshape(-1, 3).mean(axis=0)
    assert np.ptp(means) < np.ptp(before) * 0.5


def test_blur_sharpen_denoise() -> None:
    base = lap_var(photo())
    assert lap_var(edit("blur it")) < base / 2
    assert lap_var(edit("sharpen")) > base * 1.3
    noisy_arr = np.clip(
        np.asarray(photo(), dtype=np.float32) + np.random.default_rng(0).normal(0, 20, (256, 256, 3)), 0, 255
    )
    noisy = Image.fromarray(noisy_arr.astype(np.uint8))
    assert lap_var(edit("reduce noise", noisy)) < lap_var(noisy) * 0.6


def test_vignette_darkens_corners_not_centre() -> None:
    before, after = lab(photo())[..., 0], lab(edit("add a vignette"))[..., 0]
    assert after[:20, :20].mean() < before[:20, :20].mean() - 5
    assert abs(after[118:138, 118:138].mean() - before[118:138, 118:138].mean()) < 0.5


def test_grain_is_seeded() -> None:
    a, b, c = edit("add film grain", seed=1), edit("add film grain", seed=1), edit("add film grain", seed=2)
    assert encode_image(a, "png") == encode_image(b, "png")
    assert not np.array_equal(np.asarray(a), np.asarray(c))
    assert np.abs(px(a) - px(photo())).mean() > 2


def test_pixelate_posterize_and_stylisations() -> None:
    pix = np.asarray(edit("pixelate")).astype(int)
    same_as_right = (np.abs(pix[:, 1:] - pix[:, :-1]).sum(axis=2) == 0).mean()
    assert same_as_right > 0.75
    post = np.asarray(edit("posterize to 4 levels"))
    assert all(len(np.unique(post[..., ch])) <= 4 for ch in range(3))
    sketch = np.asarray(edit("pencil sketch"))
    assert np.array_equal(sketch[..., 0], sketch[..., 2]) and sketch.mean() > np.asarray(photo()).mean()
    emb = np.asarray(edit("emboss"))
    assert np.array_equal(emb[..., 0], emb[..., 1]) and abs(emb.mean() - 128) < 40
    cartoon = np.asarray(edit("cartoon"))
    assert (
        len(np.unique(cartoon.reshape(-1, 3), axis=0)) < len(np.unique(np.asarray(photo()).reshape(-1, 3), axis=0)) / 3
    )


def test_geometry_is_exact_and_sets_the_size() -> None:
    src = np.asarray(photo("chelsea"))
    assert np.array_equal(np.asarray(edit("flip horizontally", photo("chelsea"))), src[:, ::-1])
    assert np.array_equal(np.asarray(edit("flip vertically", photo("chelsea"))), src[::-1])
    assert np.array_equal(np.asarray(edit("rotate 90 degrees clockwise", photo("chelsea"))), np.rot90(src, -1))
    assert np.array_equal(np.asarray(edit("turn it upside down", photo("chelsea"))), np.rot90(src, 2))
    wide = Image.fromarray(data.chelsea())
    assert (
        edit("crop to 16:9", wide).size == (451, 254)
        or abs(edit("crop to 16:9", wide).size[0] / edit("crop to 16:9", wide).size[1] - 16 / 9) < 0.01
    )
    assert edit("make it square", wide).size == (300, 300)
    assert edit("resize to 100x50").size == (100, 50)
    assert edit("scale it to 50%").size == (128, 128)
    assert edit("resize to 100 pixels wide", wide).size == (100, 67)
    padded = edit("add a black border of 10px")
    assert padded.size == (276, 276) and np.asarray(padded)[:10].max() == 0
    rotated = edit("rotate 30 degrees")
    assert rotated.size[0] > 256


def test_text_lands_in_the_named_region_in_the_named_colour() -> None:
    grey = Image.new("RGB", (400, 300), (128, 128, 128))
    out = np.asarray(edit("add the text 'HELLO' in red at the top right, large", grey)).astype(int)
    red = (out[..., 0] > 180) & (out[..., 1] < 80) & (out[..., 2] < 80)
    ys, xs = np.nonzero(red)
    assert red.sum() > 200
    assert xs.min() > 200 and ys.max() < 150  # top right quadrant only
    out2 = np.asarray(edit("write 'Hi' at the bottom left in blue", grey)).astype(int)
    blue = (out2[..., 2] > 180) & (out2[..., 0] < 80)
    ys, xs = np.nonzero(blue)
    assert blue.sum() > 50 and xs.max() < 200 and ys.min() > 150


def test_alpha_is_kept_and_streams_show_progress() -> None:
    rgba = photo().convert("RGBA")
    rgba.putalpha(Image.new("L", rgba.size, 100))
    out = edit("make it warmer", rgba)
    assert out.mode == "RGBA" and np.asarray(out)[..., 3].max() == 100
    progress = NullProgress()
    ClassicEngine().run(EditTask(prompt="warmer, add a vignette and sharpen it", images=[photo()], seed=1), progress)
    assert len(progress.partials) >= 2
    messages = " ".join(m for _, m in progress.messages)
    assert "Plan:" in messages and "warmth" in messages and "Step 3/3" in messages


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    prompt=st.sampled_from(
        ["warmer", "blur it", "B&W", "add film grain", "cartoon", "make the reds more vibrant", "oil painting",
         "desaturate everything except the red", "it looks too blue", "watercolour", "70s look", "make it greener"]
    ),
)  # fmt: skip
def test_outside_the_mask_is_byte_identical(seed: int, prompt: str) -> None:
    from retouch.worker.finish import finish_output

    rng = np.random.default_rng(seed)
    image = photo(size=96)
    mask_arr = np.zeros((96, 96), np.uint8)
    x, y = rng.integers(0, 60, 2)
    mask_arr[y : y + rng.integers(10, 36), x : x + rng.integers(10, 36)] = 255
    mask = Image.fromarray(mask_arr)
    task = EditTask(prompt=prompt, images=[image], mask=mask, seed=seed)
    raw = ClassicEngine().run(task, NullProgress()).images[0]
    final = finish_output(raw, image, mask, None, explicit_size=False, geometric=False)
    decoded = np.asarray(Image.open(io.BytesIO(encode_image(final, "png"))))
    keep = mask_arr == 0
    assert np.array_equal(decoded[keep], np.asarray(image)[keep])
    if prompt != "make the reds more vibrant":  # a region with no red in it is rightly left as it was
        assert not np.array_equal(decoded[~keep], np.asarray(image)[~keep])


@pytest.mark.parametrize(
    ("prompt", "check"),
    [
        ("tint it blue", lambda before, after: after[..., 2].mean() < before[..., 2].mean() - 3),
        ("moody", lambda before, after: after[..., 0].mean() < before[..., 0].mean() - 2),
        ("vintage", lambda before, after: after[..., 2].mean() > before[..., 2].mean() + 1),
        ("faded film", lambda before, after: np.percentile(after[..., 0], 1) > np.percentile(before[..., 0], 1) + 2),
        ("cinematic", lambda before, after: after[..., 0].std() > before[..., 0].std()),
        ("dramatic", lambda before, after: after[64:192, 64:192, 0].std() > before[64:192, 64:192, 0].std() * 1.1),
        ("low key", lambda before, after: after[..., 0].mean() < before[..., 0].mean() - 5),
        (
            "brighten the shadows",
            lambda b, a: (
                np.percentile(a[..., 0], 10) > np.percentile(b[..., 0], 10) + 3
                and abs(np.percentile(a[..., 0], 95) - np.percentile(b[..., 0], 95)) < 1.5
            ),
        ),
        (
            "recover the highlights",
            lambda b, a: (
                np.percentile(a[..., 0], 95) < np.percentile(b[..., 0], 95) - 3
                and abs(np.percentile(a[..., 0], 5) - np.percentile(b[..., 0], 5)) < 1.5
            ),
        ),
    ],
)
def test_remaining_looks_and_colour_tint(prompt: str, check: object) -> None:
    assert check(lab(photo()), lab(edit(prompt)))  # type: ignore[operator]
