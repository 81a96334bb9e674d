"""The smoothest fill a hole can have, and the seam-free way to lay texture into it: a Poisson solve.

Inside the hole, solve Δu = Δguide with u equal to the known image on the hole's border. With no guide, u is the
membrane (harmonic) interpolation of the border: a sky's or a wall's gradient continues exactly, without the
streaks a marching fill (Telea) leaves in large holes. With a guide (synthesised texture), u has the guide's
detail and still meets the border exactly, so no seam shows however the guide's mean differs from the border.

``cv2.seamlessClone`` solves the same equation, but over the hole's whole bounding box with a transform (brush
strokes across a photo make that the whole photo, about a second at 1024²); here the solve is cascadic multigrid:
a coarse solution carried up, then red-black Gauss-Seidel sweeps at each level over the hole pixels only.
"""

from __future__ import annotations

import cv2
import numpy as np

Array = np.ndarray
_NEIGHBOURS = np.array([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]], np.float32)
COARSEST = 24  # the smallest level's longer side
SWEEPS = 20  # sweeps per level; the coarser level has already removed the slowly decaying error
COARSE_SWEEPS = 200  # the smallest level has nothing coarser: enough to converge on 24 px
OMEGA = 1.6  # over-relaxation (stable below 2)


def _laplacian(img: Array) -> Array:
    """Mean of the four neighbours minus the pixel (the discrete Laplacian / 4)."""
    return cv2.filter2D(img, -1, _NEIGHBOURS, borderType=cv2.BORDER_REPLICATE) - img


def _down(img: Array, known: Array) -> tuple[Array, Array]:
    """Half size; a coarse pixel is known only if all four fine pixels under it are."""
    h, w = known.shape
    size = (max(1, (w + 1) // 2), max(1, (h + 1) // 2))
    small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    small_known = cv2.resize(known.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.999
    return small, small_known


def solve(image: Array, hole: Array, guide: Array | None = None, *, sweeps: int = SWEEPS) -> Array:
    """``image`` float32 HxWxC (hole pixels are ignored), ``hole`` bool; ``guide`` float32 like ``image`` or None.

    Returns ``image`` with the hole replaced by the solution; pixels outside the hole are returned unchanged."""
    known = ~hole
    zero = np.zeros_like(image)
    # Pyramids of the known image and of the guide; each level's target is its own guide's Laplacian, so the
    # coarse solutions are consistent with the fine one (a carried-down Laplacian of fine detail is not).
    levels = [(np.where(known[..., None], image, 0).astype(np.float32), known, zero if guide is None else guide)]
    while max(levels[-1][1].shape) > COARSEST and (~levels[-1][1]).any():
        img, kn, gd = levels[-1]
        small, small_known = _down(img * kn[..., None], kn)
        weight = cv2.resize(kn.astype(np.float32), small_known.shape[::-1], interpolation=cv2.INTER_AREA)
        small = small / np.maximum(weight, 1e-6)[..., None]
        small_guide = cv2.resize(gd, small_known.shape[::-1], interpolation=cv2.INTER_AREA)
        levels.append((small.astype(np.float32), small_known, small_guide.astype(np.float32)))
    estimate: Array | None = None
    for depth, (img, kn, gd) in enumerate(reversed(levels)):
        free = ~kn
        tgt = _laplacian(gd)
        if estimate is None:
            mean = img[kn].mean(axis=0) if kn.any() else np.zeros(img.shape[2], np.float32)
            u = np.where(free[..., None], mean.astype(np.float32), img)
        else:
            up = cv2.resize(estimate, kn.shape[::-1], interpolation=cv2.INTER_LINEAR)
            u = np.where(free[..., None], up, img)
        u = _sweep(u, free, tgt, COARSE_SWEEPS if depth == 0 else sweeps)
        estimate = u
    assert estimate is not None
    return np.where(hole[..., None], estimate, image).astype(np.float32)


def _sweep(u: Array, free: Array, target: Array, sweeps: int) -> Array:
    """Red-black over-relaxed Gauss-Seidel on the free pixels only (gathers over their indices, so the cost follows
    the hole's area, not its bounding box's)."""
    h, w = free.shape
    pad = cv2.copyMakeBorder(u, 1, 1, 1, 1, cv2.BORDER_REPLICATE)
    flat = pad.reshape(-1, u.shape[2])
    ys, xs = np.nonzero(free)
    if len(ys) == 0:
        return u
    wp = w + 2
    idx = (ys + 1) * wp + xs + 1
    tgt = target[ys, xs]
    colours = [(ys + xs) % 2 == c for c in (0, 1)]
    groups = [(idx[c], tgt[c]) for c in colours]
    for _ in range(sweeps):
        for i, t in groups:
            around = flat.take(i - 1, axis=0)
            around += flat.take(i + 1, axis=0)
            around += flat.take(i - wp, axis=0)
            around += flat.take(i + wp, axis=0)
            here = flat.take(i, axis=0)
            flat[i] = here + OMEGA * (0.25 * around - t - here)
    return pad[1:-1, 1:-1].copy()
