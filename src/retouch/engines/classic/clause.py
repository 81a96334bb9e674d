# ruff: noqa: E501  (phrase patterns read best on one line each)
"""One clause → its steps, or the words that could not be placed.

The order of reading: removal (with a mask), requests that need generation or text recognition (refused), text
overlays, phrases that name a region, the clause's scope words, the other phrases, then the signed adjustments.
Scope words then restrict every step they apply to; a scope that an operation can not honour is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import adjust
from .grammar import OP_WORDS, Rule, amt, stage
from .phrases_text import TEXT_EDIT, quoted_text, unquoted_text
from .plan import Step
from .scope import TONAL, Scope, extract
from .vocabulary import AMOUNT_WORDS, FILLER, GREETINGS, amount

_ALLOWED = FILLER | {"%", "percent", "degrees", "deg", "look", "mood", "effect", "vibe", "feel", "stylise", "stylize"}
_ALLOWED |= {"looks", "seems", "seem", "appears", "appear", "feels", "needs", "need", "stylised", "stylized"}
_AMOUNT_RE = re.compile("|".join(p for p, _ in AMOUNT_WORDS))
_PERCENT_RE = re.compile(r"(?<![\d.])(by )?[+-]?\d+(\.\d+)? ?(%|percent)")
_REMOVE = re.compile(
    r"\b(remove|erase|delete|get rid of|take out|take away|clean up|eliminate|retouch out|inpaint|fill (in )?the (masked|white|marked) (area|part|region)|fill (it|the hole))\b"
)
_NOT_REMOVAL = re.compile(
    r"\b((remove|erase|delete|get rid of|take out|take away|clean up|eliminate)( the)? (back ?ground|backdrop|surroundings)\b"
    r"|colou?rs?\b|colou?r cast|\w+ cast\b|\w+ tint\b|noise|grain|red ?eye|vignett|blur|saturation|contrast|brightness"
    r"|warmth|exposure|highlights|shadows|haze|vibrance|sharpness|darkness|yellow|green|blue|red|magenta|orange)"
)
# Colourising invents colours: refused whatever else the clause says ("colour the black and white photo").
_COLOURISE = re.compile(
    r"\b(colou?ri[sz](e|ed|es|ing|ation)|(colou?r|add colou?rs? to|bring colou?rs? (back )?to|put colou?rs? (in|on|into))( in)?( the| this| an?| my| our)?( old)? blackwhite"
    r"|(restore|bring back|recover|return)( the| its| their)? (original )?colou?rs?)\b"
)
_MASK_WORDS = {"masked", "mask", "area", "region", "selected", "selection", "marked", "part", "inside", "within"}
_MASK_WORDS |= {"only", "white", "painted", "highlighted"}
_SIGNED = ("brightness", "contrast", "saturation", "vibrance", "warmth", "colour_balance", "shadows", "highlights")


@dataclass
class Clause:
    steps: list[Step] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    greetings: list[str] = field(default_factory=list)
    direction: str | None = None  # the last direction word, for a bare noun in the next clause
    scope: Scope | None = None  # the scope it named or took over, for the clause after "and"


def _words(clause: str) -> str:
    return clause.replace("blackwhite", "black and white")


def _rules(rest: str, rules: list[Rule], clause: str, steps: list[Step]) -> str:
    """One pass of each rule over the clause: a rule's matches are consumed together and make one step."""
    for r in rules:
        if any(s.op == r.op for s in steps):
            continue
        matches = list(r.pattern.finditer(rest))
        if not matches:
            continue
        steps.append(Step(r.op, r.build(matches[0], clause), _words(clause)))
        kept, at = [], 0
        for match in matches:
            kept.append(rest[at : match.start()])
            at = match.end()
        kept.append(rest[at:])
        rest = " ".join(kept)
    return rest


def read_clause(
    clause: str,
    *,
    quotes: list[str],
    original: str,
    has_mask: bool,
    carried: str | None = None,
    inherited: Scope | None = None,
) -> Clause:
    """``carried`` and ``inherited`` come from the clause before when "and" or a comma joins them: its direction,
    for a bare noun ("reduce the brightness and contrast"), and its scope, for a clause without one ("make the sky
    darker and bluer", "darken the background and blur it")."""
    if _REMOVE.search(clause) and not _NOT_REMOVAL.search(clause):
        if has_mask:
            return Clause([Step("remove", {}, clause)])
        words = [w for w in _leftover(clause.split()) if w not in ("remove", "erase", "delete")]
        return Clause(unknown=words or ["remove"])
    if _COLOURISE.search(clause):
        return Clause(unknown=[w for w in re.findall(r"colou?r\w*", clause)][:2] or ["colorize"])
    if TEXT_EDIT.search(clause):  # text already in the picture would have to be read first
        return Clause(unknown=_leftover(re.sub(r"qtext\d+", " ", clause).split()) or ["text"])
    text = quoted_text(clause, quotes) or unquoted_text(clause, original)
    if text is not None:
        return Clause([text])
    steps: list[Step] = []
    rest = _rules(f" {clause} ", stage("early"), clause, steps)
    early = len(steps)
    rest, scope = extract(_tonal_verbs(rest))
    rest = _rules(rest, stage("general"), clause, steps)
    own = bool(scope)
    if not own and inherited and (len(steps) == early or re.search(r"\b(it|them|those|these)\b", rest)):
        scope = inherited  # only adjustments, or words that point back: the scope of the clause before
    tokens = adjust.fold(_AMOUNT_RE.sub(" ", _PERCENT_RE.sub(" ", rest)))
    scope_concept = "tone" if scope.region in TONAL else ("hue" if scope.hue else None)
    reading = adjust.read(tokens, scope_concept, carried)
    problems = list(reading.problems)
    steps.extend(_adjustments(reading, clause, scope))
    problems += _apply_scope(steps, early, scope)
    if own and not steps and not reading.signs:  # "make the sky" (and then?): a region with nothing to do
        problems.append(f"the {scope.region or scope.hue or scope.keep}")
    named: set[str] = set().union(*(OP_WORDS.get(s.op, set()) for s in steps))
    left = [t for i, t in enumerate(tokens) if i not in reading.used]
    unknown = [w for w in _leftover(left) if w not in named]
    if has_mask and steps:
        unknown = [w for w in unknown if w not in _MASK_WORDS]
    greetings = [w for w in unknown if w in GREETINGS]
    unknown = [("tame" if w == "tame_shadows" else w) for w in unknown if w not in GREETINGS] + problems
    direction = reading.modifiers[-1] if reading.modifiers else carried
    return Clause(steps, unknown, greetings, direction, scope if scope and steps else None)


def _leftover(words: list[str]) -> list[str]:
    return [w.strip("'") for w in words if w not in _ALLOWED and w.strip("'") not in _ALLOWED and w.strip("'")]


_RECOVER = re.compile(r"\b(recover|rescue|restore|tame|open up|open)\b")


def _tonal_verbs(rest: str) -> str:
    """ "recover" moves a tonal range toward the middle: the highlights down, the shadows up."""
    if _RECOVER.search(rest) is None:
        return rest
    if re.search(r"\b(highlights?|whites|brights|bright (areas|tones|parts))\b", rest):
        return _RECOVER.sub("reduce", rest)
    if re.search(r"\b(shadows?|blacks|darks|dark (areas|tones|parts))\b", rest):
        # "tame the shadows" could mean lighter or darker: left unknown, so the clause is refused.
        return _RECOVER.sub(lambda m: "tame_shadows" if m.group(1) == "tame" else "raise", rest)
    return rest


# "set the brightness to 120%", "saturation 50%": a level against the picture as it is (100%), not a change by.
# With a verb of change and no "to" ("increase the saturation 50%") the number is the change, as before.
_LEVEL = re.compile(
    r"\b(?:brightness|contrast|saturation|vibrance|sharpness|lightness)(?: level)?(?P<to> to| at|:| =)? ?"
    r"(?P<level>\d+(?:\.\d+)?) ?(?:%|percent)"
)
_CHANGE = re.compile(r"\b(?:by|increase|decrease|raise|lower|boost|reduce|add|more|less|up|down|cut|drop)\b")


def _signed(params: dict[str, Any], sign: int, clause: str) -> dict[str, Any]:
    level = _LEVEL.search(clause)
    if level is not None and (level.group("to") or not _CHANGE.search(clause)):
        change = float(level.group("level")) / 100 - 1
        return {**params, "direction": 1 if change >= 0 else -1, "percent": round(change, 4)}
    extra = amt(clause)
    if "percent" in extra:
        extra["percent"] = sign * abs(float(extra["percent"]))
    return {"direction": sign, **params, **extra}


def _adjustments(reading: adjust.Reading, clause: str, scope: Scope) -> list[Step]:
    steps = []
    words = _words(clause)
    for axis, sign in reading.signs.items():
        complaint = axis + ":complaint" in reading.words
        step = _axis_step(axis, sign, complaint, clause, scope)
        if step is not None:
            steps.append(Step(step[0], step[1], words))
    return steps


def _axis_step(axis: str, sign: int, complaint: bool, clause: str, scope: Scope) -> tuple[str, dict[str, Any]] | None:
    if scope.hue and (axis in ("brightness", "saturation", "vibrance", "hue", "warmth") or axis.startswith("colour:")):
        return "selective_colour", _selective(axis, sign, clause, scope.hue)
    if scope.region in TONAL and axis in ("brightness", "exposure", "tone"):
        return scope.region, _signed({}, sign, clause)
    if axis == "exposure":
        return "exposure", {"ev": round(0.5 * amount(clause) * sign, 3)}
    if axis in ("brightness", "contrast", "saturation", "vibrance", "warmth"):
        return axis, _signed({}, sign, clause)
    if axis == "sharpness":
        return ("sharpen" if sign > 0 else "blur"), amt(clause)
    if axis == "noise":
        return ("grain" if sign > 0 else "denoise"), amt(clause)
    if axis == "size":
        return "resize", {"factor": round(2.0 ** (sign * amount(clause)), 4)}
    if axis.startswith("colour:"):
        name = axis.split(":", 1)[1]
        if complaint:
            return "auto_white_balance", {"cast": name}
        return "colour_balance", _signed({"toward": name}, sign, clause)
    return None  # "tone" or "hue" without their scope can not happen: they come from it


def _selective(axis: str, sign: int, clause: str, hue: str) -> dict[str, Any]:
    if axis == "brightness":
        return _signed({"range": hue, "channel": "lightness"}, sign, clause)
    if axis.startswith("colour:"):
        return {"range": hue, "channel": "hue", "toward": axis.split(":", 1)[1], **amt(clause)}
    if axis == "warmth":
        return {"range": hue, "channel": "hue", "toward": "orange" if sign > 0 else "blue", **amt(clause)}
    return _signed({"range": hue, "channel": "saturation"}, sign, clause)


_SCOPABLE_TONAL = {"warmth", "saturation", "vibrance", "colour_balance", "contrast", "colour_tint", "tint"}
_GEOMETRIC = {"rotate", "flip", "crop", "resize", "pad", "extend", "straighten", "side_by_side"}


def _apply_scope(steps: list[Step], early: int, scope: Scope) -> list[str]:
    """Restricts the steps read after the scope words to that scope; returns what could not be restricted."""
    if scope.problem:
        return [scope.problem]
    problems: list[str] = []
    for i in range(early, len(steps)):
        step = steps[i]
        params = dict(step.params)
        if scope.keep:
            if step.op == "black_and_white" or (step.op == "saturation" and params.get("direction") == -1):
                steps[i] = Step("colour_splash", {"keep": scope.keep}, step.words)
                continue
            problems.append(f"except the {scope.keep}")
            continue
        if scope.hue and step.op != "selective_colour":
            problems.append(scope.hue)
            continue
        region = scope.region
        if region is None or step.op in ("shadows", "highlights") and region in TONAL:
            continue
        if step.op in _GEOMETRIC or (region in TONAL and step.op not in _SCOPABLE_TONAL):
            problems.append(f"the {region}")
            continue
        steps[i] = Step(step.op, {**params, "region": region}, step.words)
    return problems
