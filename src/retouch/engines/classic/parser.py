# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Prompt → Plan. Splits the prompt into clauses, reads each with the phrase table, and refuses (with the exact
words it could not place) rather than guess: a wrong edit is worse than a clear "no"."""

from __future__ import annotations

import re

from ...errors import EngineRefusal, InputError
from .grammar import OP_WORDS, RULES, is_text_modifier, text_params
from .plan import Plan, Step
from .quotes import pull_quotes
from .refusals import refusal_for
from .vocabulary import AMOUNT_WORDS, COLOUR_RE, FILLER

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
# Limits that keep one prompt's cost small and bounded (the parser runs before a request is queued). Every pass
# below is linear in the prompt's length; the caps bound the constant.
MAX_PROMPT_CHARS = 8000
MAX_CLAUSES = 24
MAX_INSTRUCTION_CHARS = 400
MAX_STEPS = 24
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
    text, quotes = pull_quotes(prompt)
    text = text.lower()
    for pattern, replacement in _SYNONYMS:
        text = re.sub(pattern, replacement, text)
    return text.strip(), quotes


# A number only starts where a digit run starts (the lookbehind): unanchored, the search would retry at every digit
# of a long run and rescan the rest of it each time (quadratic).
_PERCENT_RE = re.compile(r"(?<![\d.])(by )?-?\d+(\.\d+)? ?(%|percent)")


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
    lowered = original.lower()
    at = lowered.find(words) if len(lowered) == len(original) else -1
    text = original[at : at + len(words)] if at >= 0 else words
    rest = clause[: match.start("text")] + clause[match.end("text") :]
    return Step("text", text_params(rest, {"text": text}), clause)


def _text_step(clause: str, quotes: list[str]) -> Step | None:
    marker = re.search(r"qtext(\d+)", clause)
    if marker is None or not (_TEXT_VERB.search(clause) or re.search(r"\btext\b", clause)):
        return None
    params = text_params(clause, {"text": quotes[int(marker.group(1))]})
    return Step("text", params, clause)


def _read_clause(clause: str) -> tuple[list[Step], list[str]]:
    """One pass of each rule over the clause: its matches are consumed together (a rule that matches twice still
    makes one step), so the cost is rules × length, never a rescan per match."""
    steps: list[Step] = []
    rest = f" {clause} "
    for r in RULES:
        if any(s.op == r.op for s in steps):
            continue
        matches = list(r.pattern.finditer(rest))
        if not matches:
            continue
        steps.append(Step(r.op, r.build(matches[0], clause), clause.replace("blackwhite", "black and white")))
        kept, at = [], 0
        for match in matches:
            kept.append(rest[at : match.start()])
            at = match.end()
        kept.append(rest[at:])
        rest = " ".join(kept)
    named: set[str] = set().union(*(OP_WORDS.get(s.op, set()) for s in steps))
    return steps, [w for w in _leftover(rest) if w not in named]


def _check_limits(clauses: list[str]) -> None:
    if len(clauses) > MAX_CLAUSES:
        raise InputError(
            "prompt", f"the prompt has {len(clauses)} instructions; the classic engine takes at most {MAX_CLAUSES}"
        )
    longest = max((len(c) for c in clauses), default=0)
    if longest > MAX_INSTRUCTION_CHARS:
        raise InputError(
            "prompt",
            f"one instruction in the prompt is {longest} characters long; the classic engine reads at most "
            f"{MAX_INSTRUCTION_CHARS} characters per instruction (quoted text to write does not count)",
        )


def parse(prompt: str, *, num_inputs: int = 1, has_mask: bool = False) -> Plan:
    if not prompt or not prompt.strip():
        raise EngineRefusal("the prompt is empty: say what to change", capable_engines=[])
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InputError(
            "prompt",
            f"the prompt is {len(prompt)} characters long; the classic engine reads at most {MAX_PROMPT_CHARS}",
        )
    text, quotes = normalise(prompt)
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]
    _check_limits(clauses)
    steps: list[Step] = []
    failed: list[tuple[str, list[str]]] = []
    for clause in clauses:
        if steps and steps[-1].op == "text" and is_text_modifier(clause):
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
        raise refusal_for([(text[:MAX_INSTRUCTION_CHARS], [])], quotes, has_mask=has_mask, num_inputs=num_inputs)
    if len(steps) > MAX_STEPS:
        raise InputError(
            "prompt", f"the prompt asks for {len(steps)} steps; the classic engine runs at most {MAX_STEPS}"
        )
    return Plan(tuple(steps))
