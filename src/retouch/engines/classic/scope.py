# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Scope words: "the sky", "the background", "the shadows", "the greens", "everything except the red".

A scope restricts the operations of its clause to a region (found by a detector, or the mask), a tonal range or a
hue range; it never widens to the whole picture. A clause names at most one scope of each kind; two different
regions in one clause are refused rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HUES = {
    "red": "reds",
    "orange": "oranges",
    "yellow": "yellows",
    "green": "greens",
    "aqua": "aquas",
    "cyan": "aquas",
    "teal": "aquas",
    "turquoise": "aquas",
    "blue": "blues",
    "purple": "purples",
    "violet": "purples",
    "magenta": "magentas",
    "pink": "magentas",
    "skin": "skin",
}
_HUE = "|".join(sorted(HUES, key=len, reverse=True))
_PLURAL = "|".join(f"{w}s" for w in sorted(HUES, key=len, reverse=True) if w != "skin")
_KIND = r"(?:tones?|colou?rs?|hues?|areas?|parts?|shades?|ones?)"

_EXCEPT = re.compile(
    rf"\b(?:everything |all (?:the )?(?:other )?(?:colou?rs? )?)?(?:except|excluding) (?:for )?(?:the )?"
    rf"(?P<w>{_HUE})s?(?: {_KIND})?\b"
)
_RANGE = re.compile(
    rf"\b(?:(?:in|of|to|on) )?(?:(?:the|all the|any) )?(?:(?P<p>{_PLURAL})\b(?: {_KIND}\b)?|(?P<w>{_HUE})[ -]?{_KIND}\b)"
)
_REGIONS = {
    "background": r"back ?ground|backdrop|surroundings",
    "sky": r"sky|skies",
    "subject": r"(?:main )?subject|foreground|person|people",
    # "her face" names one person's face (refused when several are found); "the face", "their faces" every one.
    "face": r"(?:(?:her|his|my|your|their|our|everyone'?s|the people'?s) )?faces?",
    "shadows": r"shadows?|dark (?:areas|tones|parts)|darks|blacks|low ?lights",
    "highlights": r"highlights?|bright (?:areas|tones|parts)|brights|whites",
}
_REGION = re.compile(
    r"\b(?:(?:in|of|to|on|for|from|at) )?(?:the )?(?:"
    + "|".join(f"(?P<{name}>{words})" for name, words in _REGIONS.items())
    + r")\b"
)
TONAL = ("shadows", "highlights")


@dataclass(frozen=True)
class Scope:
    region: str | None = None  # background | sky | subject | face | one face | shadows | highlights
    hue: str | None = None  # reds … magentas, skin: only this hue range changes
    keep: str | None = None  # colour splash: everything but this hue range loses its colour
    problem: str | None = None

    def __bool__(self) -> bool:
        return bool(self.region or self.hue or self.keep)


def extract(text: str) -> tuple[str, Scope]:
    """The clause without its scope words, and the scope they named."""
    keep = hue = region = problem = None
    match = _EXCEPT.search(text)
    if match:
        keep = HUES[match.group("w")]
        text = text[: match.start()] + " " + text[match.end() :]
    found = list(_RANGE.finditer(text))
    if found:
        names = {HUES[(m.group("p") or "")[:-1] or m.group("w")] for m in found}
        hue = names.pop() if len(names) == 1 else None
        problem = None if hue else "two colour ranges"
        text = _RANGE.sub(" ", text)
    regions = list(_REGION.finditer(text))
    if regions:
        names = {_region_name(m) for m in regions}
        region = names.pop() if len(names) == 1 else None
        problem = problem or (None if region else "two regions")
        text = _REGION.sub(" ", text)
    return text, Scope(region, hue, keep, problem)


def _region_name(match: re.Match[str]) -> str:
    name = next(k for k, v in match.groupdict().items() if v)
    if name == "face" and re.search(r"\b(?:her|his|my|your) face\b", match.group(0)):
        return "one face"
    return name
