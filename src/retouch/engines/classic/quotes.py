"""Quoted text in a prompt (what a text overlay writes), found in one pass.

A regular expression such as ``“([^”]+)”`` is quadratic on a prompt of unmatched openers: every opener scans to the
end before failing. This scanner looks for each closer once per opener and, when a kind of quote has no closer left,
stops looking for that kind, so its cost is linear in the prompt's length.
"""

from __future__ import annotations

import re

_PAIRS = {'"': '"', "“": "”", "‘": "’"}


def _is_lower(text: str, index: int) -> bool:
    return 0 <= index < len(text) and "a" <= text[index] <= "z"


_MARKER = re.compile("qtext", re.IGNORECASE)


def _outside(text: str) -> str:
    """Text outside quotes, with any "qtext" the person typed split, so it can not pose as a marker."""
    return _MARKER.sub("q text", text)


def pull_quotes(prompt: str) -> tuple[str, list[str]]:
    """The prompt with each quoted span replaced by `` qtextN `` and the spans, verbatim, in order.

    Straight single quotes only count when they are not apostrophes: the opener is not preceded by a lower-case
    letter and the closer not followed by one ("it's" is not a quote, 'Paris' is)."""
    pieces: list[str] = []
    quotes: list[str] = []
    dead: set[str] = set()
    start = i = 0
    n = len(prompt)
    while i < n:
        char = prompt[i]
        end = -1
        if char in _PAIRS and char not in dead:
            end = prompt.find(_PAIRS[char], i + 1)
            if end < 0:
                dead.add(char)
        elif char == "'" and "'" not in dead and not _is_lower(prompt, i - 1):
            end = prompt.find("'", i + 1)
            if end < 0:
                dead.add("'")
            elif _is_lower(prompt, end + 1):
                end = -1
        if end > i + 1:
            pieces.append(_outside(prompt[start:i]))
            pieces.append(f" qtext{len(quotes)} ")
            quotes.append(prompt[i + 1 : end])
            start = i = end + 1
            continue
        i += 1
    pieces.append(_outside(prompt[start:]))
    return "".join(pieces), quotes
