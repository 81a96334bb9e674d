"""The 468-point face mesh and the iris points, from MediaPipe's face-landmark and iris networks.

Each network sees a square crop turned so the eyes are level, as MediaPipe's graphs prepare it: the face crop is
the detection box's long side x 1.5 around its centre, the eye crop the eye's corner-to-corner width x 2.3. The
mesh is run twice, the second time on a crop made from its own first answer, which settles it on tilted faces. The
mesh network also says how sure it is that a face is in its crop: that is the second confidence a face must pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .face_detect import Detection
from .face_models import network

FACE_CROP_SCALE = 1.5
EYE_CROP_SCALE = 2.3
EYE_CORNERS = ((33, 133), (362, 263))  # the eye on the image's left for a frontal face, then the other


@dataclass(frozen=True)
class Crop:
    """A square crop of the image, turned by ``angle`` (radians, the eyes' slope) around its centre."""

    cx: float
    cy: float
    side: float
    angle: float

    def matrix(self, out: int) -> np.ndarray:
        """2 x 3 affine map from crop pixels (0..out) to image pixels."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        k = self.side / out
        m = np.array([[c * k, -s * k, 0.0], [s * k, c * k, 0.0]])
        m[:, 2] = np.array([self.cx, self.cy]) - m[:, :2] @ np.array([out / 2, out / 2])
        return m

    def take(self, rgb: np.ndarray, out: int) -> tuple[np.ndarray, np.ndarray]:
        m = self.matrix(out)
        patch = cv2.warpAffine(
            rgb, m, (out, out), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
        )
        return patch, m


@dataclass(frozen=True)
class Landmarks:
    points: np.ndarray  # 468 x 2, image pixels
    depth: np.ndarray  # 468, relative depth in crop pixels (smaller = nearer the camera)
    presence: float  # the mesh network's confidence that its crop holds a face

    def angle(self) -> float:
        """Roll in radians: the slope of the line through the outer eye corners."""
        a, b = self.points[33], self.points[263]
        return math.atan2(float(b[1] - a[1]), float(b[0] - a[0]))


def _crop_around(points: np.ndarray, angle: float, scale: float) -> Crop:
    """The square crop (long side x scale) of the points' bounding box, measured in the turned frame."""
    c, s = math.cos(angle), math.sin(angle)
    turned = points @ np.array([[c, -s], [s, c]])
    lo, hi = turned.min(axis=0), turned.max(axis=0)
    centre = ((lo + hi) / 2) @ np.array([[c, s], [-s, c]])
    return Crop(float(centre[0]), float(centre[1]), float((hi - lo).max() * scale), angle)


def _run_mesh(rgb: np.ndarray, crop: Crop) -> Landmarks:
    net = network("landmarks")
    patch, m = crop.take(rgb, net.side)
    mesh, flag = net(patch)
    raw = mesh.reshape(-1, 3)
    points = raw[:, :2] @ m[:, :2].T + m[:, 2]
    presence = 1.0 / (1.0 + math.exp(-float(np.clip(flag.ravel()[0], -60, 60))))
    return Landmarks(points.astype(np.float32), raw[:, 2].astype(np.float32), presence)


def mesh(rgb: np.ndarray, detection: Detection, *, refine: bool = True) -> Landmarks:
    """The face mesh for one detection (float32 RGB 0..1); ``refine=False`` skips the second pass (enough to
    confirm a face and outline it, not to draw its features)."""
    kp = detection.keypoints
    angle = math.atan2(float(kp[1, 1] - kp[0, 1]), float(kp[1, 0] - kp[0, 0]))
    cx, cy = detection.centre
    first = _run_mesh(rgb, Crop(cx, cy, max(detection.width, detection.height) * FACE_CROP_SCALE, angle))
    if first.presence < 0.5 or not refine:
        return first
    second = _run_mesh(rgb, _crop_around(first.points, first.angle(), FACE_CROP_SCALE))
    return second if second.presence >= 0.5 else first


def irises(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Iris centre and four edge points for both eyes (2 x 5 x 2, image pixels), the image-left eye first.
    The network knows one eye; the other is mirrored into it and its answer mirrored back."""
    net = network("iris")
    out = np.zeros((2, 5, 2), np.float32)
    for i, (a, b) in enumerate(EYE_CORNERS):
        p, q = points[a], points[b]
        angle = math.atan2(float(q[1] - p[1]), float(q[0] - p[0]))
        width = float(np.hypot(*(q - p)))
        crop = Crop(float((p[0] + q[0]) / 2), float((p[1] + q[1]) / 2), width * EYE_CROP_SCALE, angle)
        patch, m = crop.take(rgb, net.side)
        if i == 1:
            patch = patch[:, ::-1]
        _, iris = net(patch)
        xy = iris.reshape(5, 3)[:, :2].copy()
        if i == 1:
            xy[:, 0] = net.side - xy[:, 0]
        out[i] = xy @ m[:, :2].T + m[:, 2]
    return out
