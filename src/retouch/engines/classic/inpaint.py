"""Removal inside a mask: each connected region of the hole gets the fill a careful retoucher would choose.

Every region first gets the smoothest fill its border allows, a membrane (``membrane.py``): a clear sky, a wall or
skin continue their gradient, without blocks, ghosts or Telea's streaks. Where the known pixels around a region
are textured (grass, gravel, fur), a smooth patch would read as a blur, so texture is synthesised by exemplar
(``patchmatch.py``, on a reduced copy, carried up to full size) and laid in through the same Poisson solve: only its
fine detail, scaled to how textured the surroundings are, so the fill's large-scale shading still comes from the
border and no seam shows. Pixels outside the hole are never changed, hidden pixels never read, and a seed makes
the result reproducible.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from .membrane import solve
from .patchmatch import synthesize

log = logging.getLogger(__name__)

THIN_RADIUS = 4.5  # a region no wider than ~9 px is a stroke: texture there is not worth a synthesis
SMALL_AREA = 256
RING = 12  # px of known surroundings that decide whether a region is smooth or textured
# Tuned on bench/eval_inpaint.py's tuning set only (the held-out set judges them): the fine-detail spread (grey levels)
# of the surroundings below which a region is smooth, and above which its texture is laid in at full strength.
FLAT = 2.5
BUSY = 7.0
DETAIL_SIGMA = 2.0  # the texture laid in is what a blur of this sigma removes
DETAIL_GAIN = 0.8  # of the surroundings' grain, at full strength
NARROW_RADIUS = 10.5  # a region up to ~20 px wide is a brush stroke: a copied grain a pixel off costs more there
DETAIL_GAIN_NARROW = 0.5
MAX_AMPLIFY = 3.0  # the copied grain is scaled up to match the surroundings' by at most this much
CLIP = 1.5  # copied detail is softly limited to this many times the surroundings' detail spread


def fill_holes(image: np.ndarray, hole: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """``image`` uint8 RGB, ``hole`` bool (True = unknown). Returns uint8 RGB with the hole filled."""
    image = image.copy()
    image[hole] = 0  # nothing below the hole may influence the fill
    gain, limit = _texture_gain(image, hole)
    guide = None
    if gain.any():
        guide = _texture_guide(image, hole, gain, limit, np.random.default_rng(seed))
    filled = solve(image.astype(np.float32), hole, guide)
    out = image.copy()
    out[hole] = np.clip(filled[hole] + 0.5, 0, 255).astype(np.uint8)
    return out


def _texture_gain(image: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, how much synthesised texture to lay in (0 for strokes, specks and smooth surroundings), and the
    largest detail the surroundings justify (grey levels)."""
    gain = np.zeros(hole.shape, np.float32)
    limit = np.zeros(hole.shape, np.float32)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    if count <= 1:
        return gain, limit
    depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    detail = grey - cv2.GaussianBlur(grey, (0, 0), DETAIL_SIGMA)
    h, w = hole.shape
    for label in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[label])
        box = np.s_[max(0, y - RING) : min(h, y + bh + RING), max(0, x - RING) : min(w, x + bw + RING)]
        region = labels[box] == label
        # Judge width by the bulk of the region, so a crossing of two thin strokes still counts as thin.
        if area <= SMALL_AREA or float(np.percentile(depth[box][region], 95)) <= THIN_RADIUS:
            continue
        ring = (cv2.dilate(region.astype(np.uint8), np.ones((2 * RING + 1,) * 2, np.uint8)) > 0) & ~hole[box]
        # Detail next to the hole is contaminated by the zeros inside it: measure a little away from it.
        ring &= cv2.distanceTransform((~hole[box]).astype(np.uint8), cv2.DIST_L2, 3) > 3 * DETAIL_SIGMA
        # A robust spread (median absolute detail): a texture's grain counts, a few strong edges do not.
        level = 1.4826 * float(np.median(np.abs(detail[box][ring]))) if ring.sum() > 16 else 0.0
        strength = float(np.clip((level - FLAT) / (BUSY - FLAT), 0.0, 1.0))
        log.debug("fill region", extra={"area": area, "texture": round(level, 2), "strength": round(strength, 2)})
        narrow = float(np.percentile(depth[box][region], 95)) <= NARROW_RADIUS
        if strength > 0:
            gain[box][region] = (DETAIL_GAIN_NARROW if narrow else DETAIL_GAIN) * strength
            limit[box][region] = CLIP * level
    return gain, limit


def _texture_guide(
    image: np.ndarray, hole: np.ndarray, gain: np.ndarray, limit: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The fine detail of an exemplar synthesis in the textured regions (scaled by ``gain``), and of the known
    image next to them, so that the Poisson solve continues the texture across the border. Inside the hole the
    detail is softly limited to what the surroundings' texture justifies: a strong edge copied from elsewhere
    would come out as a ghost line, a texture's grain passes."""
    composite = cv2.inpaint(image, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA).astype(np.float32) / 255.0
    count, labels, stats, _ = cv2.connectedComponentsWithStats((gain > 0).astype(np.uint8), connectivity=8)
    h, w = hole.shape
    for label in range(1, count):
        x, y, bw, bh, _ = (int(v) for v in stats[label])
        margin = max(24, int(max(bw, bh) * 0.75))
        box = np.s_[max(0, y - margin) : min(h, y + bh + margin), max(0, x - margin) : min(w, x + bw + margin)]
        region = labels[box] == label
        try:
            synth = synthesize(composite[box], region, rng)
        except ValueError:
            gain[box][region] = 0  # no known texture around it: the membrane alone
            continue
        composite[box][region] = synth[region]
    composite *= 255.0
    detail = composite - cv2.GaussianBlur(composite, (0, 0), DETAIL_SIGMA)
    inside = np.zeros(hole.shape, np.float32)
    for label in range(1, count):
        # The copy's grain is matched to the surroundings' (exemplar search favours smooth sources, whose grain
        # is weaker), within a bounded amplification, then strong copied edges are softly limited.
        region = (labels == label) & (gain > 0)
        if not region.any():
            continue
        spread = 1.4826 * float(np.median(np.abs(detail[region].mean(axis=1)))) + 1e-3
        wanted = float(limit[region].max()) / CLIP
        inside[region] = gain[region] * min(MAX_AMPLIFY, wanted / spread)
    c = np.maximum(limit, 1e-3)[..., None]
    laid = c * np.tanh(detail * inside[..., None] / c)
    # The known side of the border keeps its own detail at the region's gain, so the Laplacian there is consistent.
    near = cv2.dilate(gain, np.ones((5, 5), np.uint8))[..., None]
    return np.where(hole[..., None], laid, detail * near).astype(np.float32)
