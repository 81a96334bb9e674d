# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Text overlays: a clause that writes text consumes itself (captions are described in many ways).

A text overlay is made only when the words to write are given (quoted, or after "write …"); "add the text on
image" or "add a caption" name no text and are refused. Changing text already in the picture ("change the text
'drive' to 'dive'") needs text recognition and is refused too.
"""

from __future__ import annotations

import re
from typing import Any

from .plan import Step
from .vocabulary import COLOUR_RE, colour, position

TEXT_VERB = re.compile(
    r"\b(add|write|put|place|overlay|insert|caption|label|title|stamp|watermark|type|print|say|draw)\b"
)
# Words a clause may hold when it only describes the text of the clause before ("…'SALE', in red, large").
_TEXT_MODIFIER_WORDS = set(
    """in at on with and a an the it make use font text size color colour of to large small big huge giant tiny medium
    bold outline outlined stroke shadow drop top bottom upper lower center centre middle left right corner side
    edge caption title label words letters writing""".split()
)
UNQUOTED_TEXT = re.compile(
    r"^(?:please )?(?:write|caption|(?:add|put|place|overlay) (?:the |a |some )?(?:text|caption|title|label|words?)"
    r"(?: that says| saying| reading| which says)?)\s+(?P<text>.+?)"
    r"(?=\s+(?:at|in|on|to|along|across|near)\s+(?:the\s+)?(?:top|bottom|upper|lower|center|centre|middle|left|right)\b"
    rf"|\s+in\s+(?:{COLOUR_RE})\b|\s+(?:in\s+)?(?:large|small|big|huge|tiny|bold)\b|\s*$)"
)
# The words after "write" are not a text to write when they only point somewhere or describe it.
_NOT_A_TEXT = re.compile(
    r"^(?:on|in|at|to|onto|over|across|along|near|into|something|anything|some|a|an|the|it|this|that|my|your|our|"
    r"his|her|their|text|words?|caption|title|label|name|date|logo|watermark|more|here|there)\b"
)
# Editing text already in the image: it would have to be read first.
TEXT_EDIT = re.compile(
    r"\b(change|replace|edit|fix|correct|translate|erase|delete|rotate|move|make|swap|spell|rewrite|update|enlarge|shrink|recolou?r)\b"
    r"[^.]{0,60}?\b(text|word|words|writing|lettering|letters|caption|title|label|sign|typo|font)\b"
)


def is_text_modifier(clause: str) -> bool:
    """True when every word of the clause is a colour or a text modifier. A word test, not one pattern with nested
    repetition: "top left top left … x" made such a pattern backtrack exponentially."""
    rest = re.sub(COLOUR_RE, " ", clause)
    words = rest.replace("-", " ").split()
    return (bool(words) or rest.strip() != clause.strip()) and all(w in _TEXT_MODIFIER_WORDS for w in words)


def text_params(clause: str, params: dict[str, Any]) -> dict[str, Any]:
    """Reads position, colour, size, outline and shadow wherever they appear in a text clause."""
    if re.search(r"\b(top|bottom|upper|lower|center|centre|middle|left|right)\b", clause):
        params["position"] = position(clause)
    found = colour(re.sub(r"qtext\d+", "", clause))
    if found is not None:
        params["colour"] = found
    size = re.search(r"\b(tiny|small|medium|large|big|huge|giant)\b", clause)
    if size:
        params["size"] = size.group(1)
    pixels = re.search(r"\b(\d+) ?(px|pt|pixels?)\b", clause)
    if pixels:
        params["pixels"] = int(pixels.group(1))
    if re.search(r"\b(outline[d]?|stroke|border)\b", clause):
        params["outline"] = True
    if re.search(r"\bshadow\b", clause):
        params["shadow"] = True
    return params


def unquoted_text(clause: str, original: str) -> Step | None:
    """``write Hello World at the top``: the words after the verb, in the prompt's own letter case."""
    match = UNQUOTED_TEXT.match(clause)
    if match is None or _NOT_A_TEXT.match(match.group("text")):
        return None
    words = match.group("text").strip()
    lowered = original.lower()
    at = lowered.find(words) if len(lowered) == len(original) else -1
    text = original[at : at + len(words)] if at >= 0 else words
    rest = clause[: match.start("text")] + clause[match.end("text") :]
    return Step("text", text_params(rest, {"text": text}), clause)


def quoted_text(clause: str, quotes: list[str]) -> Step | None:
    marker = re.search(r"qtext(\d+)", clause)
    if marker is None or not (TEXT_VERB.search(clause) or re.search(r"\btext\b", clause)):
        return None
    params = text_params(clause, {"text": quotes[int(marker.group(1))]})
    return Step("text", params, clause)
