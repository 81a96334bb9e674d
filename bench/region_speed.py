"""Region operations at 1024x1024 on one core, against OpenCV's Telea on the same input in the same run.

Targets (issues 10 and 21): a 15% rectangle filled in at most 3 s; thin (5 px) strokes in at most 0.5 s; 15% of
thick brush strokes (8..20 px) in at most 3 s; the canvas extended by a quarter (1024 -> 1280 wide) in at most 3 s.
Background extraction: at most 1.5 s.

    taskset -c 0 .venv/bin/python bench/region_speed.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from eval_inpaint import rect_mask, stroke_mask  # noqa: E402

from retouch.engines.classic.foreground import find_foreground  # noqa: E402
from retouch.engines.classic.inpaint import fill_holes  # noqa: E402

cv2.setNumThreads(1)


def timed(func: object, runs: int = 3) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    photo = np.asarray(Image.fromarray(data.astronaut()).resize((1024, 1024), Image.Resampling.LANCZOS))
    hole = rect_mask(1024, 1024, np.random.default_rng(5))
    strokes = np.zeros((1024, 1024), np.uint8)
    rng = np.random.default_rng(6)
    for _ in range(12):
        pts = rng.integers(0, 1024, (4, 2)).astype(np.int32)
        cv2.polylines(strokes, [pts], False, 1, 5)
    thin = strokes > 0
    thick = stroke_mask(1024, 1024, np.random.default_rng(7))
    # Canvas extension by a quarter: 128 px on the left and on the right, filled from the picture.
    wide = cv2.copyMakeBorder(photo, 0, 0, 128, 128, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    border = np.ones(wide.shape[:2], bool)
    border[:, 128:-128] = False
    rows = [
        ("15% rectangle", photo, hole, 3.0),
        (f"thin strokes ({thin.mean():.1%})", photo, thin, 0.5),
        (f"thick strokes ({thick.mean():.1%})", photo, thick, 3.0),
        ("extend by a quarter", wide, border, 3.0),
    ]
    print(f"{'case':28s} {'retouch s':>10s} {'telea s':>9s} {'ratio':>7s} {'target s':>9s}  ok")
    for label, image, mask, target in rows:
        ours = timed(lambda i=image, m=mask: fill_holes(i, m, seed=1))
        telea = timed(lambda i=image, m=mask: cv2.inpaint(i, m.astype(np.uint8), 3, cv2.INPAINT_TELEA))
        ok = "YES" if ours <= target else "NO"
        print(f"{label:28s} {ours:10.2f} {telea:9.2f} {ours / telea:7.1f} {target:9.1f}  {ok}")
    # Background extraction at 1024x1024 (target 1.5 s): a person (network) and another subject (GrabCut).
    person = photo.astype(np.float32) / 255
    canvas = np.full((1024, 1024, 3), (70, 140, 220), np.uint8)
    canvas[300:800, 250:750] = np.asarray(Image.fromarray(data.coffee()).resize((500, 500)))
    for label, rgb in (("foreground: person", person), ("foreground: object", canvas.astype(np.float32) / 255)):
        seconds = timed(lambda r=rgb: find_foreground(r))
        ok = "YES" if seconds <= 1.5 else "NO"
        print(f"{label:28s} {seconds:10.2f} {'':>9s} {'':>7s} {1.5:9.1f}  {ok}")


if __name__ == "__main__":
    main()
