"""The phrase table: which words mean which operation, and how their parameters are read.

Rules are tried in order on each clause: first the ``early`` ones, which name a region themselves ("blur the
background", "replace the sky with a sunset", "crop to the person"); then the clause's scope words are taken out
("make the sky darker" → region sky); then the ``general`` rules, then the signed adjustments (``adjust.py``). A
rule's match is consumed; whatever words remain must be filler or the clause is not understood.

The phrases themselves live in the ``phrases_*`` modules, imported at the bottom in the order they are tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .vocabulary import amount, percent

Build = Callable[[re.Match[str], str], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    op: str
    pattern: re.Pattern[str]
    build: Build
    stage: str = "early"  # "early": before scope words are taken out; "general": after


RULES: list[Rule] = []

# Words that only name an operation already matched in the same clause ("increase exposure by 1 stop").
OP_WORDS: dict[str, set[str]] = {
    "exposure": {"exposure", "stop", "stops", "ev"},
    "brightness": {"brightness", "light"},
    "contrast": {"contrast"},
    "saturation": {"saturation", "colors", "colours"},
    "vibrance": {"vibrance"},
    "warmth": {"warmth", "temperature"},
    "blur": {"blur", "radius", "px", "pixels"},
    "grain": {"grain", "noise"},
    "denoise": {"noise", "grain"},
    "resize": {"size", "px", "pixels"},
    "pad": {"border", "padding", "px", "pixels"},
    "rotate": {"degrees", "deg"},
    "hue_shift": {"hue", "hues", "degrees"},
    "posterize": {"levels"},
    "crop": {"crop"},
}


def rule(op: str, pattern: str, stage: str = "early") -> Callable[[Build], Build]:
    def wrap(build: Build) -> Build:
        RULES.append(Rule(op, re.compile(pattern), build, stage))
        return build

    return wrap


def amt(clause: str) -> dict[str, Any]:
    """The strength words of a clause as parameters: ``percent`` ("by 20%") or ``amount`` ("slightly" = 0.5)."""
    pct = percent(clause)
    if pct is not None:
        return {"percent": pct}
    value = amount(clause)
    return {} if value == 1.0 else {"amount": value}


def share(clause: str, default: float = 0.25) -> dict[str, Any]:
    """A share of the image ("by 30%", or the default scaled by the amount words)."""
    pct = percent(clause)
    if pct is None:
        match = re.search(r"(?<![\d.])(\d+(?:\.\d+)?) ?(?:%|percent)", clause)
        pct = float(match.group(1)) / 100 if match else None
    if pct is not None:
        return {"share": min(0.9, abs(pct))}
    value = amount(clause)
    return {} if value == 1.0 else {"share": round(min(0.9, default * value), 4)}


def stage(name: str) -> list[Rule]:
    return [r for r in RULES if r.stage == name]


_amt = amt  # the name phrase modules written before the split use


from . import phrases_regions, phrases_colour, phrases_looks, phrases_geometry  # noqa: E402,F401,I001
