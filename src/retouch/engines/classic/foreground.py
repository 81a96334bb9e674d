"""Finding the subject without a mask: GrabCut seeded with a centre prior, solved on a reduced copy and carried up
to full size, with checks that refuse (asking for a mask) when the answer is doubtful.

No model download is needed. It works for the common photo with one subject near the middle on a background
that differs from it; a scene without a clear subject is refused rather than guessed.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...errors import EngineRefusal

WORK_SIDE = 320


def find_foreground(rgb: np.ndarray) -> np.ndarray:
    """Soft foreground alpha (float32 0..1, H x W) of a float32 RGB image, or EngineRefusal when unsure.
    A person (a face is found) is segmented by the selfie network; anything else by GrabCut."""
    from .person import person_alpha

    person = person_alpha(rgb)
    if person is not None and 0.03 <= float((person > 0.5).mean()) <= 0.9:
        return person
    h, w = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(rgb, (max(8, round(w * scale)), max(8, round(h * scale))), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    img8 = (np.clip(small, 0, 1) * 255).astype(np.uint8)
    mask = np.full((sh, sw), cv2.GC_PR_BGD, np.uint8)
    mx, my = max(1, sw // 10), max(1, sh // 12)
    mask[my : sh - my // 2, mx : sw - mx] = cv2.GC_PR_FGD
    mask[:2, :] = mask[:, :2] = mask[:, -2:] = cv2.GC_BGD
    cy, cx = sh // 2, sw // 2
    mask[cy - sh // 8 : cy + sh // 8, cx - sw // 10 : cx + sw // 10] = cv2.GC_FGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(img8, mask, (0, 0, 1, 1), bgd, fgd, 5, cv2.GC_INIT_WITH_MASK)  # rect unused with a mask
    fg = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    fg = _largest_component(fg)
    _check(small, fg)
    soft = cv2.GaussianBlur(fg.astype(np.float32), (0, 0), 1.2)
    alpha = cv2.resize(soft, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip((alpha - 0.5) * 2.5 + 0.5, 0, 1).astype(np.float32)


def _largest_component(fg: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    if count <= 1:
        return fg
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return (labels == best).astype(np.uint8)


def _check(small: np.ndarray, fg: np.ndarray) -> None:
    share = float(fg.mean())
    lab = cv2.cvtColor(small.astype(np.float32), cv2.COLOR_RGB2Lab)
    inside, outside = lab[fg > 0], lab[fg == 0]
    contrast = (
        float(np.linalg.norm(inside.mean(axis=0) - outside.mean(axis=0))) if len(inside) and len(outside) else 0.0
    )
    border = np.concatenate([fg[0], fg[-1], fg[:, 0], fg[:, -1]]).mean()
    if not 0.04 <= share <= 0.85 or contrast < 8.0 or border > 0.35:
        raise EngineRefusal(
            "the classic engine could not tell the subject from the background with confidence "
            f"(subject share {share:.0%}, colour contrast {contrast:.0f}); send a mask (white = background) to say "
            "which part is background, or use a generative engine",
            not_understood=["background"],
            capable_engines=["diffusers", "openai"],
        )
