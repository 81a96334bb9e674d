# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Colour phrases that name a colour as a thing: a cast to remove, one hue turned into another, a colour splash.

They run before scope words are taken out, because "a green colour cast" or "keep only the red" would otherwise
read as a hue range.
"""

from __future__ import annotations

import re
from typing import Any

from .grammar import amt, rule
from .scope import HUES
from .vocabulary import COLOUR_RE, COLOURS

_HUE = "|".join(sorted(HUES, key=len, reverse=True))
CAST_COLOURS = "red|green|blue|yellow|orange|magenta|pink|purple|cyan|teal"
_CAST_NAMES = {"pink": "magenta", "teal": "cyan", "purple": "magenta"}


def cast_name(word: str) -> str:
    return _CAST_NAMES.get(word, word)


@rule(
    "auto_white_balance",
    rf"\b(?:(?:has|have|with|there is|got|remove|fix|correct|neutrali[sz]e|get rid of|take out)(?: (?:the|a|an|this|that|some))? )(?P<c>{CAST_COLOURS})(?:ish)? (?:colou?r )?(?:tint|tinge|cast)\b|\b(?:an? |the )?(?P<c2>{CAST_COLOURS})(?:ish)? (?:colou?r )?cast\b",
)
def _cast(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {"cast": cast_name(m.group("c") or m.group("c2"))}


@rule(
    "selective_colour",
    rf"\b(?:change|turn|make|shift|convert|replace|swap)(?: (?:the|all the|all))? (?P<from>{_HUE})s?(?: (?:colou?rs?|tones?|parts?|areas?|ones?|hues?))? (?:to|into|with|for) (?:an? |the |some )?(?P<to>{COLOUR_RE})(?: (?:colou?rs?|tones?|ones?|hues?))?\b",
)
def _recolour_hue(m: re.Match[str], clause: str) -> dict[str, Any]:
    """ "change orange colour to a mint green colour": every orange in the picture takes the new hue."""
    target = m.group("to")
    return {"range": HUES[m.group("from")], "channel": "hue", "toward": target, **amt(clause)}


@rule(
    "colour_splash",
    rf"\b(?:colou?r[ -]?splash(?:ed)?(?: (?:on|of|with|for|in))?(?: the)? (?P<c>{_HUE})s?(?: colou?rs?| tones?| ones?)?|(?:keep|leave|preserve|retain)(?: only| just)?(?: the)?(?: colou?rs? of the| colou?r of the)? (?P<c2>{_HUE})s?(?: colou?rs?| tones?| ones?| parts?)?(?: only| in colou?r| colou?red)?|only(?: keep| leave)?(?: the)? (?P<c3>{_HUE})s?(?: colou?rs?| tones?| ones?)? (?:in colou?r|colou?red|stays?|remains?))\b",
)
def _splash(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {"keep": HUES[m.group("c") or m.group("c2") or m.group("c3")]}


def colour_name(text: str) -> str | None:
    """The colour a phrase names, as a key of COLOURS ("mint green" -> "mint")."""
    for name in sorted(COLOURS, key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}\b", text):
            return name
    return None
