"""Region operations on real photographs: removal, background blur/replace/remove, colour transfer, pasting."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from retouch.engines.base import EditTask, NullProgress
from retouch.engines.classic import ClassicEngine
from retouch.errors import EngineRefusal


@lru_cache(maxsize=8)
def photo(name: str = "astronaut", size: int = 192) -> Image.Image:
    return Image.fromarray(getattr(data, name)()[..., :3]).resize((size, size), Image.Resampling.LANCZOS)


def run(prompt: str, images: list[Image.Image], mask: np.ndarray | None = None, seed: int = 5) -> Image.Image:
    m = Image.fromarray(mask.astype(np.uint8) * 255) if mask is not None else None
    task = EditTask(prompt=prompt, images=images, mask=m, seed=seed)
    return ClassicEngine().run(task, NullProgress()).images[0]


def lap_var(arr: np.ndarray, region: np.ndarray) -> float:
    grey = cv2.cvtColor(arr[..., :3].astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(grey, cv2.CV_32F)[region].var())


def test_removal_fills_from_the_surroundings_and_never_reads_the_hole() -> None:
    src = np.asarray(photo("chelsea"))
    hole = np.zeros(src.shape[:2], bool)
    hole[60:120, 70:130] = True
    a = src.copy()
    a[hole] = 0
    b = src.copy()
    b[hole] = 255
    out_a = np.asarray(run("remove the object", [Image.fromarray(a)], hole))
    out_b = np.asarray(run("remove the object", [Image.fromarray(b)], hole))
    assert np.array_equal(out_a, out_b)  # what was under the mask made no difference
    assert np.array_equal(out_a[~hole], a[~hole])
    fill = out_a[hole].astype(float)
    assert 30 < fill.mean() < 220 and fill.std() > 10  # neither black, nor white, nor flat
    assert np.array_equal(out_a, np.asarray(run("remove the object", [Image.fromarray(a)], hole)))  # seeded


def test_removal_without_a_mask_is_refused() -> None:
    with pytest.raises(EngineRefusal, match="mask"):
        run("remove the cat", [photo("chelsea")])


def test_background_blur_with_a_mask_keeps_the_subject() -> None:
    src = np.asarray(photo("astronaut"))
    background = np.ones(src.shape[:2], bool)
    background[40:192, 40:150] = False
    out = np.asarray(run("blur the background", [photo("astronaut")], background))
    assert np.array_equal(out[~background], src[~background])
    inner = cv2.erode(background.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert lap_var(out, inner) < lap_var(src, inner) / 2


def test_background_remove_and_replace_with_a_mask() -> None:
    src = np.asarray(photo("coffee"))
    background = np.zeros(src.shape[:2], bool)
    background[:, :64] = True
    cut = np.asarray(run("remove the background", [photo("coffee")], background))
    assert cut.shape[2] == 4
    assert abs((cut[..., 3] < 128).mean() - background.mean()) < 0.02
    assert np.array_equal(cut[~background][:, :3], src[~background])
    white = np.asarray(run("replace the background with white", [photo("coffee")], background))
    inner = cv2.erode(background.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert (white[inner] >= 250).all()


def test_automatic_foreground_on_a_subject_against_a_plain_backdrop() -> None:
    canvas = np.full((200, 200, 3), (70, 140, 220), np.uint8)
    subject = np.asarray(photo("coffee", 100))
    canvas[60:160, 50:150] = subject
    out = np.asarray(run("blur the background", [Image.fromarray(canvas)])).astype(int)
    assert np.abs(out[90:130, 80:120] - canvas[90:130, 80:120]).mean() < 3  # the subject stays sharp
    cut = np.asarray(run("remove the background", [Image.fromarray(canvas)]))
    assert cut[5, 5, 3] < 30 and cut[110, 100, 3] > 220


def test_a_doubtful_foreground_is_refused_asking_for_a_mask() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (160, 160, 3), dtype=np.uint8)
    with pytest.raises(EngineRefusal, match="mask"):
        run("remove the background", [Image.fromarray(noise)])


def test_colour_transfer_paste_and_side_by_side() -> None:
    base, ref = photo("astronaut"), photo("coffee")
    lab = lambda im: cv2.cvtColor(np.asarray(im)[..., :3].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)  # noqa: E731
    moved = lab(run("use the colours of the second image", [base, ref]))
    target = lab(ref).reshape(-1, 3).mean(0)
    before = np.abs(lab(base).reshape(-1, 3).mean(0) - target).max()
    after = np.abs(moved.reshape(-1, 3).mean(0) - target).max()
    assert after < 4.0 and after < before / 3  # within gamut clipping of the reference's mean colour
    logo = Image.new("RGB", (40, 40), (255, 0, 0))
    marked = np.asarray(run("add the second image as a watermark", [base, logo])).astype(int)
    src = np.asarray(base).astype(int)
    changed = np.abs(marked - src).sum(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert ys.min() > 96 and xs.min() > 96  # bottom right only
    assert 0 < (marked[changed][:, 0] - src[changed][:, 0]).mean()  # redder, but see-through
    both = run("put them side by side", [base, ref])
    assert both.size == (384, 192)


def test_canvas_extension_keeps_the_picture_and_fills_the_border_from_it() -> None:
    src = np.asarray(photo("chelsea", 160))
    out = np.asarray(run("extend to 16:9", [Image.fromarray(src)]))
    assert out.shape[0] == 160 and abs(out.shape[1] / out.shape[0] - 16 / 9) < 0.01
    left = (out.shape[1] - 160) // 2
    assert np.array_equal(out[:, left : left + 160], src)
    border = out[:, : left - 2].astype(float)
    assert border.mean() > 40 and border.std() > 8  # filled with picture-like content, not black or flat
    wider = run("make it wider", [Image.fromarray(src)])
    assert wider.size == (200, 160)


def _landscape() -> np.ndarray:
    yy = np.linspace(0, 1, 60)[:, None, None]
    sky = (np.array([120, 170, 235]) * (1 - yy * 0.3)).astype(np.uint8).repeat(160, axis=1)
    ground = np.random.default_rng(0).integers(40, 120, (60, 160, 3)).astype(np.uint8)
    return np.concatenate([sky, ground], axis=0)


@pytest.mark.parametrize(("style", "check"), [("a sunset", "warmer"), ("a night sky", "darker")])
def test_sky_replacement_repaints_the_sky_and_keeps_the_ground(style: str, check: str) -> None:
    src = _landscape()
    out = np.asarray(run(f"replace the sky with {style}", [Image.fromarray(src)]))
    assert np.array_equal(out[70:], src[70:])  # the ground is untouched
    lab_src = cv2.cvtColor(src[:50].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    lab_out = cv2.cvtColor(out[:50].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    if check == "warmer":
        assert lab_out[..., 2].mean() > lab_src[..., 2].mean() + 20
    else:
        assert lab_out[..., 0].mean() < lab_src[..., 0].mean() - 30


def test_no_clear_sky_is_refused_asking_for_a_mask() -> None:
    with pytest.raises(EngineRefusal, match="mask"):
        run("replace the sky with a sunset", [photo("chelsea")])


def test_a_person_is_segmented_by_the_network_and_other_subjects_are_not() -> None:
    from retouch.engines.classic.person import person_alpha

    astronaut = np.asarray(photo("astronaut", 256)).astype(np.float32) / 255
    alpha = person_alpha(astronaut)
    assert alpha is not None
    assert alpha[30:55, 80:105].mean() > 0.9  # her face
    assert alpha[5:40, 200:250].mean() < 0.1  # the backdrop above her shoulder
    assert person_alpha(np.asarray(photo("coffee", 256)).astype(np.float32) / 255) is None
    out = np.asarray(run("blur the background", [photo("astronaut", 256)])).astype(int)
    src = np.asarray(photo("astronaut", 256)).astype(int)
    assert np.abs(out[30:55, 80:105] - src[30:55, 80:105]).mean() < 2
    assert lap_var(out.astype(np.uint8), np.s_[5:40, 200:250]) < lap_var(src.astype(np.uint8), np.s_[5:40, 200:250]) / 2


def test_sky_replacement_on_a_real_photograph() -> None:
    grey = np.asarray(Image.fromarray(data.camera()).resize((256, 256), Image.Resampling.LANCZOS))
    src = np.stack([grey] * 3, axis=-1)
    out = np.asarray(run("replace the sky with a sunset", [Image.fromarray(src)]))
    assert np.array_equal(out[150:], src[150:])  # the man, the tripod and the grass are untouched
    lab_src = cv2.cvtColor(src[5:30, 5:60].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    lab_out = cv2.cvtColor(out[5:30, 5:60].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
    assert np.hypot(lab_src[..., 1], lab_src[..., 2]).mean() < 1  # a grey photograph…
    assert np.hypot(lab_out[..., 1], lab_out[..., 2]).mean() > 15  # …whose sky is now a coloured sunset
