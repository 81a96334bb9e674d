"""Crops framed by the face: headshot, centre on the face, aspect crops that keep the faces, passport photos.

Framing follows the head from crown to chin. The chin and the hairline come from the face mesh; the crown (the
top of the hair) from the person segmenter when it is sure of the person, otherwise from the mesh's proportions.
Each crop refuses rather than cut a face off or frame one it cannot see whole.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ...errors import EngineRefusal
from .colour import Array
from .faces import Face, find_faces, no_face, one_face, pick
from .ops import OpContext, register
from .person import person_alpha

log = logging.getLogger(__name__)

CHIN, HAIRLINE, NOSE_TIP, CHEEK_A, CHEEK_B = 152, 10, 1, 234, 454


@dataclass(frozen=True)
class Head:
    """A head in some frame of the image: centre line, crown, hairline and chin rows, face width."""

    cx: float
    crown: float
    hairline: float
    chin: float
    width: float

    @property
    def height(self) -> float:
        return self.chin - self.crown


def _crown(alpha: np.ndarray | None, cx: float, hairline: float, chin: float, width: float) -> float:
    """The top of the head: where the person's mask begins above the hairline, in a band over the forehead;
    without a confident mask, the hairline raised by a fifth of the face's length (hair has some height)."""
    length = chin - hairline
    guess = hairline - 0.2 * length
    if alpha is None:
        return guess
    x0, x1 = int(max(0, cx - width / 4)), int(min(alpha.shape[1], cx + width / 4))
    top = int(max(0, hairline - 0.8 * length))
    band = alpha[top : int(max(top + 1, hairline)), x0:x1].mean(axis=1)
    rows = np.nonzero(band > 0.5)[0]
    if not len(rows):
        return guess
    if top == 0 and rows[0] == 0:
        return 0.0  # the hair reaches the picture's top edge: the crown is cut off
    return float(np.clip(top + rows[0], hairline - 0.6 * length, hairline - 0.05 * length))


def _head(points: np.ndarray, alpha: np.ndarray | None) -> Head:
    width = float(points[CHEEK_B, 0] - points[CHEEK_A, 0])
    cx = float((points[CHEEK_A, 0] + points[CHEEK_B, 0]) / 2)
    hairline, chin = float(points[HAIRLINE, 1]), float(points[CHIN, 1])
    return Head(cx, _crown(alpha, cx, hairline, chin, width), hairline, chin, abs(width))


def _cut(img: Array, x0: float, y0: float, x1: float, y1: float) -> Array:
    h, w = img.shape[:2]
    left, top = int(round(max(0, x0))), int(round(max(0, y0)))
    right, bottom = int(round(min(w, x1))), int(round(min(h, y1)))
    return np.ascontiguousarray(img[top:bottom, left:right])


def _fit(x0: float, y0: float, cw: float, ch: float, w: int, h: int) -> tuple[float, float, float, float]:
    """Shrinks a window (about its centre) to fit the image at the same aspect, then slides it inside."""
    scale = min(1.0, w / cw, h / ch)
    cx, cy = x0 + cw / 2, y0 + ch / 2
    cw, ch = cw * scale, ch * scale
    x0 = float(np.clip(cx - cw / 2, 0, w - cw))
    y0 = float(np.clip(cy - ch / 2, 0, h - ch))
    return x0, y0, x0 + cw, y0 + ch


@register("headshot", "crop to a head-and-shoulders portrait of the face (4:5, the head about half the height)",
          geometric=True)  # fmt: skip
def headshot(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    rgb = img[..., :3]
    face = one_face(rgb, "crop to a headshot", which=p.get("which"))
    head = _head(face.landmarks.points, person_alpha(rgb))
    a, b = p.get("aspect", (4.0, 5.0))
    ch = head.height / 0.5
    cw = ch * a / b
    h, w = img.shape[:2]
    box = _fit(head.cx - cw / 2, head.crown - 0.12 * ch, cw, ch, w, h)
    log.info("headshot", extra={"face": face.summary(), "crop": [round(v) for v in box]})
    return _cut(img, *box)


@register("centre_face", "crop so the face is in the centre (same aspect ratio, as large as possible)",
          geometric=True)  # fmt: skip
def centre_face(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    face = one_face(img[..., :3], "centre on the face", which=p.get("which"))
    h, w = img.shape[:2]
    cx, cy = face.centre
    half_w, half_h = min(cx, w - cx), min(cy, h - cy)
    aspect = w / h
    cw = min(2 * half_w, 2 * half_h * aspect)
    ch = cw / aspect
    if cw < 1.6 * face.width:
        raise EngineRefusal(
            "the face is too near the edge of the picture to centre it without cutting it off; try 'crop to a "
            "headshot' or 'extend the image' first",
            capable_engines=[],
        )
    log.info("centre on the face", extra={"face": face.summary(), "crop": [round(cx - cw / 2), round(cy - ch / 2)]})
    return _cut(img, cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2)


@register("face_crop", "crop to an aspect ratio, placed so every face stays in the picture, eyes near a third",
          geometric=True)  # fmt: skip
def face_crop(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    search = find_faces(img[..., :3])
    if not search.faces:
        raise no_face(search, "place the crop around the faces")
    faces = [pick(search.faces, p["which"])] if p.get("which") else search.faces
    h, w = img.shape[:2]
    a, b = p.get("aspect", (1.0, 1.0))
    target = a / b
    cw, ch = (h * target, float(h)) if w / h > target else (float(w), w / target)
    boxes = np.array([_head_box(f) for f in faces])
    left, top, right, bottom = boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()
    eyes = float(np.mean([f.landmarks.points[[33, 263], 1].mean() for f in faces]))
    x0 = float(np.clip((left + right) / 2 - cw / 2, 0, w - cw))
    x0 = float(np.clip(x0, max(0.0, right - cw), max(0.0, min(left, w - cw))))  # keep the faces in, if they fit
    y0 = float(np.clip(eyes - ch / 3, 0, h - ch))
    y0 = float(np.clip(y0, max(0.0, bottom - ch), max(0.0, min(top, h - ch))))  # keep the heads in, if they fit
    if left < x0 - 1 or right > x0 + cw + 1 or top < y0 - 1 or bottom > y0 + ch + 1:
        raise EngineRefusal(
            f"the {len(faces)} face(s) do not fit in a {a:g}:{b:g} crop of this picture; choose another ratio, "
            "name one face ('around the face on the left'), or pad the picture to the ratio instead",
            capable_engines=[],
        )
    log.info("face-aware crop", extra={"faces": [f.summary() for f in faces], "crop": [round(x0), round(y0)]})
    return _cut(img, x0, y0, x0 + cw, y0 + ch)


def _head_box(face: Face) -> tuple[float, float, float, float]:
    """The face with room for the hair above it: what an aspect crop must not cut."""
    x0, y0, x1, y1 = face.box
    return (x0, y0 - 0.25 * (y1 - y0), x1, y1)


@dataclass(frozen=True)
class PhotoFormat:
    width_mm: float
    height_mm: float
    head_mm: float  # crown to chin
    top_mm: float  # photo top to crown
    label: str


# Head heights inside every common rule: ICAO/Schengen ask 32-36 mm of 45, the UK 29-34 mm; the US 1-1 3/8 inch
# of 2 inches with the eyes 1 1/8-1 3/8 inch from the bottom.
FORMATS = {
    "35x45": PhotoFormat(35, 45, 33.0, 4.5, "35x45 mm (ICAO, EU, UK and most countries)"),
    "us": PhotoFormat(50.8, 50.8, 30.0, 7.5, "2x2 inch (US)"),
}
BACKGROUND = (0.94, 0.94, 0.94)  # plain light grey, as the rules ask
MAX_YAW_RATIO = 0.18  # nose-to-cheek asymmetry (about 10 degrees of turn)
MAX_ROLL_DEG = 15.0


def _check_pose(face: Face) -> float:
    """Refuses a face turned away or tilted far; returns the roll (degrees) to level the eyes."""
    points = face.landmarks.points
    roll = math.degrees(face.landmarks.angle())
    c, s = math.cos(math.radians(-roll)), math.sin(math.radians(-roll))
    xs = points[[CHEEK_A, NOSE_TIP, CHEEK_B]] @ np.array([c, -s])
    yaw = ((xs[1] - xs[0]) - (xs[2] - xs[1])) / max(xs[2] - xs[0], 1e-6)
    if abs(yaw) > MAX_YAW_RATIO or abs(roll) > MAX_ROLL_DEG:
        what = f"turned ({abs(yaw):.2f} nose-to-cheek asymmetry)" if abs(yaw) > MAX_YAW_RATIO else "tilted"
        raise EngineRefusal(
            f"the face is {what}; a passport photo needs a face looking straight at the camera, so the classic "
            "engine will not make one from this picture",
            capable_engines=[],
        )
    return roll


@register("passport", "passport photo: 35x45 mm (or US 2x2 in) framing, head height as the rules ask, plain "
          "light background", geometric=True)  # fmt: skip
def passport(img: Array, p: dict[str, Any], ctx: OpContext) -> Array:
    fmt = FORMATS[str(p.get("format", "35x45"))]
    rgb = np.ascontiguousarray(img[..., :3])
    face = one_face(rgb, "make a passport photo", which=p.get("which"))
    roll = _check_pose(face)
    alpha = person_alpha(rgb)
    if alpha is None:
        raise EngineRefusal(
            "the classic engine could not separate the person from the background with confidence, so it cannot "
            "give the passport photo its plain background; use a photo of the person against a plainer backdrop",
            capable_engines=["diffusers", "openai"],
        )
    h, w = rgb.shape[:2]
    level = cv2.getRotationMatrix2D((float(face.centre[0]), float(face.centre[1])), roll, 1.0)
    points = face.landmarks.points @ level[:, :2].T + level[:, 2]
    head = _head(points, cv2.warpAffine(alpha, level, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0))
    _check_whole(points, head, w, h)
    scale_mm = head.height / fmt.head_mm  # source pixels per millimetre
    dpi = 600 if fmt.height_mm * scale_mm >= 0.75 * fmt.height_mm * 600 / 25.4 else 300
    out_h = round(fmt.height_mm * dpi / 25.4)
    out_w = round(fmt.width_mm * dpi / 25.4)
    if fmt.height_mm * scale_mm < out_h / 2:
        raise EngineRefusal(
            f"the head is only {round(head.height)} px tall; a passport photo at 300 dpi needs at least "
            f"{round(out_h / 2 * fmt.head_mm / fmt.height_mm)} px, so it would be visibly blurred",
            capable_engines=[],
        )
    frame = (head.cx - fmt.width_mm / 2 * scale_mm, head.crown - fmt.top_mm * scale_mm, scale_mm)
    log.info("passport photo", extra={"face": face.summary(), "roll_deg": round(roll, 1), "dpi": dpi,
                                      "head_px": round(head.height), "format": fmt.label})  # fmt: skip
    return _render(img, level, alpha, frame, (out_w, out_h), fmt)


def _check_whole(points: np.ndarray, head: Head, w: int, h: int) -> None:
    margin = 0.02 * head.width
    oval_in = points[:, 0].min() >= margin and points[:, 0].max() <= w - margin and points[:, 1].max() <= h - margin
    if not oval_in or head.crown <= 1 or head.chin + 0.25 * head.height > h:
        raise EngineRefusal(
            "the head is cut off by the edge of the picture (a passport photo shows the whole head and the neck); "
            "use a photo with space around the head",
            capable_engines=[],
        )


def _render(img: Array, level: np.ndarray, alpha: Array, frame: tuple[float, float, float],
            size: tuple[int, int], fmt: PhotoFormat) -> Array:  # fmt: skip
    """One warp from the photo to the output: level the eyes, cut the frame, scale to the print size; the
    background outside the person becomes the plain grey, and so does anything beyond the photo's edges."""
    x0, y0, scale_mm = frame
    out_w, out_h = size
    pixels = scale_mm * fmt.height_mm / out_h  # source pixels per output pixel
    to_out = np.array([[1 / pixels, 0, -x0 / pixels], [0, 1 / pixels, -y0 / pixels], [0, 0, 1]])
    matrix = (to_out @ np.vstack([level, [0, 0, 1]]))[:2]
    rgb = img[..., :3]
    if pixels > 1.5:  # anti-alias before a strong reduction
        rgb = cv2.GaussianBlur(rgb, (0, 0), 0.4 * pixels)
    back = np.array(BACKGROUND, np.float32)
    merged = rgb * alpha[..., None] + back * (1 - alpha[..., None])
    out = cv2.warpAffine(merged, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=tuple(float(v) for v in back))  # fmt: skip
    if img.shape[2] == 4:
        out = np.concatenate([out, np.ones((out_h, out_w, 1), np.float32)], axis=2)
    return np.clip(out, 0, 1).astype(np.float32)
