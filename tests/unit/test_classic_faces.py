"""Faces on the CPU: detection and landmarks (confirmed or refused), anonymising, portrait retouching and
face-framed crops, measured on scikit-image's photographs of people and on group photos built from them."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from retouch.engines.base import EditTask, NullProgress
from retouch.engines.classic import ClassicEngine, parse
from retouch.engines.classic import face_regions as regions
from retouch.engines.classic.colour import to_lab
from retouch.engines.classic.face_detect import detect
from retouch.engines.classic.face_landmarks import irises
from retouch.engines.classic.face_models import _load
from retouch.engines.classic.faces import Face, Search, find_faces
from retouch.engines.classic.ops_faces import _strict_check
from retouch.errors import EngineRefusal
from tests.support import face_photos as fp


def u8(img: np.ndarray) -> np.ndarray:
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


@lru_cache(maxsize=4)
def astronaut(size: int = 512) -> np.ndarray:
    img = fp.rgb("astronaut")
    return u8(cv2.resize(img, (size, size), interpolation=cv2.INTER_CUBIC) if size != 512 else img)


def run(prompt: str, img: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    m = Image.fromarray(mask.astype(np.uint8) * 255) if mask is not None else None
    task = EditTask(prompt=prompt, images=[Image.fromarray(img)], mask=m, seed=3)
    return np.asarray(ClassicEngine().run(task, NullProgress()).images[0])


def faces_in(img: np.ndarray, purpose: str = "retouch") -> list[Face]:
    return find_faces(img.astype(np.float32) / 255, purpose).faces


def the_face(img: np.ndarray) -> Face:
    faces = faces_in(img)
    assert len(faces) == 1, [f.summary() for f in faces]
    return faces[0]


def box_slices(box: tuple[float, ...], shrink: float = 0.0) -> tuple[slice, slice]:
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * shrink, (y1 - y0) * shrink
    return slice(max(0, int(y0 + dy)), int(y1 - dy)), slice(max(0, int(x0 + dx)), int(x1 - dx))


def lap_var(img: np.ndarray) -> float:
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a[..., :3] != b[..., :3], axis=2)


def three_faces() -> tuple[np.ndarray, Any]:
    """A group photo of three heads side by side, and their boxes."""
    img, boxes = fp.group((250, 260, 270), size=(900, 600))
    return u8(img), boxes


def far_from(face: Face, shape: tuple[int, ...]) -> np.ndarray:
    """Pixels outside the face's box grown by three quarters of its width: an edit of the face leaves them."""
    x0, y0, x1, y1 = face.box
    grow = 0.75 * (x1 - x0)
    far = np.ones(shape[:2], bool)
    far[int(max(0, y0 - grow)) : int(y1 + grow), int(max(0, x0 - grow)) : int(x1 + grow)] = False
    return far


# -- detection, landmarks, confidence ---------------------------------------------------------------------------
def test_the_networks_load_once_and_find_the_astronaut_with_her_features() -> None:
    img = astronaut()
    face = the_face(img)
    before = _load.cache_info()
    the_face(img)
    after = _load.cache_info()
    assert after.misses == before.misses and after.currsize <= 4  # loaded once per process, then reused
    x0, y0, x1, y1 = face.box
    assert 160 < x0 < 200 and 50 < y0 < 90 and 250 < x1 < 295 and 160 < y1 < 200
    assert face.landmarks.presence > 0.9 and face.detection.score > 0.8
    points = face.landmarks.points
    eyes_y, mouth_y, chin_y = points[[33, 263], 1].mean(), points[[61, 291], 1].mean(), points[152, 1]
    assert y0 < eyes_y < mouth_y < chin_y <= y1 + 1
    win = regions.window(points, img.shape)
    for opening, iris in zip(regions.eye_openings(points, win), irises(img / 255.0, points), strict=True):
        x, y = (iris[0] - (win.x0, win.y0)).astype(int)
        assert opening[y, x] > 0  # the iris centre lies inside the eye opening the mesh draws


def test_textures_that_fool_the_detector_are_turned_away_by_the_mesh_network() -> None:
    img = astronaut(1024).astype(np.float32) / 255
    candidates = detect(img, smallest_face=40)
    search = find_faces(img, "anonymise")
    assert len(candidates) > 1  # the suit and the flag look like small faces to the detector alone
    assert len(search.faces) == 1


def test_every_search_is_logged_with_boxes_and_confidences(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="retouch.engines.classic.faces"):
        find_faces(astronaut().astype(np.float32) / 255)
    record = next(r for r in caplog.records if hasattr(r, "faces"))
    (entry,) = record.faces  # type: ignore[attr-defined]
    assert len(entry["box"]) == 4 and entry["detector"] > 0.8 and entry["mesh"] > 0.9


@pytest.mark.parametrize("prompt", ["blur the faces", "smooth the skin", "crop to a headshot", "passport photo"])
def test_a_photo_without_a_face_is_refused(prompt: str) -> None:
    with pytest.raises(EngineRefusal, match="found no face"):
        run(prompt, u8(fp.rgb("chelsea")))  # a cat: no human face


def test_several_faces_are_refused_for_a_headshot_until_one_is_named() -> None:
    img8, boxes = three_faces()
    with pytest.raises(EngineRefusal, match="found 3 faces.*say which"):
        run("crop to a headshot", img8)
    out = run("crop to a headshot of the face on the left", img8)
    found = cv2.minMaxLoc(cv2.matchTemplate(img8, out[:40, :40].copy(), cv2.TM_SQDIFF))[2]  # where the crop came from
    left = boxes[0]
    assert found[0] <= left[0] and found[0] + out.shape[1] >= left[2] and found[0] + out.shape[1] < boxes[1][2]


def test_a_three_quarter_view_is_found() -> None:
    face = the_face(u8(fp.rgb("camera")))
    assert 180 < face.centre[0] < 260 and 120 < face.centre[1] < 200


# -- anonymising -------------------------------------------------------------------------------------------------
def test_blurring_the_face_hides_it_and_leaves_the_rest_exact() -> None:
    img = astronaut()
    face = the_face(img)
    out = run("blur the faces", img)
    inner = box_slices(face.box)
    assert lap_var(out[inner]) < 0.03 * lap_var(img[inner])
    assert changed(out[inner], img[inner]).mean() > 0.95
    assert not changed(out, img)[far_from(face, img.shape)].any()


def test_pixelating_makes_blocks_and_a_black_box_covers_the_face() -> None:
    img = astronaut()
    face = the_face(img)
    inner = box_slices(face.box, 0.1)
    pixels = run("pixelate the faces", img)[inner].astype(int)
    same_as_right = (np.abs(np.diff(pixels, axis=1)).sum(axis=2) == 0).mean()
    assert same_as_right > 0.8  # flat blocks of about an eighth of the face
    boxed = run("hide the faces with a black box", img)
    assert (boxed[box_slices(face.box)] <= 2).all()


def test_faces_at_several_scales_are_all_hidden() -> None:
    img, boxes = fp.group((80, 140, 240, 400))
    img8 = u8(img)
    out = run("blur all faces", img8)
    for box in boxes:
        inner = box_slices(box, 0.1)
        assert lap_var(out[inner]) < 0.1 * lap_var(img8[inner]), box
    assert not changed(out[650:], img8[650:]).any()  # below every head: untouched


def test_only_the_faces_inside_the_mask_are_hidden() -> None:
    img, boxes = fp.group((250, 260, 270), size=(900, 600))
    img8 = u8(img)
    mask = np.zeros(img8.shape[:2], bool)
    x0, y0, x1, y1 = boxes[0]
    mask[int(y0) - 40 : int(y1) + 40, int(x0) - 40 : int(x1) + 40] = True
    out = run("pixelate the faces", img8, mask)
    assert changed(out[box_slices(boxes[0])], img8[box_slices(boxes[0])]).mean() > 0.9
    assert not changed(out, img8)[~mask].any()
    for box in boxes[1:]:
        assert not changed(out[box_slices(box)], img8[box_slices(box)]).any()


def test_a_masked_area_without_a_found_face_is_hidden_as_a_whole() -> None:
    img = u8(fp.rgb("coffee"))
    mask = np.zeros(img.shape[:2], bool)
    mask[100:220, 200:330] = True  # the mask says "a face is here" where the detector sees none
    out = run("blur the faces", img, mask)
    inner = (slice(110, 210), slice(210, 320))
    assert lap_var(out[inner]) < 0.2 * lap_var(img[inner])
    assert not changed(out, img)[~mask].any()


def test_strict_anonymisation_refuses_a_doubtful_candidate() -> None:
    img = astronaut()
    out = run("blur the faces strictly", img)  # a clear face: strict mode has nothing to object to
    assert changed(out, img).any()
    search = find_faces(img.astype(np.float32) / 255)
    doubtful = Search(search.faces, [(search.faces[0].detection, 0.3)], search.smallest)
    with pytest.raises(EngineRefusal, match="strict anonymisation.*confidence 0.30"):
        _strict_check(doubtful)


def test_the_three_quarter_face_is_blurred() -> None:
    img = u8(fp.rgb("camera"))
    face = the_face(img)
    out = run("anonymise", img)
    assert lap_var(out[box_slices(face.box)]) < 0.05 * lap_var(img[box_slices(face.box)])


# -- portrait retouching -----------------------------------------------------------------------------------------
def band_var(img: np.ndarray, low: float, high: float, where: np.ndarray) -> float:
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    band = cv2.GaussianBlur(grey, (0, 0), low) - (cv2.GaussianBlur(grey, (0, 0), high) if high else 0)
    if not high:
        band = grey - cv2.GaussianBlur(grey, (0, 0), low)
    return float(band[where].var())


def skin_area(img: np.ndarray, face: Face) -> np.ndarray:
    points = face.landmarks.points
    win = regions.window(points, img.shape)
    area = np.zeros(img.shape[:2], bool)
    area[win.slices] = cv2.erode(regions.skin(points, win), np.ones((5, 5), np.uint8)) > 0.95
    return area


def near_features(img: np.ndarray, face: Face, grow: int) -> np.ndarray:
    """Eyes, brows and lips (grown by ``grow`` px)."""
    points = face.landmarks.points
    win = regions.window(points, img.shape)
    feats = np.zeros(win.shape, np.float32)
    for idx in (regions.EYE_A, regions.EYE_B, regions.LIPS_OUTER):
        feats = np.maximum(feats, regions.polygon(points, idx, win))
    full = np.zeros(img.shape[:2], bool)
    full[win.slices] = regions.grow(feats, grow) > 0
    return full


def test_skin_smoothing_takes_out_blotches_keeps_pores_and_features() -> None:
    img = astronaut()
    face = the_face(img)
    out = run("smooth her skin", img)
    skin = skin_area(img, face)
    assert band_var(out, 1.5, 5.0, skin) < 0.6 * band_var(img, 1.5, 5.0, skin)  # blotches and bumps
    assert band_var(out, 0.7, 0, skin) > 0.6 * band_var(img, 0.7, 0, skin)  # pores: not plastic
    eyes_lips = near_features(img, face, 0) & ~skin
    assert np.abs(out[eyes_lips].astype(int) - img[eyes_lips]).mean() < 1.5
    win = regions.window(face.landmarks.points, img.shape)
    outside = np.ones(img.shape[:2], bool)
    outside[win.slices] = False
    assert not changed(out, img)[outside].any()


def test_even_skin_tone_calms_a_red_blotch() -> None:
    img = astronaut().astype(np.float32) / 255
    face = the_face(astronaut())
    x, y = face.landmarks.points[50]  # a cheek
    spot = np.zeros(img.shape[:2], np.float32)
    cv2.circle(spot, (int(x), int(y)), 6, 1.0, -1)
    spot = cv2.GaussianBlur(spot, (0, 0), 3)[..., None]
    blotched = u8(img + spot * np.array([0.10, -0.04, -0.03], np.float32))
    out = run("even out her skin tone", blotched)
    ring = (cv2.GaussianBlur(spot[..., 0], (0, 0), 8) > 0.05) & (spot[..., 0] < 0.01)
    centre = spot[..., 0] > 0.7

    def contrast(arr: np.ndarray) -> float:
        a = to_lab(arr.astype(np.float32) / 255)[..., 1]
        return float(a[centre].mean() - a[ring].mean())

    assert contrast(out) < 0.6 * contrast(blotched)


def test_teeth_whitening_makes_the_teeth_less_yellow_and_lighter_only() -> None:
    img = astronaut()
    face = the_face(img)
    out = run("whiten her teeth", img)
    points = face.landmarks.points
    win = regions.window(points, img.shape)
    opening = np.zeros(img.shape[:2], bool)
    opening[win.slices] = regions.mouth_opening(points, win) > 0
    lab_in, lab_out = to_lab(img / 255.0), to_lab(out / 255.0)
    teeth = opening & (lab_in[..., 0] > 60)
    assert teeth.sum() > 50
    assert lab_out[..., 2][teeth].mean() < lab_in[..., 2][teeth].mean() - 3
    assert lab_out[..., 0][teeth].mean() > lab_in[..., 0][teeth].mean() + 2
    away = ~(cv2.dilate(opening.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0)
    assert not changed(out, img)[away].any()


def test_a_closed_mouth_has_no_teeth_to_whiten_and_a_three_quarter_face_is_still_retouched() -> None:
    img = u8(fp.rgb("camera"))
    with pytest.raises(EngineRefusal, match="no teeth show"):
        run("whiten his teeth", img)
    face = the_face(img)
    diff = changed(run("make his lips red", img), img)
    x0, y0, x1, y1 = face.box
    ys, xs = np.nonzero(diff)
    assert len(ys) > 50 and x0 <= xs.min() and xs.max() <= x1 and y0 <= ys.min() and ys.max() <= y1


def test_brightening_the_eyes_lifts_the_eye_openings_only() -> None:
    img = astronaut()
    face = the_face(img)
    out = run("brighten her eyes", img)
    points = face.landmarks.points
    win = regions.window(points, img.shape)
    eyes = np.zeros(img.shape[:2], bool)
    eyes[win.slices] = np.maximum(*regions.eye_openings(points, win)) > 0.5
    l_in, l_out = to_lab(img / 255.0)[..., 0], to_lab(out / 255.0)[..., 0]
    assert l_out[eyes].mean() > l_in[eyes].mean() + 2
    away = ~(cv2.dilate(eyes.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0)
    assert not changed(out, img)[away].any()


def test_red_eye_is_removed_and_a_normal_eye_is_not_touched() -> None:
    img = astronaut()
    face = the_face(img)
    with pytest.raises(EngineRefusal, match="no eye is red"):
        run("remove the red eye", img)
    pupils = np.zeros(img.shape[:2], np.uint8)
    for iris in irises(img / 255.0, face.landmarks.points):
        radius = float(np.mean(np.hypot(*(iris[1:] - iris[0]).T)))
        cv2.circle(pupils, tuple(int(v) for v in iris[0]), max(2, int(radius * 0.6)), 1, -1)
    red = img.copy()
    red[pupils > 0] = (200, 25, 30)
    out = run("fix the red eye", red)
    redness = out[..., 0].astype(int) - out[..., 1:].astype(int).mean(axis=2)
    assert redness[pupils > 0].mean() < 25  # was 172
    away = ~(cv2.dilate(pupils, np.ones((9, 9), np.uint8)) > 0)
    assert not changed(out, red)[away].any()


def test_lip_colour_moves_the_lips_toward_the_colour_and_nothing_else() -> None:
    img = astronaut()
    face = the_face(img)
    out = run("make her lips pink", img)
    points = face.landmarks.points
    win = regions.window(points, img.shape)
    lips = np.zeros(img.shape[:2], bool)
    lips[win.slices] = regions.lips(points, win) > 0.8
    target = to_lab(np.array([[[245, 120, 180]]], np.float32) / 255)[0, 0]

    def distance(arr: np.ndarray) -> float:
        ab = to_lab(arr / 255.0)[..., 1:][lips]
        return float(np.linalg.norm(ab.mean(axis=0) - target[1:]))

    assert distance(out) < 0.5 * distance(img)
    away = ~(cv2.dilate(lips.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0)
    assert not changed(out, img)[away].any()


def test_in_a_group_the_skin_of_all_or_of_the_named_face_is_smoothed_and_her_is_asked_about() -> None:
    img, boxes = fp.group((250, 260, 270), size=(900, 600))
    img8 = u8(img)
    everyone = changed(run("smooth the skin", img8), img8)
    assert all(everyone[box_slices(box, 0.2)].mean() > 0.3 for box in boxes)
    right = changed(run("smooth the skin of the face on the right", img8), img8)
    assert right[box_slices(boxes[2], 0.2)].mean() > 0.3
    assert not right[box_slices(boxes[0])].any() and not right[box_slices(boxes[1])].any()
    with pytest.raises(EngineRefusal, match="found 3 faces.*say which.*or send a mask"):
        run("smooth her skin", img8)
    mask = np.zeros(img8.shape[:2], bool)
    mask[box_slices(boxes[1], -0.3)] = True
    hers = changed(run("smooth her skin", img8, mask), img8)
    assert hers[box_slices(boxes[1], 0.2)].mean() > 0.3 and not hers[~mask].any()


def test_retouching_respects_the_mask() -> None:
    img = astronaut()
    face = the_face(img)
    mask = np.zeros(img.shape[:2], bool)
    mask[:, : int(face.centre[0])] = True
    out = run("smooth the skin", img, mask)
    diff = changed(out, img)
    assert not diff[~mask].any()
    assert diff[skin_area(img, face) & mask].mean() > 0.5


# -- crops -------------------------------------------------------------------------------------------------------
def test_headshot_frames_the_head_at_about_half_the_height() -> None:
    img = astronaut()
    out = run("crop to a headshot", img)
    h, w = out.shape[:2]
    assert abs(w / h - 0.8) < 0.01
    face = the_face(out)
    points = face.landmarks.points
    assert abs(face.centre[0] / w - 0.5) < 0.1
    assert 0.3 < (points[152, 1] - points[10, 1]) / h < 0.5


def test_centre_on_the_face_puts_it_in_the_middle() -> None:
    img = u8(fp.rgb("camera"))
    out = run("centre on the face", img)
    face = the_face(out)
    h, w = out.shape[:2]
    assert abs(w / h - 1.0) < 0.01
    assert abs(face.centre[0] / w - 0.5) < 0.03 and abs(face.centre[1] / h - 0.5) < 0.03


def test_an_aspect_crop_keeping_the_face_keeps_it_where_a_centred_one_loses_it() -> None:
    below = u8(fp.background("coffee", 512, 512))
    tall = np.concatenate([astronaut(), below], axis=0)  # the face is near the top of a 512 x 1024 picture
    plain = run("crop to 16:9", tall)
    assert not faces_in(plain)
    out = run("crop to 16:9 keeping the face", tall)
    assert abs(out.shape[1] / out.shape[0] - 16 / 9) < 0.01
    face = the_face(out)
    eyes = face.landmarks.points[[33, 263], 1].mean()
    assert abs(eyes / out.shape[0] - 1 / 3) < 0.08


def crown_and_chin(out: np.ndarray, face: Face) -> tuple[float, float]:
    """The crown: the first row, above the face, where the centre column leaves the plain background."""
    x0, _, x1, _ = face.box
    band = out[:, int(x0 + (x1 - x0) * 0.3) : int(x1 - (x1 - x0) * 0.3)].astype(int)
    plain = (np.abs(band - 240) <= 6).all(axis=2).mean(axis=1) > 0.9
    crown = int(np.argmin(plain))
    return float(crown), float(face.landmarks.points[152, 1])


def test_passport_photo_follows_the_35x45_rules() -> None:
    out = run("make a passport photo", astronaut(1024))
    h, w = out.shape[:2]
    assert (w, h) in ((413, 531), (827, 1063))
    face = the_face(out)
    crown, chin = crown_and_chin(out, face)
    share = (chin - crown) / h
    assert 32 / 45 <= share <= 34 / 45 + 0.01  # ICAO/Schengen 32-36 mm and UK 29-34 mm of 45 mm
    assert abs(crown / h - 4.5 / 45) < 0.03
    assert abs(face.centre[0] / w - 0.5) < 0.04
    corners = np.concatenate([out[:40, :40].reshape(-1, 3), out[:40, -40:].reshape(-1, 3)])
    assert (np.abs(corners.astype(int) - 240) <= 2).all()  # plain light grey


def test_us_passport_photo_is_square_with_the_head_share_it_asks() -> None:
    out = run("us passport photo", astronaut(1024))
    h, w = out.shape[:2]
    assert w == h
    crown, chin = crown_and_chin(out, the_face(out))
    assert 0.5 <= (chin - crown) / h <= 0.69  # 1 to 1 3/8 inch of 2 inches


def test_passport_photo_is_refused_for_a_turned_or_cut_off_face() -> None:
    with pytest.raises(EngineRefusal, match="turned"):
        run("passport photo", u8(fp.rgb("camera")))
    with pytest.raises(EngineRefusal, match="cut off"):
        run("passport photo", astronaut()[45:])  # the top of the hair is outside the picture


# -- phrases -----------------------------------------------------------------------------------------------------
PHRASES: list[tuple[str, str, dict[str, Any]]] = [
    ("blur the faces", "anonymise", {"style": "blur"}),
    ("pixelate everyone's faces", "anonymise", {"style": "pixelate"}),
    ("cover the faces with black boxes", "anonymise", {"style": "box"}),
    ("anonymize the photo", "anonymise", {"style": "blur"}),
    ("blur the face on the left", "anonymise", {"which": "left"}),
    ("blur all faces strictly", "anonymise", {"strict": True}),
    ("smooth her skin a bit", "skin_smooth", {"amount": 0.5}),
    ("even out his skin tone", "skin_even", {}),
    ("whiten his teeth", "teeth_whiten", {}),
    ("make her eyes brighter", "eyes_brighten", {}),
    ("remove the red eye", "red_eye", {}),
    ("add red lipstick", "lip_colour", {"colour": (220, 30, 30)}),
    ("crop to a headshot", "headshot", {}),
    ("square headshot", "headshot", {"aspect": (1.0, 1.0)}),
    ("center the photo on her face", "centre_face", {}),
    ("crop to 4:5 keeping the faces", "face_crop", {"aspect": (4.0, 5.0)}),
    ("make a passport photo", "passport", {"format": "35x45"}),
    ("2x2 passport photo", "passport", {"format": "us"}),
]


@pytest.mark.parametrize(("prompt", "op", "params"), PHRASES, ids=[p for p, _, _ in PHRASES])
def test_face_phrases(prompt: str, op: str, params: dict[str, Any]) -> None:
    (step,) = parse(prompt).steps
    assert step.op == op and all(step.params.get(k) == v for k, v in params.items()), step.describe()


@pytest.mark.parametrize(
    "prompt",
    ["make her smile", "make him look younger", "change her hairstyle", "give him a beard", "swap the faces",
     "make her eyes blue", "make his nose smaller", "replace her face"],
)  # fmt: skip
def test_what_needs_generation_stays_refused(prompt: str) -> None:
    with pytest.raises(EngineRefusal) as exc:
        parse(prompt)
    assert exc.value.capable_engines == ["diffusers", "openai"]


# -- adjusting a face --------------------------------------------------------------------------------------------
def test_brightening_her_face_lifts_the_face_and_leaves_the_rest_exact() -> None:
    img = astronaut()
    face = the_face(img)
    assert parse("brighten her face").steps[0].params["region"] == "one face"
    out = run("brighten her face", img)
    inner = box_slices(face.box, shrink=0.25)  # cheeks, nose, eyes: inside the face's outline
    lift = (
        to_lab(out[inner].astype(np.float32) / 255)[..., 0].mean()
        - to_lab(img[inner].astype(np.float32) / 255)[..., 0].mean()
    )
    assert lift > 4.0, lift
    assert not changed(out, img)[far_from(face, img.shape)].any()


def test_her_face_in_a_group_is_refused_and_every_face_is_taken_when_the_words_say_so() -> None:
    img8, boxes = three_faces()
    with pytest.raises(EngineRefusal, match="found 3 faces.*say which"):
        run("brighten her face", img8)
    out = run("brighten the faces", img8)
    for box in boxes:
        inner = box_slices(box, shrink=0.3)
        assert out[inner].astype(float).mean() > img8[inner].astype(float).mean() + 5


def test_a_face_region_without_a_face_is_refused() -> None:
    with pytest.raises(EngineRefusal, match="found no face"):
        run("make the face brighter", u8(fp.rgb("chelsea")))
