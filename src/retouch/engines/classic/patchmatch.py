"""Exemplar-based hole filling: PatchMatch nearest-neighbour fields with EM voting, coarse to fine.

Every hole pixel is rebuilt from patches copied from the known part of the image (Wexler-style voting), so the
fill continues real texture instead of smearing colour inwards. The hole's original pixels are never read: the
first estimate comes from a diffusion fill of the known pixels, and each later estimate from the previous one.
Everything is vectorised over the hole's pixels; the search runs on a reduced copy and the field is carried up to
full resolution, which only needs one voting pass there.
"""

from __future__ import annotations

import cv2
import numpy as np

Array = np.ndarray
PATCH = 7
R = PATCH // 2
OFFSETS = [(dy, dx) for dy in range(-R, R + 1) for dx in range(-R, R + 1)]


class Field:
    """A nearest-neighbour field over one pyramid level: for each hole pixel, the source pixel its patch copies."""

    def __init__(self, image: Array, hole: Array, rng: np.random.Generator) -> None:
        self.h, self.w = hole.shape
        self.hole = hole
        self.ys, self.xs = np.nonzero(hole)
        self.rng = rng
        # Sources: patch centres whose whole patch lies inside the image and outside the hole.
        blocked = cv2.dilate(hole.astype(np.uint8), np.ones((PATCH, PATCH), np.uint8)) > 0
        blocked[:R, :] = blocked[-R:, :] = True
        blocked[:, :R] = blocked[:, -R:] = True
        self.valid = ~blocked
        vy, vx = np.nonzero(self.valid)
        if len(vy) == 0:
            raise ValueError("no known area to copy from")
        self.vy, self.vx = vy, vx
        pick = rng.integers(0, len(vy), len(self.ys))
        self.sy, self.sx = vy[pick].copy(), vx[pick].copy()
        self.cost = np.full(len(self.ys), np.inf, dtype=np.float32)
        self.set_image(image)

    def set_image(self, image: Array) -> None:
        self.padded = cv2.copyMakeBorder(image, R, R, R, R, cv2.BORDER_REFLECT)
        self.cost = self.distance(self.sy, self.sx)

    def distance(self, sy: Array, sx: Array) -> Array:
        total = np.zeros(len(sy), dtype=np.float32)
        pad = self.padded
        for dy, dx in OFFSETS:
            diff = pad[self.ys + dy + R, self.xs + dx + R] - pad[sy + dy + R, sx + dx + R]
            total += np.einsum("ij,ij->i", diff, diff)
        return total

    def _try(self, sy: Array, sx: Array) -> None:
        sy = np.clip(sy, 0, self.h - 1)
        sx = np.clip(sx, 0, self.w - 1)
        ok = self.valid[sy, sx]
        if not ok.any():
            return
        idx = np.nonzero(ok)[0]
        cost = np.full(len(sy), np.inf, dtype=np.float32)
        sub = self.distance_subset(idx, sy[idx], sx[idx])
        cost[idx] = sub
        better = cost < self.cost
        self.sy[better], self.sx[better], self.cost[better] = sy[better], sx[better], cost[better]

    def distance_subset(self, idx: Array, sy: Array, sx: Array) -> Array:
        total = np.zeros(len(idx), dtype=np.float32)
        pad = self.padded
        ys, xs = self.ys[idx], self.xs[idx]
        for dy, dx in OFFSETS:
            diff = pad[ys + dy + R, xs + dx + R] - pad[sy + dy + R, sx + dx + R]
            total += np.einsum("ij,ij->i", diff, diff)
        return total

    def full_maps(self) -> tuple[Array, Array]:
        """Source coordinates for every pixel: known pixels map to themselves."""
        my, mx = np.mgrid[0 : self.h, 0 : self.w]
        my, mx = my.astype(np.int32), mx.astype(np.int32)
        my[self.ys, self.xs], mx[self.ys, self.xs] = self.sy, self.sx
        return my, mx

    def iterate(self, rounds: int) -> None:
        for _ in range(rounds):
            my, mx = self.full_maps()
            for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
                ny = np.clip(self.ys + dy, 0, self.h - 1)
                nx = np.clip(self.xs + dx, 0, self.w - 1)
                self._try(my[ny, nx] - dy, mx[ny, nx] - dx)
            radius = max(self.h, self.w)
            while radius >= 1:
                jy = self.rng.integers(-radius, radius + 1, len(self.ys))
                jx = self.rng.integers(-radius, radius + 1, len(self.ys))
                self._try(self.sy + jy, self.sx + jx)
                radius //= 2

    def vote(self, image: Array) -> Array:
        """Each hole pixel becomes the weighted mean of what the patches covering it would put there."""
        my, mx = self.full_maps()
        cost_map = np.zeros((self.h, self.w), dtype=np.float32)
        cost_map[self.ys, self.xs] = self.cost
        sigma = float(np.percentile(self.cost, 75)) + 1e-6
        acc = np.zeros((len(self.ys), 3), dtype=np.float32)
        weight = np.zeros(len(self.ys), dtype=np.float32)
        for dy, dx in OFFSETS:
            ny = np.clip(self.ys + dy, 0, self.h - 1)
            nx = np.clip(self.xs + dx, 0, self.w - 1)
            use = self.hole[ny, nx]
            sy = np.clip(my[ny, nx] - dy, 0, self.h - 1)
            sx = np.clip(mx[ny, nx] - dx, 0, self.w - 1)
            wgt = np.exp(-cost_map[ny, nx] / sigma).astype(np.float32) * use
            acc += image[sy, sx] * wgt[:, None]
            weight += wgt
        out = image.copy()
        fill = acc / np.maximum(weight, 1e-8)[:, None]
        keep = weight > 0
        out[self.ys[keep], self.xs[keep]] = fill[keep]
        return out


def synthesize(image: Array, hole: Array, rng: np.random.Generator, *, work_side: int = 200) -> Array:
    """Fills ``hole`` (bool) in ``image`` (float32 RGB 0..1): PatchMatch coarse to fine up to ``work_side``,
    then the field is scaled to full resolution and each hole pixel copies its source pixel there (no search,
    no averaging at full size, so the copied texture keeps its full detail)."""
    h, w = hole.shape
    scale = min(1.0, work_side / max(h, w))
    top = (max(PATCH * 3, round(w * scale)), max(PATCH * 3, round(h * scale)))
    levels = [top]
    while max(levels[0]) > 64:
        levels.insert(0, (max(PATCH * 3, levels[0][0] // 2), max(PATCH * 3, levels[0][1] // 2)))
    known = image * (~hole)[..., None]
    estimate: Array | None = None
    field: Field | None = None
    for depth, (lw, lh) in enumerate(levels):
        full = (lw, lh) == (w, h)
        lvl_hole = hole if full else cv2.resize(hole.astype(np.uint8), (lw, lh), interpolation=cv2.INTER_AREA) > 0
        lvl_img = known.copy() if full else cv2.resize(known, (lw, lh), interpolation=cv2.INTER_AREA)
        if estimate is None:
            seed = cv2.inpaint(
                (np.clip(lvl_img, 0, 1) * 255).astype(np.uint8), lvl_hole.astype(np.uint8), 3, cv2.INPAINT_TELEA
            )
            estimate = seed.astype(np.float32) / 255.0
        else:
            up = cv2.resize(estimate, (lw, lh), interpolation=cv2.INTER_LINEAR)
            estimate = np.where(lvl_hole[..., None], up, lvl_img)
        previous = field
        field = Field(estimate, lvl_hole, rng)
        if previous is not None:
            # Carry the coarser field up: scaled source coordinates are the best first guess here.
            py, px = previous.full_maps()
            up_y = cv2.resize(py.astype(np.float32), (lw, lh), interpolation=cv2.INTER_NEAREST)[field.ys, field.xs]
            up_x = cv2.resize(px.astype(np.float32), (lw, lh), interpolation=cv2.INTER_NEAREST)[field.ys, field.xs]
            field._try((up_y * lh / previous.h).astype(np.int64), (up_x * lw / previous.w).astype(np.int64))
        for _ in range(3 if depth == 0 else 2):
            field.iterate(2)
            estimate = field.vote(estimate)
            field.set_image(estimate)
    assert field is not None and estimate is not None
    return copy_at_full_size(image, hole, field, rng)


def copy_at_full_size(image: Array, hole: Array, field: Field, rng: np.random.Generator) -> Array:
    """Each full-size hole pixel copies the full-size pixel its working-size cell's source points to, keeping its
    offset inside the cell, so neighbouring pixels copy neighbouring pixels and the texture keeps its full detail.

    Where neighbouring cells copy from different places, there is a seam; on the cell grid those seams would be
    straight lines a cell apart, which read as square blocks. The boundaries between cells are therefore moved by
    a smooth random field of up to half a cell: the seams follow irregular curves, as between natural patches."""
    h, w = hole.shape
    my, mx = field.full_maps()
    ys, xs = np.nonzero(hole)
    fy, fx = field.h / h, field.w / w
    wobble = []
    for _ in range(2):
        coarse = cv2.GaussianBlur(rng.standard_normal((field.h + 1, field.w + 1)).astype(np.float32), (0, 0), 0.7)
        coarse = (coarse / max(float(coarse.std()), 1e-6)).astype(np.float32)
        fine = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
        wobble.append(np.clip(fine[ys, xs] * 0.35, -0.5, 0.5))
    wy = np.clip(np.floor(ys * fy + wobble[0] + 0.5 * fy), 0, field.h - 1).astype(np.int64)
    wx = np.clip(np.floor(xs * fx + wobble[1] + 0.5 * fx), 0, field.w - 1).astype(np.int64)
    sy = np.round(ys + (my[wy, wx] - wy) / fy).astype(np.int64)
    sx = np.round(xs + (mx[wy, wx] - wx) / fx).astype(np.int64)
    ok = (sy >= 0) & (sy < h) & (sx >= 0) & (sx < w)
    ok[ok] = ~hole[sy[ok], sx[ok]]
    out = image.copy()
    out[ys[ok], xs[ok]] = image[sy[ok], sx[ok]]
    return out
