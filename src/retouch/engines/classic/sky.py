"""Sky replacement: find the sky (or take it from the mask) and paint a generated one in its place.

The detector is deliberately strict — the sky must touch the top edge, be smooth, and be bright or blue — and
refuses ("send a mask") rather than repaint a wall. Generated skies are gradients with seeded clouds or stars.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...errors import EngineRefusal

WORK_SIDE = 256
STYLES = {
    "sunset": ((255, 140, 60), (120, 60, 140)),  # horizon colour, zenith colour
    "clear": ((190, 220, 250), (40, 110, 210)),
    "stormy": ((120, 125, 135), (50, 55, 65)),
    "night": ((25, 35, 80), (5, 8, 25)),
}


def find_sky(rgb: np.ndarray) -> np.ndarray:
    """Soft sky alpha (float32 0..1) of a float32 RGB image, or EngineRefusal when the sky is doubtful."""
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(rgb, (max(8, round(w * scale)), max(8, round(h * scale))), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab)
    light, b = lab[..., 0], lab[..., 2]
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    smooth = cv2.GaussianBlur(edges, (0, 0), 2) < 0.08
    candidate = (((light > 55) & (b < -4)) | (light > 75)) & smooth
    count, labels = cv2.connectedComponents(candidate.astype(np.uint8), connectivity=4)
    top_labels = set(np.unique(labels[0][candidate[0]]).tolist()) - {0}
    sky = np.isin(labels, list(top_labels)) if top_labels else np.zeros(candidate.shape, bool)
    share = float(sky.mean())
    if not top_labels or share < 0.05 or share > 0.75 or float(sky[0].mean()) < 0.6:
        raise EngineRefusal(
            "the classic engine could not find a clear sky (it must touch the top edge and be smooth and bright or "
            "blue); send a mask with the sky in white, or use a generative engine",
            not_understood=["sky"],
            capable_engines=["diffusers", "openai"],
        )
    closed = cv2.morphologyEx(sky.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)).astype(np.float32)
    soft = cv2.GaussianBlur(closed, (0, 0), 1.5)
    return np.clip(cv2.resize(soft, (w, h), interpolation=cv2.INTER_LINEAR), 0, 1).astype(np.float32)


def paint_sky(style: str, size: tuple[int, int], rng: np.random.Generator, intense: bool = False) -> np.ndarray:
    """A generated sky; ``intense`` ("a dramatic sunset") deepens its colours and the contrast of its clouds."""
    w, h = size
    horizon, zenith = (np.array(c, np.float32) / 255 for c in STYLES[style])
    if intense:
        horizon, zenith = (np.clip(c.mean() + (c - c.mean()) * 1.6, 0, 1) for c in (horizon, zenith))
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None] ** 0.8
    sky = np.broadcast_to(zenith * (1 - t) + horizon * t, (h, w, 3)).copy()
    if style in ("stormy", "clear", "sunset"):
        noise = rng.standard_normal((max(2, h // 24), max(2, w // 24))).astype(np.float32)
        clouds = cv2.GaussianBlur(cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC), (0, 0), max(2, h / 40))
        clouds = np.clip((clouds - 0.3) * (1.2 if style == "stormy" or intense else 0.8), 0, 1)[..., None]
        tone = np.float32(0.35 if style == "stormy" else 0.95)
        sky = sky * (1 - clouds * 0.7) + tone * clouds * 0.7
    if style == "night":
        stars = rng.random((h, w)) > 0.998
        sky[stars] = rng.uniform(0.7, 1.0, (int(stars.sum()), 1)).astype(np.float32)
    return np.clip(sky, 0, 1).astype(np.float32)
