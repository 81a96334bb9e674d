"""Direction words: which words set the sign of an adjustment, and how a complaint turns it around.

The sign of a step is never a default that filler words leave alone. A concept ("contrast", "warmer", "dark") has
an inherent polarity (+1, -1, or 0 for a plain noun); the direction words attached to it (``less``, ``tone down``,
``boost`` …) and a complaint ("too dark", "it looks flat") decide the final sign:

    sign = (polarity or +1) × (-1 if a DOWN word is attached) × (-1 if it is a complaint)

UP and DOWN words attached to the same concept, or a particle that contradicts its verb ("warm it down"), make the
clause ambiguous and it is refused. ``direction_label`` names the sign of any plan step for ``retouch plan``.
"""

from __future__ import annotations

from typing import Any

UP_WORDS = frozenset(
    """more increase increased increasing boost boosted raise raised higher stronger strengthen intensify intensified
    enhance amplify heighten maximise maximize extra add lift""".split()
)
DOWN_WORDS = frozenset(
    """less reduce reduced reducing lower lowered decrease decreased decreasing fewer weaken weaker lessen diminish
    minimise minimize tame mute cut drop remove subtler""".split()
)
# Multi-word direction phrases, folded into one token before reading ("tone down" -> "tone_down").
PHRASES = {
    "tone down": "DOWN",
    "dial back": "DOWN",
    "dial down": "DOWN",
    "bring down": "DOWN",
    "knock down": "DOWN",
    "turn down": "DOWN",
    "take down": "DOWN",
    "cut back": "DOWN",
    "pull back": "DOWN",
    "scale back": "DOWN",
    "calm down": "DOWN",
    "back off": "DOWN",
    "get rid of": "DOWN",
    "clean up": "DOWN",
    "take away": "DOWN",
    "not so": "DOWN",
    "not as": "DOWN",
    "not too": "DOWN",
    "turn up": "UP",
    "pump up": "UP",
    "punch up": "UP",
    "crank up": "UP",
    "bump up": "UP",
    "ramp up": "UP",
    "kick up": "UP",
    "jack up": "UP",
    "bring up": "UP",
    "bring out": "UP",
    "dial up": "UP",
    "a lot more": "UP",
}
# Verbs whose direction is the particle that follows them anywhere in the clause ("bring the brightness down").
PHRASAL_VERBS = frozenset("tone dial knock bring turn take pull crank pump bump punch ramp kick jack scale".split())
PARTICLES = {"up": "UP", "down": "DOWN", "back": "DOWN"}
# A copula followed by an adjective is a complaint about the picture as it is ("it looks flat" -> more contrast).
COPULAS = frozenset("is are 's 're was were looks look looking seems seem appears appear feels feel".split())
# Words that make the same clause a wish, not a complaint ("make it look brighter", "it should be brighter").
WISHES = frozenset("make want like need needs should could would can please give turn get let to".split())
INTENSIFIERS = frozenset("a bit little tad way far much very really so quite rather kind of slightly too".split())


def direction_of(token: str) -> str | None:
    """UP, DOWN, or None for a single token (phrases are folded to ``tone_down``-style tokens first)."""
    if token in UP_WORDS:
        return "UP"
    if token in DOWN_WORDS:
        return "DOWN"
    if "_" in token:
        return PHRASES.get(token.replace("_", " "))
    return None


def combine(polarity: int, modifiers: set[str], complaint: bool) -> int | None:
    """The sign of a concept given its attached direction words; None when they disagree with each other."""
    if "UP" in modifiers and "DOWN" in modifiers:
        return None
    sign = polarity or 1
    if "DOWN" in modifiers:
        sign = -sign
    return -sign if complaint else sign


# -- the direction a plan step was read in (for `retouch plan`, logs and tests) ------------------------------------


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def step_sign(op: str, params: dict[str, Any]) -> int:
    """+1 (more, up, counter-clockwise, larger), -1, or 0 when the operation has no direction."""
    direction = params.get("direction")
    if isinstance(direction, int | float) and not isinstance(direction, bool):
        return _sign(direction)
    if op == "exposure":
        return _sign(float(params.get("ev", 0)))
    if op == "rotate":
        return _sign(float(params.get("degrees", 0)))
    if op == "resize" and "factor" in params:
        return _sign(float(params["factor"]) - 1)
    if op == "tint":
        return 1 if params.get("toward", "magenta") == "magenta" else -1
    if "percent" in params:
        return _sign(float(params["percent"]))
    return 0


_LABELS = {
    "brightness": ("brighter", "darker"),
    "exposure": ("more exposure", "less exposure"),
    "contrast": ("more contrast", "less contrast"),
    "saturation": ("more saturated", "less saturated"),
    "vibrance": ("more vibrant", "less vibrant"),
    "warmth": ("warmer", "cooler"),
    "shadows": ("lift the shadows", "deepen the shadows"),
    "highlights": ("brighten the highlights", "bring down the highlights"),
    "tint": ("toward magenta", "toward green"),
    "rotate": ("counter-clockwise", "clockwise"),
    "resize": ("larger", "smaller"),
}


def direction_label(op: str, params: dict[str, Any]) -> str:
    """A few words saying which way a step goes ("darker", "clockwise", "less red"), or "" when it has no sign."""
    sign = step_sign(op, params)
    if not sign:
        return ""
    if op in ("colour_balance", "selective_colour"):
        what = params.get("toward") or params.get("channel", "")
        if op == "selective_colour":
            what = f"{params.get('channel', '')} of the {params.get('range', '')}"
        return f"{'more' if sign > 0 else 'less'} {what}".strip()
    up, down = _LABELS.get(op, ("up", "down"))
    return up if sign > 0 else down
