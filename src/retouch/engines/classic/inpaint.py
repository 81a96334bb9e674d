"""Removal inside a mask: each connected region of the hole gets the fill that suits it.

Thin strokes and small spots: a fast diffusion fill (Telea), which is invisible at that size. Large holes:
exemplar synthesis (``patchmatch.py``) on a crop around the hole, which continues texture and structure, with its
fine detail laid over the diffusion fill's smooth base so that large-scale shading stays continuous. Only known
pixels are ever read; a seed makes the result reproducible.
"""

from __future__ import annotations

import cv2
import numpy as np

from .patchmatch import synthesize

THIN_RADIUS = 4.5  # a region no wider than ~8 px is a stroke
SMALL_AREA = 256


def _telea(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    return cv2.inpaint(image, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)


def fill_holes(image: np.ndarray, hole: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """``image`` uint8 RGB, ``hole`` bool (True = unknown). Returns uint8 RGB with the hole filled."""
    image = image.copy()
    image[hole] = 0  # nothing below the hole may influence the fill
    out = _telea(image, hole)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    rng = np.random.default_rng(seed)
    h, w = hole.shape
    for label in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[label])
        region = labels[y : y + bh, x : x + bw] == label
        # Judge width by the bulk of the region, so a crossing of two thin strokes still counts as thin.
        if area <= SMALL_AREA or float(np.percentile(depth[y : y + bh, x : x + bw][region], 95)) <= THIN_RADIUS:
            continue  # the diffusion fill is already right for strokes and specks
        margin = max(24, int(max(bw, bh) * 0.75))
        y0, y1 = max(0, y - margin), min(h, y + bh + margin)
        x0, x1 = max(0, x - margin), min(w, x + bw + margin)
        crop_hole = labels[y0:y1, x0:x1] == label
        crop = out[y0:y1, x0:x1].astype(np.float32) / 255.0
        try:
            synth = synthesize(crop, crop_hole, rng)
        except ValueError:
            continue  # no known texture around it: keep the diffusion fill
        base = crop
        blended = _detail_over_base(synth, base, crop_hole)
        patch = (np.clip(blended, 0, 1) * 255 + 0.5).astype(np.uint8)
        target = out[y0:y1, x0:x1]
        target[crop_hole] = patch[crop_hole]
    return out


# Tuned on bench/eval_inpaint.py: how much of the synthesis's low frequencies to trust deep inside a hole, and how
# much of its fine detail to keep (all of it in large holes, less in narrow strokes where a copied edge that is a
# pixel off costs more than it adds).
LOW_TRUST = 0.5
LOW_TRUST_NARROW = 0.0
DETAIL_WIDE = 1.15
DETAIL_NARROW = 0.55
SIGMA = 1.0


def _detail_over_base(synth: np.ndarray, base: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The synthesis's texture on top of a blend of both fills' low frequencies, feathered toward the border."""
    sigma = SIGMA
    low_s = cv2.GaussianBlur(synth, (0, 0), sigma)
    low_b = cv2.GaussianBlur(base, (0, 0), sigma)
    inner = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    trust = np.clip(inner / 12.0, 0.0, 1.0)[..., None].astype(np.float32)
    wide = float(inner.max()) > 12
    mix = np.float32(LOW_TRUST if wide else LOW_TRUST_NARROW) * trust
    low = low_b * (1 - mix) + low_s * mix
    detail = DETAIL_WIDE if wide else DETAIL_NARROW
    return low + (synth - low_s) * np.float32(detail)
