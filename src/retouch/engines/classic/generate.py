"""Text-to-image, honestly: the classic engine draws only what needs no imagination — solid colours, gradients,
patterns (stripes, checkerboard, dots, grid) and text cards — and refuses any other subject."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from PIL import Image

from ...errors import EngineRefusal
from .ops import OpContext
from .ops_text import text as draw_text
from .parser import normalise
from .vocabulary import COLOUR_RE, colour

_PATTERNS = r"(?P<pattern>checker(ed|board)|stripes|striped|polka[ -]?dots?|dots|grid)"
_FILLER = set(
    "a an the of with and in on to from into image picture background plain solid simple flat colou?r color "
    "colored coloured make draw create generate render give me please fill filled just only that says saying "
    "reads reading text card sign title written words pattern horizontal vertical diagonal radial linear "
    "left right top bottom center centre gradient fading fade going".split()
)


def _colours(text: str) -> list[tuple[int, int, int]]:
    found = []
    for match in re.finditer(COLOUR_RE, text):
        value = colour(match.group(0))
        if value is not None:
            found.append(value)
    return found


def plan_generation(prompt: str) -> dict[str, Any]:
    """What to draw, or EngineRefusal naming the words that would need a generative engine."""
    text, quotes = normalise(prompt)
    colours = _colours(text)
    leftover = re.sub(COLOUR_RE, " ", text)
    leftover = re.sub(_PATTERNS, " ", leftover)
    leftover = re.sub(r"qtext\d+|\d+", " ", leftover)
    unknown = [
        w for w in re.findall(r"[a-z']+", leftover) if w not in _FILLER and not re.fullmatch(r"colou?r(ed|s)?", w)
    ]
    if unknown or not (colours or quotes):
        raise EngineRefusal(
            f"The classic engine cannot draw {', '.join(repr(w) for w in unknown[:12]) or 'this'}: from text alone it "
            "draws only solid colours, gradients, patterns (stripes, checkerboard, dots, grid) and text cards. "
            "Drawing a scene or an object needs a generative engine (diffusers, openai).",
            not_understood=unknown,
            capable_engines=["diffusers", "openai"],
        )
    pattern = re.search(_PATTERNS, text)
    kind = (
        "text"
        if quotes
        else "pattern"
        if pattern
        else "gradient"
        if "gradient" in text or len(colours) > 1
        else "solid"
    )
    direction = (
        "radial" if "radial" in text else "vertical" if re.search(r"top|bottom|vertical", text) else "horizontal"
    )
    return {
        "kind": kind,
        "colours": colours or [(20, 24, 40)],
        "pattern": pattern.group("pattern") if pattern else None,
        "direction": direction,
        "text": quotes[0] if quotes else None,
    }


def draw(spec: dict[str, Any], size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    w, h = size
    cols = [np.array(c, dtype=np.float32) / 255 for c in spec["colours"]]
    first, second = cols[0], cols[1] if len(cols) > 1 else (1.0 - cols[0]) * 0.2 + cols[0] * 0.8
    if spec["kind"] == "gradient" or (spec["kind"] == "text" and len(cols) > 1):
        if spec["direction"] == "radial":
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            t = np.sqrt(((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2) / np.sqrt(2)
        elif spec["direction"] == "vertical":
            t = np.repeat(np.linspace(0, 1, h, dtype=np.float32)[:, None], w, axis=1)
        else:
            t = np.repeat(np.linspace(0, 1, w, dtype=np.float32)[None, :], h, axis=0)
        img = first * (1 - t[..., None]) + second * t[..., None]
    elif spec["kind"] == "pattern":
        yy, xx = np.mgrid[0:h, 0:w]
        cell = max(8, min(w, h) // 12)
        name = spec["pattern"]
        if name.startswith("checker"):
            on = ((xx // cell) + (yy // cell)) % 2 == 0
        elif name.startswith("stripe"):
            on = (xx // cell) % 2 == 0 if spec["direction"] != "vertical" else (yy // cell) % 2 == 0
        elif name == "grid":
            on = ~((xx % cell < max(1, cell // 10)) | (yy % cell < max(1, cell // 10)))
        else:
            cx, cy = xx % cell - cell / 2, yy % cell - cell / 2
            on = cx * cx + cy * cy > (cell * 0.3) ** 2
        img = np.where(on[..., None], first, second)
    else:
        img = np.broadcast_to(first, (h, w, 3))
    out = np.ascontiguousarray(img, dtype=np.float32)
    if spec["kind"] == "text" and spec["text"]:
        ink = (255, 255, 255) if float(first.mean()) < 0.55 else (20, 20, 20)
        params = {"text": spec["text"], "position": "center", "size": "huge", "colour": ink}
        out = draw_text(out, params, OpContext(rng=rng))
    return Image.fromarray((np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")
