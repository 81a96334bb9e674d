"""Face-finding recall and false alarms on the photographs the classic engine is tested with.

What anonymisation can promise depends on what the detector finds, so this measures it, as the engine searches
when anonymising (the tiled pyramid down to 40 px faces, every candidate confirmed by the mesh network), beside the
detector alone (no confirmation) as the baseline measured in the same run:

- recall on scikit-image's two photographs of people, on group photos built from their heads at sizes from 35 to
  190 px (mirrored or not, on photographs without faces), and on the hundred LFW face crops at four sizes;
- false alarms on scikit-image's photographs without people (a cat, a coffee cup, a rocket, textures ...).

    .venv/bin/python bench/eval_faces.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import face_photos as fp  # noqa: E402

from retouch.engines.classic.face_detect import detect  # noqa: E402
from retouch.engines.classic.faces import find_faces, smallest_face  # noqa: E402

cv2.setNumThreads(1)

GROUPS = [
    ((80, 140, 240, 400), "coffee"),
    ((60, 100, 160, 260, 380), "rocket"),
    ((90, 120, 150, 180, 210), "motorcycle_left"),
    ((250, 260, 270), "coffee"),
]
NO_PEOPLE = [
    "coffee",
    "chelsea",
    "rocket",
    "motorcycle_left",
    "hubble_deep_field",
    "immunohistochemistry",
    "brick",
    "grass",
    "gravel",
    "retina",
]


def sets() -> list[tuple[str, np.ndarray, list[fp.Box]]]:
    people = []
    for name, box in (("astronaut", (179, 70, 273, 177)), ("camera", (196, 128, 258, 194))):
        people.append((f"{name} 512", fp.rgb(name), [box]))
        big = cv2.resize(fp.rgb(name), (1024, 1024), interpolation=cv2.INTER_CUBIC)
        people.append((f"{name} 1024", big, [tuple(v * 2 for v in box)]))
    for widths, back in GROUPS:
        img, boxes = fp.group(widths, back=back)
        people.append((f"group {len(widths)} on {back}", img, boxes))
    for width in (40, 48, 64, 96):
        for start in (0, 50):
            img, boxes = fp.lfw_sheet(start, 50, width)
            people.append((f"lfw {width}px #{start // 50 + 1}", img, boxes))
    return people


def main() -> None:
    print("recall (faces found / faces there), engine search vs detector alone")
    totals = {"engine": [0, 0], "detector": [0, 0]}
    by_size: dict[int, list[int]] = {}
    for label, img, boxes in sets():
        start = time.perf_counter()
        found = [f.box for f in find_faces(img, "anonymise").faces]
        ms = (time.perf_counter() - start) * 1000
        raw = [d.box for d in detect(img, smallest_face=smallest_face(img.shape, "anonymise"))]
        hits, raw_hits = fp.matched(boxes, found), fp.matched(boxes, raw)
        extra = len(found) - sum(hits)
        print(
            f"{label:28s} {sum(hits):3d}/{len(boxes):3d}  (detector alone {sum(raw_hits):3d}, "
            f"{len(raw) - sum(raw_hits):2d} extra)  extra found {extra}  {ms:6.0f} ms"
        )
        totals["engine"][0] += sum(hits)
        totals["engine"][1] += len(boxes)
        totals["detector"][0] += sum(raw_hits)
        totals["detector"][1] += len(boxes)
        for box, hit in zip(boxes, hits, strict=True):
            width = int(box[2] - box[0])
            size_bin = next(b for b in (40, 60, 90, 130, 10_000) if width < b)
            by_size.setdefault(size_bin, [0, 0])
            by_size[size_bin][0] += hit
            by_size[size_bin][1] += 1
    for name, (hit, total) in totals.items():
        print(f"total recall, {name}: {hit}/{total} = {hit / total:.1%}")
    print("recall by face width (px):")
    low = 0
    for size_bin in sorted(by_size):
        hit, total = by_size[size_bin]
        print(f"  {low:4d}-{size_bin if size_bin < 10_000 else '':>4}: {hit}/{total} = {hit / total:.0%}")
        low = size_bin
    print("false alarms on photographs without people (engine search / detector alone):")
    alarms = raw_alarms = 0
    for name in NO_PEOPLE:
        img = cv2.resize(fp.rgb(name), (1024, 768), interpolation=cv2.INTER_AREA)
        found = find_faces(img, "anonymise").faces
        raw = detect(img, smallest_face=smallest_face(img.shape, "anonymise"))
        alarms += len(found)
        raw_alarms += len(raw)
        print(f"  {name:20s} {len(found)} / {len(raw)}")
    print(f"false alarms in {len(NO_PEOPLE)} photographs: engine {alarms}, detector alone {raw_alarms}")


if __name__ == "__main__":
    main()
