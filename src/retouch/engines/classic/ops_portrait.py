"""Portrait retouching on the regions the face mesh draws: skin, teeth, eyes, red eye, lips.

Every edit works in a window around each face and is blended through its region's soft mask (and the request's
mask when there is one), so nothing outside the face's feature changes. Skin is further limited to pixels whose
colour is like the face's own cheeks and forehead, which keeps fringes, beards and glasses out of the smoothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from ...errors import EngineRefusal
from . import face_regions as regions
from .colour import Array, from_lab, rgb_to_lab_colour, to_lab
from .face_landmarks import irises
from .faces import Face, faces_for
from .ops import OpContext, register

log = logging.getLogger(__name__)

SKIN_SAMPLES = (50, 280, 101, 330, 151, 108, 337, 6, 197, 199, 205, 425)  # cheeks, forehead, nose bridge, chin
MIN_FACE_PX = 40  # narrower faces have too few pixels per feature to retouch

Retouch = Callable[[Array, Face, regions.Window], tuple[Array, Array] | None]


def _amount(p: dict[str, Any]) -> float:
    return float(np.clip(p.get("amount", 1.0), 0.0, 2.5))


def _each_face(
    img: Array, p: dict[str, Any], ctx: OpContext, action: str, edit: Retouch, *, why_not: str = ""
) -> Array:
    """Runs ``edit`` on a window around each chosen face; it returns the edited window and its weight, or None
    when the face has nothing to edit (``why_not``: closed mouth, no red eye). Refused when no face had anything."""
    faces = faces_for(img, action, which=p.get("which"), hole=ctx.hole, single=bool(p.get("single")))
    out = img.copy()
    done = []
    for face in faces:
        points = face.landmarks.points
        if regions.face_width(points) < MIN_FACE_PX:
            log.info("face too small to %s", action, extra={"face": face.summary()})
            continue
        win = regions.window(points, img.shape)
        crop = img[win.slices]
        result = edit(crop, face, win)
        if result is None:
            continue
        edited, weight = result
        if ctx.mask is not None:
            weight = weight * ctx.mask[win.slices]
        out[win.slices] = crop + (edited - crop) * weight[..., None]
        done.append(face.summary())
    log.info("%s: %d of %d face(s)", action, len(done), len(faces), extra={"faces": done})
    if not done:
        raise EngineRefusal(
            f"the classic engine found {len(faces)} face(s) but nothing it could {action} on them "
            f"({why_not or f'faces narrower than {MIN_FACE_PX} px are left alone'})",
            capable_engines=["diffusers", "openai"],
        )
    return out


def skin_likeness(lab: Array, points: np.ndarray, win: regions.Window) -> Array:
    """How much each pixel's colour is like the face's own skin (0..1): a Gaussian model in CIELAB fitted to
    small patches on the cheeks, forehead, nose bridge and chin, loosened so shading and pores still count."""
    fw = regions.face_width(points)
    r = max(1, int(fw * 0.03))
    h, w = lab.shape[:2]
    samples = []
    for index in SKIN_SAMPLES:
        x, y = (int(v) for v in points[index] - (win.x0, win.y0))
        patch = lab[max(0, y - r) : min(h, y + r + 1), max(0, x - r) : min(w, x + r + 1)]
        samples.append(patch.reshape(-1, 3))
    data = np.concatenate(samples)
    if len(data) < 10:  # the sample points fall outside the picture: colour cannot narrow the skin down
        return np.ones((h, w), np.float32)
    mean = np.median(data, axis=0)
    cov = np.cov(data.T) + np.diag([30.0, 25.0, 25.0])  # blotches and spots are skin too
    diff = lab.reshape(-1, 3) - mean
    d2 = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(cov), diff).reshape(h, w)
    return np.clip((16.0 - d2) / 10.0, 0.0, 1.0).astype(np.float32)


def _skin_weight(crop: Array, face: Face, win: regions.Window) -> tuple[Array, Array]:
    points = face.landmarks.points
    lab = to_lab(crop)
    weight = regions.skin(points, win) * skin_likeness(lab, points, win)
    return lab, regions.soften(weight, regions.face_width(points) * 0.01)


@register("skin_smooth", "smooth the skin of each face (edge-preserving; pores and features kept)")
def skin_smooth(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    """Frequency separation: a guided filter gives the skin's smooth base (it keeps real edges — nostrils,
    jaw, smile lines); the blotches and bumps between that base and the finest texture are taken out, and the
    finest texture (pores, fine hair) is put back, so the skin stays skin."""
    strength = min(1.0, 0.75 * _amount(p))

    def edit(crop: Array, face: Face, win: regions.Window) -> tuple[Array, Array]:
        fw = regions.face_width(face.landmarks.points)
        _, weight = _skin_weight(crop, face, win)
        radius = max(2, round(fw / 20))
        base = cv2.ximgproc.guidedFilter(crop, crop, radius, 0.04**2)
        fine = cv2.GaussianBlur(crop, (0, 0), max(1.0, fw / 200))
        smoothed = crop - np.float32(strength) * (fine - base)
        return np.clip(smoothed, 0, 1), weight

    return _each_face(img, p, ctx, "smooth the skin", edit)


@register("skin_even", "even out the skin tone of each face (blotches and redness, not the shading)")
def skin_even(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    """Pulls the skin's colour (a*, b*, seen at a fortieth of the face, so blotches count and fine colour
    texture does not) toward the face's mean skin colour. Lightness is evened only a quarter, and only between
    that scale and an eighth of the face: its slower changes are the face's shape in the light."""
    strength = min(1.0, 0.8 * _amount(p))

    def edit(crop: Array, face: Face, win: regions.Window) -> tuple[Array, Array]:
        fw = regions.face_width(face.landmarks.points)
        lab, weight = _skin_weight(crop, face, win)
        local = cv2.GaussianBlur(lab, (0, 0), max(1.0, fw / 40))
        target = (lab * weight[..., None]).reshape(-1, 3).sum(0) / max(float(weight.sum()), 1e-4)
        out = lab.copy()
        out[..., 1:] += (target[1:] - local[..., 1:]) * np.float32(strength)
        shading = cv2.GaussianBlur(lab[..., 0], (0, 0), fw / 8)  # the light on the face's shape: kept
        out[..., 0] += (shading - local[..., 0]) * np.float32(0.25 * strength)
        return from_lab(out), weight

    return _each_face(img, p, ctx, "even out the skin tone", edit)


@register("teeth_whiten", "whiten the teeth of each face (less yellow, a little lighter)")
def teeth_whiten(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    strength = min(1.5, _amount(p))

    def edit(crop: Array, face: Face, win: regions.Window) -> tuple[Array, Array] | None:
        points = face.landmarks.points
        fw = regions.face_width(points)
        lab = to_lab(crop)
        opening = regions.mouth_opening(points, win)
        # Teeth are the light, not-red pixels of the mouth opening; gums, tongue and the dark gaps are not.
        light = np.clip((lab[..., 0] - 40.0) / 20.0, 0, 1) * np.clip((24.0 - lab[..., 1]) / 12.0, 0, 1)
        weight = regions.soften(opening * light, fw * 0.004)
        if float((weight > 0.5).sum()) < 0.002 * fw * fw:
            return None
        out = lab.copy()
        out[..., 2] = lab[..., 2] - np.maximum(lab[..., 2], 0) * np.float32(0.6 * min(1.0, strength))
        out[..., 1] = lab[..., 1] * np.float32(1 - 0.3 * min(1.0, strength))
        out[..., 0] = lab[..., 0] + np.minimum(np.float32(8 * strength), (100 - lab[..., 0]) * 0.3)
        return from_lab(out), weight

    return _each_face(img, p, ctx, "whiten the teeth", edit, why_not="no teeth show: the mouth is closed")


@register("eyes_brighten", "brighten the eyes (whites whiter, irises clearer)")
def eyes_brighten(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    strength = min(1.5, _amount(p))

    def edit(crop: Array, face: Face, win: regions.Window) -> tuple[Array, Array]:
        points = face.landmarks.points
        fw = regions.face_width(points)
        lab = to_lab(crop)
        iris_points = irises(img, points)
        out = lab.copy()
        weight = np.zeros(win.shape, np.float32)
        for opening, iris in zip(regions.eye_openings(points, win), iris_points, strict=True):
            disc = regions.iris_disc(iris, win) * opening
            sclera = np.clip(opening - regions.iris_disc(iris, win, 1.1), 0, 1)
            lift = (100 - lab[..., 0]) * np.float32(0.25 * strength)
            out[..., 0] += sclera * lift + disc * (100 - lab[..., 0]) * np.float32(0.12 * strength)
            out[..., 1:] -= (sclera * np.float32(0.4 * min(1.0, strength)))[..., None] * lab[..., 1:]
            weight = np.maximum(weight, opening)
        detail = lab[..., 0] - cv2.GaussianBlur(lab[..., 0], (0, 0), max(0.8, fw / 150))
        out[..., 0] += detail * np.float32(0.5 * strength) * weight
        return from_lab(out), regions.soften(weight, fw * 0.004)

    return _each_face(img, p, ctx, "brighten the eyes", edit)


@register("red_eye", "remove red eye (the red in each pupil replaced by dark grey)")
def red_eye(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    """An eye is red when most of its pupil (the middle half of the iris) is a saturated red — a brown iris is
    red-orange too, but around a dark pupil. Then the red pixels of the iris disc lose their red."""

    def edit(crop: Array, face: Face, win: regions.Window) -> tuple[Array, Array] | None:
        points = face.landmarks.points
        fw = regions.face_width(points)
        r, g, b = crop[..., 0], crop[..., 1], crop[..., 2]
        share = (r - np.maximum(g, b)) / np.maximum(r, 1e-3)  # 1 = pure red, 0 = no red
        red = np.clip((share - 0.45) / 0.15, 0, 1) * (r > 0.25)
        weight = np.zeros(win.shape, np.float32)
        for opening, iris in zip(regions.eye_openings(points, win), irises(img, points), strict=True):
            pupil = regions.iris_disc(iris, win, 0.55) > 0.5
            if not pupil.any() or float((red[pupil] > 0.5).mean()) < 0.3:
                continue
            disc = regions.iris_disc(iris, win, 1.15) * regions.grow(opening, fw * 0.01)
            weight = np.maximum(weight, regions.soften(regions.grow(red * disc, 1), 0.7) * disc)
        if not weight.any():
            return None
        grey = (g + b) / 2
        fixed = np.stack([grey, g, b], axis=-1) * np.float32(0.85)
        return fixed.astype(np.float32), weight

    return _each_face(img, p, ctx, "remove red eye", edit, why_not="no eye is red")


@register("lip_colour", "colour the lips (lipstick): the colour's hue and chroma, the lips' own texture")
def lip_colour(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    target = rgb_to_lab_colour(tuple(p.get("colour", (170, 30, 60))))
    strength = min(1.0, 0.8 * _amount(p))

    def edit(crop: Array, face: Face, win: regions.Window) -> tuple[Array, Array]:
        lab = to_lab(crop)
        weight = regions.lips(face.landmarks.points, win)
        mean_l = float((lab[..., 0] * weight).sum() / max(float(weight.sum()), 1e-4))
        out = lab.copy()
        out[..., 1:] += (target[1:] - lab[..., 1:]) * np.float32(strength)
        out[..., 0] += np.float32((target[0] - mean_l) * 0.5 * strength)
        return from_lab(out), weight

    return _each_face(img, p, ctx, "colour the lips", edit)
