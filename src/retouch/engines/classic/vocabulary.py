"""Words the parser understands beyond operation names: amounts, colours, positions, filler.

Amounts are multipliers of an operation's default strength: "slightly" halves it, "much" nearly doubles it,
"by 20%" sets it exactly (the operation decides what 20% means for it).
"""

from __future__ import annotations

import re

AMOUNT_WORDS: list[tuple[str, float]] = [
    (r"\b(a tiny bit|very slightly|barely|a touch)\b", 0.3),
    (r"\b(slightly|a bit|a little( bit)?|somewhat|subtly|subtle|gently|mildly|a tad|lightly)\b", 0.5),
    (r"\b(much|a lot|lots|very|strongly|significantly|heavily|way|really|considerably|dramatically)\b", 1.8),
    (r"\b(extremely|massively|hugely|super|intensely)\b", 2.5),
]
_PERCENT = re.compile(r"\bby (?P<pct>-?\d+(?:\.\d+)?) ?(%|percent)")

COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "red": (220, 30, 30),
    "green": (30, 170, 60),
    "blue": (30, 80, 220),
    "yellow": (250, 220, 30),
    "orange": (250, 140, 20),
    "purple": (130, 50, 180),
    "violet": (140, 80, 220),
    "pink": (245, 120, 180),
    "magenta": (230, 30, 200),
    "cyan": (30, 210, 230),
    "teal": (0, 128, 128),
    "turquoise": (64, 224, 208),
    "brown": (130, 80, 40),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "gold": (212, 175, 55),
    "navy": (20, 30, 110),
    "maroon": (128, 0, 0),
    "olive": (128, 128, 0),
    "lime": (120, 230, 40),
    "beige": (235, 225, 200),
    "cream": (255, 250, 220),
    "ivory": (255, 255, 240),
    "crimson": (200, 20, 60),
    "coral": (255, 127, 80),
    "salmon": (250, 128, 114),
    "indigo": (75, 0, 130),
    "lavender": (200, 180, 240),
    "mint": (170, 240, 200),
    "sky blue": (120, 190, 240),
    "light blue": (170, 210, 245),
    "dark blue": (10, 30, 120),
    "light gray": (210, 210, 210),
    "light grey": (210, 210, 210),
    "dark gray": (64, 64, 64),
    "dark grey": (64, 64, 64),
    "dark green": (10, 90, 30),
    "light green": (150, 230, 150),
}
_COLOUR_NAMES = sorted(COLOURS, key=len, reverse=True)
COLOUR_RE = r"(?:#[0-9a-f]{6}\b|#[0-9a-f]{3}\b|" + "|".join(re.escape(n) for n in _COLOUR_NAMES) + r")"

POSITIONS = {
    "top left": (0.0, 0.0),
    "top center": (0.5, 0.0),
    "top right": (1.0, 0.0),
    "center left": (0.0, 0.5),
    "center": (0.5, 0.5),
    "center right": (1.0, 0.5),
    "bottom left": (0.0, 1.0),
    "bottom center": (0.5, 1.0),
    "bottom right": (1.0, 1.0),
}
POSITION_RE = (
    r"(?:(?:top|bottom|upper|lower)[ -](?:left|right|center|centre|middle)|(?:center|centre|middle)[ -](?:left|right)"
    r"|top|bottom|center|centre|middle|left|right)"
)

ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "1st": 0, "2nd": 1, "3rd": 2, "4th": 3}

# Words that carry no instruction of their own ("make it a bit warmer please" = "warmer").
FILLER = set(
    """
    a an the it its it's this that these those image images photo photos picture pictures pic shot whole entire
    please pls kindly can could would you i want wish like to make made making do give apply add put turn set use
    me my our us some bit little more less very much slightly just also too so then now again look looking
    of on in at with by for into onto from as and or but overall entire all everything version little
    is be should get got have has let lets let's effect filter style tone tones colour color colors colours
    quite rather way lot lots somewhat really kind sort touch tad nice nicer good great up down over out bit
    please. thanks thank convert change transform switch render adjust fix correct improve increase decrease
    reduce raise lower boost enhance grade edit modify tweak bump go ever slight them both was were been
    """.split()
)


def amount(text: str, default: float = 1.0) -> float:
    """The strength multiplier the words ask for (1 when they do not say)."""
    for pattern, value in AMOUNT_WORDS:
        if re.search(pattern, text):
            return value
    return default


def percent(text: str) -> float | None:
    match = _PERCENT.search(text)
    return float(match.group("pct")) / 100 if match else None


def colour(text: str) -> tuple[int, int, int] | None:
    hex_match = re.search(r"#([0-9a-f]{6}|[0-9a-f]{3})\b", text)
    if hex_match:
        h = hex_match.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    for name in _COLOUR_NAMES:
        if re.search(rf"\b{re.escape(name)}\b", text):
            return COLOURS[name]
    return None


def position(text: str, default: str = "center") -> str:
    """A canonical position name ("top right", "bottom center", ...)."""
    match = re.search(POSITION_RE, text)
    if not match:
        return default
    words = match.group(0).replace("upper", "top").replace("lower", "bottom").replace("centre", "center")
    words = words.replace("middle", "center").replace("-", " ")
    parts = words.split()
    if len(parts) == 1:
        word = parts[0]
        return {"left": "center left", "right": "center right", "top": "top center", "bottom": "bottom center"}.get(
            word, "center"
        )
    vertical, horizontal = parts
    if vertical == "center":
        return f"center {horizontal}"
    return f"{vertical} {horizontal}"
