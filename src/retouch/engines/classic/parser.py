# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Prompt → Plan. Normalises the prompt, fixes typos, splits it into clauses, reads each (``clause.py``), then
makes the plan say each thing once: repeated requests are merged, contradictory ones ("brighter and darker") are
refused naming both. Anything it can not place is refused with the exact words: a wrong edit is worse than a no.

Every pass is linear in the prompt's length, and the limits below bound the constant.
"""

from __future__ import annotations

import re

from ...errors import EngineRefusal, InputError
from .clause import Clause, read_clause
from .phrases_text import is_text_modifier, text_params
from .plan import Plan, Step
from .polarity import step_sign
from .quotes import pull_quotes
from .refusals import refusal_for
from .scope import Scope
from .typos import correct
from .vocabulary import CONTRACTIONS

# Limits that keep one prompt's cost small and bounded (the parser runs before a request is queued).
MAX_PROMPT_CHARS = 8000
MAX_CLAUSES = 24
MAX_INSTRUCTION_CHARS = 400
MAX_STEPS = 24

_CLAUSE_SPLIT = re.compile(
    r"\s*([,;!?]|\.(?!\d)|\band then\b|\bthen\b|\band also\b|\band\b|\bplus\b|\balso\b|\bafter that\b|\bfinally\b"
    r"|\bwhile\b|\bas well as\b|\bfollowed by\b|\bbut\b|\bfirst\b|\bnext\b)\s*"
)
# Joins after which a clause without a scope of its own continues the one before ("the sky darker and bluer").
_CONTINUING = {",", "and", "plus", "as well as", "while"}


def split_clauses(text: str) -> list[tuple[str, bool]]:
    """The clauses of a prompt, each with whether "and" or a comma joins it to the one before."""
    parts = _CLAUSE_SPLIT.split(text)
    out: list[tuple[str, bool]] = []
    join = ""
    for i, part in enumerate(parts):
        if i % 2:  # a separator
            join = part
        elif part.strip():
            out.append((part.strip(), join in _CONTINUING))
    return out


_SLIDER = (
    r"\b(brightness|contrast|saturation|vibrance|warmth|sharpness|shadows|highlights)(?::| =)? ?{sign} ?"
    r"(\d+(?:\.\d+)?) ?(?:%|percent)?(?![\w.])"
)
_SYNONYMS = [
    (r"\bb\s*[&/]\s*w\b|\bblack\s*(?:&|and|-and-|n)\s*white\b|\bblack-and-white\b|\bbnw\b", "blackwhite"),
    (r"\bblackwhite (?:gr[ae]y ?)?scale\b", "blackwhite"),
    (r"\bwarm(?:,| and)? (co[sz]y)\b", r"\1"),
    # "... but keep it natural": a request for restraint, not a region to leave alone.
    (
        r"(?:,\s*|\b)(?:but |and |while )?(?:keep(?:ing)?|leave|leaving) (?:it|things|everything|the (?:image|photo|picture|"
        r"look|result|colou?rs?|skin)) (?:looking )?(?:natural|subtle|realistic|real|believable|tasteful|"
        r"natural[ -]looking)\b",
        " slightly",
    ),
    (r"\b(?:but|and) (?:keep|leave)(?: only| just)?(?: the)?\b", " except the "),
    (r"\b(everything|all) but\b", r"\1 except"),
    (
        r"\bkeep (?:only )?(?:the )?(\w+?)s?(?: colou?rs?)? and (?:make|turn) (?:the rest|everything else)(?: of (?:it|the (?:image|photo|picture)))? (?:blackwhite|gr[ae]y ?scale|monochrome|gr[ae]y)\b",
        r"colour splash \1",
    ),
    (r"\bbut not (?:too|so) (?:much|strong(?:ly)?|heavy|heavily|far|extreme)\b", " slightly"),
    (r"\b(?:apart from|other than|except for|save for|excluding)\b", "except"),
    # "remove the background and make it white": one request, a new background (or none, if "transparent").
    (
        r"\b(?:remove|delete|erase|cut out|get rid of|drop) (?:the )?back ?ground(?:,| and| then)* (?:make|turn|"
        r"replace|fill|colou?r|paint|change|set) it(?: with| to| into| in| as)?(?: an?| pure| plain| solid)? "
        r"(?=(?:(?:light|dark|pale|bright|soft|neutral) )?(?:white|black|gr[ae]y|blue|red|green|yellow|orange|"
        r"purple|pink|brown|beige|cream|transparent|see-through)\b)",
        "make the background ",
    ),
    # An editor's slider, as people type it: "brightness +20", "contrast -10%".
    (_SLIDER.format(sign=r"\+"), r"increase the \1 by \2%"),
    (_SLIDER.format(sign="-"), r"decrease the \1 by \2%"),
    (r"\bbluish\b", "blueish"),
    (r"&", " and "),
    (r"\s+", " "),
]
_SYNONYMS_RE = [(re.compile(p), r) for p, r in _SYNONYMS]
_CONTRACTIONS_RE = [(re.compile(p), r) for p, r in CONTRACTIONS]
# Operations that may rightly appear twice ("rotate 90, then add a border, then rotate 90").
_REPEATABLE = {"rotate", "resize", "pad", "extend", "text", "paste", "crop"}
_FAMILIES = {"sharpen": ("sharpness", 1), "blur": ("sharpness", -1), "grain": ("noise", 1), "denoise": ("noise", -1)}


def normalise(prompt: str) -> tuple[str, list[str]]:
    """Lower-cases, pulls out quoted text (kept verbatim as qtextN), spells out contractions and folds synonyms
    that contain 'and' (so "black and white" is not split into two clauses)."""
    text, quotes = pull_quotes(prompt)
    text = text.lower()
    for pattern, replacement in _CONTRACTIONS_RE:
        text = pattern.sub(replacement, text)
    return _fold(text), quotes


def _fold(text: str) -> str:
    for pattern, replacement in _SYNONYMS_RE:
        text = pattern.sub(replacement, text)
    return text.strip()


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


def _family(step: Step) -> tuple[tuple[object, ...], int] | None:
    """What a step adjusts (operation, what it names, where) and which way, for merging and contradictions."""
    p = step.params
    where = (p.get("region"), p.get("range"), p.get("channel"), p.get("toward"))
    if step.op in _FAMILIES and "radius" not in p:
        name, sign = _FAMILIES[step.op]
        return (name, *where), sign
    sign = step_sign(step.op, p)
    if sign and step.op not in _REPEATABLE:
        return (step.op, *where), sign
    return None


def _merge(steps: list[Step]) -> list[Step]:
    """One step per thing asked for; opposite requests for the same thing are refused, naming both."""
    kept: list[Step] = []
    seen: dict[tuple[object, ...], tuple[int, Step]] = {}
    for step in steps:
        family = _family(step)
        if family is not None:
            key, sign = family
            if key in seen:
                other_sign, other = seen[key]
                if other_sign != sign:
                    raise EngineRefusal(
                        f"the prompt asks for opposite changes: '{other.words}' and '{step.words}'; say which one",
                        not_understood=[other.words, step.words],
                        capable_engines=[],
                    )
                continue
            seen[key] = (sign, step)
            kept.append(step)
            continue
        twin = next((i for i, k in enumerate(kept) if k.op == step.op and step.op not in _REPEATABLE), None)
        if twin is not None and (step.params == kept[twin].params or step.op == "auto_white_balance"):
            if step.op == "auto_white_balance" and "cast" in step.params:
                kept[twin] = step  # a named cast says more than "fix the white balance"
            continue
        kept.append(step)
    return kept


def parse(prompt: str, *, num_inputs: int = 1, has_mask: bool = False) -> Plan:
    if not prompt or not prompt.strip():
        raise EngineRefusal("the prompt is empty: say what to change", capable_engines=[])
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InputError(
            "prompt",
            f"the prompt is {len(prompt)} characters long; the classic engine reads at most {MAX_PROMPT_CHARS}",
        )
    text, quotes = normalise(prompt)
    _check_limits([c for c, _ in split_clauses(text)])
    text = _fold(correct(text)[0])
    clauses = split_clauses(text)
    _check_limits([c for c, _ in clauses])
    steps: list[Step] = []
    failed: list[tuple[str, list[str]]] = []
    greetings: list[str] = []
    carried: str | None = None
    scope: Scope | None = None
    for clause, continuing in clauses:
        if steps and steps[-1].op == "text" and is_text_modifier(clause):
            steps[-1] = Step("text", text_params(clause, dict(steps[-1].params)), steps[-1].words + ", " + clause)
            continue
        read: Clause = read_clause(
            clause,
            quotes=quotes,
            original=prompt,
            has_mask=has_mask,
            carried=carried,
            inherited=scope if continuing else None,
        )
        carried, scope = read.direction, read.scope
        greetings += read.greetings
        if read.unknown:
            failed.append((clause, read.unknown))
        steps.extend(read.steps)
    if failed:
        raise refusal_for(failed, quotes, has_mask=has_mask, num_inputs=num_inputs)
    if not steps:
        raise refusal_for([(text[:MAX_INSTRUCTION_CHARS], greetings)], quotes, has_mask=has_mask, num_inputs=num_inputs)
    steps = _merge(steps)
    if len(steps) > MAX_STEPS:
        raise InputError(
            "prompt", f"the prompt asks for {len(steps)} steps; the classic engine runs at most {MAX_STEPS}"
        )
    return Plan(tuple(steps))
