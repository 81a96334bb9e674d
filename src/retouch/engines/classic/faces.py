"""Which faces an edit may use: detected, confirmed by the mesh network, chosen, and logged — or refused.

A face counts only when both networks agree: the detector (score over MediaPipe's own threshold) and the mesh
network, which must find a face in the detector's crop (MediaPipe's presence gate, 0.5). Textures that fool the
detector in a fine tile (a patterned sleeve, a flag) score near zero there, so the agreement is what keeps the
edits off things that are not faces. Every search is logged with what was found and what was turned away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ...errors import EngineRefusal
from .face_detect import Detection, detect
from .face_landmarks import Landmarks, mesh

log = logging.getLogger(__name__)

PRESENCE = 0.5  # MediaPipe's gate on the mesh network's face flag
CLEAR_PRESENCE = 0.9  # strict anonymisation: a candidate between NOT_A_FACE and this is a doubt, not an answer
NOT_A_FACE = 0.1  # below this the mesh network is sure: not a face (textures score 0.00-0.06)


@dataclass(frozen=True)
class Face:
    detection: Detection
    landmarks: Landmarks

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The face's own box from its mesh (forehead to chin, cheek to cheek), in image pixels."""
        lo, hi = self.landmarks.points.min(axis=0), self.landmarks.points.max(axis=0)
        return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        return ((x0 + x1) / 2, (y0 + y1) / 2)

    def summary(self) -> dict[str, object]:
        x0, y0, x1, y1 = self.box
        return {
            "box": [round(x0), round(y0), round(x1 - x0), round(y1 - y0)],
            "detector": round(self.detection.score, 3),
            "mesh": round(self.landmarks.presence, 3),
        }


@dataclass(frozen=True)
class Search:
    faces: list[Face]
    doubtful: list[tuple[Detection, float]]  # candidates the mesh network neither confirmed nor clearly rejected
    smallest: float


def _where(box: tuple[float, float, float, float], score: float, presence: float) -> str:
    x0, y0, x1, y1 = box
    return f"{round(x1 - x0)}x{round(y1 - y0)} px at ({round(x0)}, {round(y0)}), confidence {min(score, presence):.2f}"


def smallest_face(shape: tuple[int, ...], purpose: str) -> float:
    """Retouching and cropping need a face big enough to work on (a tenth of the long side); anonymising looks
    for small faces too (a fortieth of the long side, at least 40 px: the networks miss most faces below that),
    at a higher cost."""
    long_side = max(shape[0], shape[1])
    return max(40.0, long_side / 40) if purpose == "anonymise" else max(48.0, long_side / 10)


def find_faces(rgb: np.ndarray, purpose: str = "retouch") -> Search:
    """Every face both networks agree on (float32 RGB 0..1), largest first."""
    smallest = smallest_face(rgb.shape, purpose)
    faces: list[Face] = []
    doubtful: list[tuple[Detection, float]] = []
    rejected = []
    for detection in sorted(detect(rgb, smallest_face=smallest), key=lambda d: -d.width):
        if _inside_a_head(detection, faces):
            rejected.append({"box": [round(v) for v in detection.box], "detector": round(detection.score, 3)})
            continue  # an ear or an eye of a face already found, seen as a face in a finer tile
        landmarks = mesh(rgb, detection, refine=purpose != "anonymise")
        if landmarks.presence >= PRESENCE:
            faces.append(Face(detection, landmarks))
        else:
            rejected.append({"box": [round(v) for v in detection.box], "detector": round(detection.score, 3)})
            if landmarks.presence >= NOT_A_FACE and not _overlaps_any(detection.box, faces):
                doubtful.append((detection, landmarks.presence))
    faces.sort(key=lambda f: -f.width)
    doubtful = [(d, p) for d, p in doubtful if not _overlaps_any(d.box, faces)]
    log.info(
        "faces: %d found, %d turned away by the mesh network",
        len(faces),
        len(rejected),
        extra={
            "purpose": purpose,
            "smallest_face_px": round(smallest),
            "faces": [f.summary() for f in faces],
            "rejected": rejected,
        },
    )
    return Search(faces, doubtful, smallest)


def _inside_a_head(detection: Detection, faces: list[Face]) -> bool:
    cx, cy = detection.centre
    for face in faces:
        x0, y0, x1, y1 = face.box
        grow = 0.25 * (x1 - x0)
        if x0 - grow <= cx <= x1 + grow and y0 - grow <= cy <= y1 + grow and detection.width < face.width:
            return True
    return False


def _overlaps_any(box: tuple[float, float, float, float], faces: list[Face]) -> bool:
    for face in faces:
        x0, y0, x1, y1 = face.box
        inter = max(0.0, min(x1, box[2]) - max(x0, box[0])) * max(0.0, min(y1, box[3]) - max(y0, box[1]))
        if inter > 0.3 * (box[2] - box[0]) * (box[3] - box[1]):
            return True
    return False


def in_mask(faces: list[Face], hole: np.ndarray) -> list[Face]:
    """The faces the mask points at: at least a third of the face's box is white in the mask."""
    chosen = []
    h, w = hole.shape
    for face in faces:
        x0, y0, x1, y1 = (int(round(v)) for v in face.box)
        region = hole[max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)]
        if region.size and region.mean() >= 1 / 3:
            chosen.append(face)
    return chosen


def pick(faces: list[Face], which: str) -> Face:
    """The face a word names: the leftmost, rightmost, the one nearest the middle, or the largest."""
    if which == "left":
        return min(faces, key=lambda f: f.centre[0])
    if which == "right":
        return max(faces, key=lambda f: f.centre[0])
    if which == "middle":
        mid = (min(f.centre[0] for f in faces) + max(f.centre[0] for f in faces)) / 2
        return min(faces, key=lambda f: abs(f.centre[0] - mid))
    return max(faces, key=lambda f: f.width)


def no_face(search: Search, action: str, *, where: str = "") -> EngineRefusal:
    doubts = "; ".join(_where(d.box, d.score, p) for d, p in search.doubtful[:3])
    more = f" (possible but unconfirmed: {doubts})" if doubts else ""
    return EngineRefusal(
        f"the classic engine found no face{where}{more}, so it cannot {action}; faces smaller than "
        f"{round(search.smallest)} px or turned far from the camera are not found. Send a mask over the face, or use "
        "a generative engine",
        not_understood=["face"],
        capable_engines=["diffusers", "openai"],
    )


def faces_for(
    rgb: np.ndarray, action: str, *, which: str | None, hole: np.ndarray | None, single: bool = False
) -> list[Face]:
    """The faces an edit applies to: the one named, else those inside the mask, else all; refused when none, or
    when the prompt speaks of one person ('her skin') and several faces are found with nothing to tell which."""
    search = find_faces(rgb)
    faces = search.faces
    if hole is not None:
        faces = in_mask(faces, hole)
        if not faces:
            raise no_face(search, action, where=" inside the mask")
    if not faces:
        raise no_face(search, action)
    if which:
        return [pick(faces, which)]
    if single and len(faces) > 1:
        raise several_faces(faces, action, mask_helps=True)
    return faces


def several_faces(faces: list[Face], action: str, *, mask_helps: bool) -> EngineRefusal:
    listed = ", ".join(_where(f.box, f.detection.score, f.landmarks.presence) for f in faces)
    or_mask = ", or send a mask over the face" if mask_helps else ""
    return EngineRefusal(
        f"found {len(faces)} faces ({listed}); say which ('the face on the left', 'on the right', 'in the middle' "
        f"or 'the largest face'){or_mask}, so the classic engine can {action}",
        not_understood=["faces"],
        capable_engines=[],
    )


def one_face(rgb: np.ndarray, action: str, *, which: str | None) -> Face:
    """Exactly one face, for edits that frame a single person: several are refused unless one is named."""
    search = find_faces(rgb)
    if not search.faces:
        raise no_face(search, action)
    if which:
        return pick(search.faces, which)
    if len(search.faces) > 1:
        raise several_faces(search.faces, action, mask_helps=False)  # framing edits cannot take a mask
    return search.faces[0]
