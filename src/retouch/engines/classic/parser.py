# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Prompt → Plan. Splits the prompt into clauses, reads each with the phrase table, and refuses (with the exact
words it could not place) rather than guess: a wrong edit is worse than a clear "no"."""

from __future__ import annotations

import re

from ...errors import EngineRefusal
from .grammar import OP_WORDS, RULES, TEXT_MODIFIERS, text_params
from .plan import Plan, Step
from .refusals import refusal_for
from .vocabulary import AMOUNT_WORDS, COLOUR_RE, FILLER

_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<![a-z])'([^']+)'(?![a-z])")
_CLAUSE_SPLIT = re.compile(
    r"\s*(?:[,;!?]|\.(?!\d)|\band then\b|\bthen\b|\band also\b|\band\b|\bplus\b|\balso\b|\bafter that\b|\bfinally\b"
    r"|\bwhile\b|\bas well as\b|\bfollowed by\b)\s*"
)
_TEXT_VERB = re.compile(r"\b(add|write|put|place|overlay|insert|caption|label|title|stamp|watermark|type|print|say)\b")
_SYNONYMS = [
    (r"\bb\s*[&/]\s*w\b|\bblack\s*(?:&|and|-and-|n)\s*white\b|\bblack-and-white\b|\bbnw\b", "blackwhite"),
    (r"\bcolour", "colour"),
    (r"&", " and "),
    (r"\s+", " "),
]
_ALLOWED = FILLER | {"%", "percent", "degrees", "deg", "tone", "tones", "look", "mood", "effect", "vibe", "feel"}
_AMOUNT_RE = re.compile("|".join(p for p, _ in AMOUNT_WORDS))
MAX_CLAUSES = 24
# Removal names an object we cannot see; with a mask, the mask says what it is, so the whole clause is the removal.
_REMOVE = re.compile(
    r"\b(remove|erase|delete|get rid of|take out|take away|clean up|eliminate|retouch out|inpaint|fill (in )?the (masked|white|marked) (area|part|region)|fill (it|the hole))\b"
)
_NOT_REMOVAL = re.compile(
    r"\b((remove|erase|delete|get rid of|take out|take away|clean up|eliminate)( the)? (back ?ground|backdrop|surroundings)\b"
    r"|colou?rs?\b|colou?r cast|noise|grain|red ?eye)"
)
# With a mask, words that only point at it ("the masked area", "the selection") say where, not what.
_MASK_WORDS = {
    "masked",
    "mask",
    "area",
    "region",
    "selected",
    "selection",
    "marked",
    "part",
    "inside",
    "within",
    "only",
    "white",
    "painted",
    "highlighted",
}


def normalise(prompt: str) -> tuple[str, list[str]]:
    """Lower-cases, pulls out quoted text (kept verbatim as qtextN) and folds synonyms that contain 'and'."""
    quotes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        quotes.append(next(g for g in match.groups() if g is not None))
        return f" qtext{len(quotes) - 1} "

    text = _QUOTED.sub(keep, prompt)
    text = text.lower()
    for pattern, replacement in _SYNONYMS:
        text = re.sub(pattern, replacement, text)
    return text.strip(), quotes


_PERCENT_RE = re.compile(r"\bby -?\d+(\.\d+)? ?(%|percent)|-?\d+(\.\d+)? ?(%|percent)")


def _leftover(clause: str) -> list[str]:
    rest = _AMOUNT_RE.sub(" ", _PERCENT_RE.sub(" ", clause))
    words = re.findall(r"[a-z0-9#'%+-]+", rest)
    return [w for w in words if w not in _ALLOWED and w.strip("'") not in _ALLOWED]


_UNQUOTED_TEXT = re.compile(
    r"^(?:please )?(?:write|caption|(?:add|put|place|overlay) (?:the |a |some )?(?:text|caption|title|label|words?)"
    r"(?: that says| saying| reading| which says)?)\s+(?P<text>.+?)"
    r"(?=\s+(?:at|in|on|to|along|across|near)\s+(?:the\s+)?(?:top|bottom|upper|lower|center|centre|middle|left|right)\b"
    rf"|\s+in\s+(?:{COLOUR_RE})\b|\s+(?:in\s+)?(?:large|small|big|huge|tiny|bold)\b|\s*$)"
)


def _unquoted_text(clause: str, original: str) -> Step | None:
    """``write Hello World at the top``: the words after the verb, in the prompt's own letter case."""
    match = _UNQUOTED_TEXT.match(clause)
    if match is None:
        return None
    words = match.group("text").strip()
    found = re.search(re.escape(words), original, re.IGNORECASE)
    text = found.group(0) if found else words
    rest = clause[: match.start("text")] + clause[match.end("text") :]
    return Step("text", text_params(rest, {"text": text}), clause)


def _text_step(clause: str, quotes: list[str]) -> Step | None:
    marker = re.search(r"qtext(\d+)", clause)
    if marker is None or not (_TEXT_VERB.search(clause) or re.search(r"\btext\b", clause)):
        return None
    params = text_params(clause, {"text": quotes[int(marker.group(1))]})
    return Step("text", params, clause)


def _read_clause(clause: str) -> tuple[list[Step], list[str]]:
    steps: list[Step] = []
    rest = f" {clause} "
    for r in RULES:
        if any(s.op == r.op for s in steps):
            continue
        match = r.pattern.search(rest)
        while match is not None:
            steps.append(Step(r.op, r.build(match, clause), clause.replace("blackwhite", "black and white")))
            rest = rest[: match.start()] + " " + rest[match.end() :]
            match = r.pattern.search(rest)
    named: set[str] = set().union(*(OP_WORDS.get(s.op, set()) for s in steps))
    return steps, [w for w in _leftover(rest) if w not in named]


def parse(prompt: str, *, num_inputs: int = 1, has_mask: bool = False) -> Plan:
    if not prompt or not prompt.strip():
        raise EngineRefusal("the prompt is empty: say what to change", capable_engines=[])
    text, quotes = normalise(prompt)
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]
    if len(clauses) > MAX_CLAUSES:
        raise EngineRefusal(
            f"the prompt has {len(clauses)} instructions; the classic engine takes at most {MAX_CLAUSES}"
        )
    steps: list[Step] = []
    failed: list[tuple[str, list[str]]] = []
    for clause in clauses:
        if steps and steps[-1].op == "text" and TEXT_MODIFIERS.match(clause):
            steps[-1] = Step("text", text_params(clause, dict(steps[-1].params)), steps[-1].words + ", " + clause)
            continue
        if _REMOVE.search(clause) and not _NOT_REMOVAL.search(clause):
            if has_mask:
                steps.append(Step("remove", {}, clause))
            else:
                failed.append(
                    (clause, [w for w in _leftover(clause) if w not in ("remove", "erase", "delete")] or ["remove"])
                )
            continue
        text_step = _text_step(clause, quotes) or _unquoted_text(clause, prompt)
        if text_step is not None:
            steps.append(text_step)
            continue
        found, unknown = _read_clause(clause)
        if has_mask and found:
            unknown = [w for w in unknown if w not in _MASK_WORDS]
        if unknown:
            failed.append((clause, unknown))
        steps.extend(found)
    if failed:
        raise refusal_for(failed, quotes, has_mask=has_mask, num_inputs=num_inputs)
    if not steps:
        raise refusal_for([(text, [])], quotes, has_mask=has_mask, num_inputs=num_inputs)
    return Plan(tuple(steps))
