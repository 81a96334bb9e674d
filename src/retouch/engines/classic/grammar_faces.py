# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Phrases about faces: anonymising, portrait retouching, face-framed crops.

They join the phrase table ahead of the general rules ("blur the faces" is not "blur", "brighten her eyes" is not
"brighten", "crop to 16:9 keeping the faces" is not a centred crop). What stays refused is what needs generation:
expressions, age, identity, hair style, adding or removing features.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import ops_face_crops, ops_faces, ops_portrait  # noqa: F401  (register the operations these phrases name)
from .grammar import OP_WORDS, RULES, Build, Rule, _amt
from .vocabulary import COLOUR_RE, colour

FACE_RULES: list[Rule] = []

_WHO = r"(?: the| her| his| their| my| our| your| everyone'?s| the people'?s| people'?s)?"
_N = iter(range(1_000_000))


def _which_re() -> str:
    """'the face on the left', 'the largest face', 'the woman on the right': which face, when there are several
    (each use gets its own group names, read back by prefix)."""
    n = next(_N)
    return (
        rf"(?:(?: of| on| for| in)? the (?P<which{n}>left|right|middle|centre|center|largest|biggest|main|leftmost|rightmost)(?:most)?"
        r"(?: face| person| one| man| woman| girl| boy| kid| child)?"
        rf"|(?: of| for| on)? the (?:face|person|man|woman|one|girl|boy|kid|child) (?:on|in|at) the (?P<whichb{n}>left|right|middle|centre|center))?"
    )


def _strict_re() -> str:
    return rf"(?: (?P<strict{next(_N)}>strict(?:ly)?|to be safe|(?:and )?refuse if (?:unsure|in doubt|not sure)))?"


def _group(m: re.Match[str], prefix: str) -> str | None:
    return next((v for k, v in m.groupdict().items() if k.startswith(prefix) and v), None)


_PEOPLE = r"(?: of(?: the| all(?: the)?)? (?:people|persons|person|crowd|children|kids|everyone|passers-?by|bystanders|pedestrians|strangers|group))?"
_CROP_VERB = r"(?:(?:crop|cut|frame|turn|make|convert|create|produce)(?: it| this| me| the (?:image|photo|picture))?(?: (?:to|into|as|for|like))?(?: an?| the)? )?"

for _op in (
    "anonymise",
    "skin_smooth",
    "skin_even",
    "teeth_whiten",
    "eyes_brighten",
    "red_eye",
    "lip_colour",
    "headshot",
    "centre_face",
    "face_crop",
    "passport",
):
    OP_WORDS[_op] = {"her", "his", "their", "him", "them", "face", "faces", "person", "people", "portrait", "everyone"}


def face_rule(op: str, pattern: str) -> Callable[[Build], Build]:
    def wrap(build: Build) -> Build:
        FACE_RULES.append(Rule(op, re.compile(pattern), build))
        return build

    return wrap


def _one(m: re.Match[str], clause: str, params: dict[str, Any]) -> dict[str, Any]:
    """Retouching: 'her skin', 'his teeth' speak of one person (refused when several faces leave it open)."""
    if re.search(r"\b(her|his|him)\b", clause) and not re.search(r"\b(their|everyone'?s|all)\b", clause):
        params["single"] = True
    return _which(m, params)


def _which(m: re.Match[str], params: dict[str, Any]) -> dict[str, Any]:
    word = _group(m, "which")
    if word:
        params["which"] = {"centre": "middle", "center": "middle", "leftmost": "left", "rightmost": "right"}.get(
            word, "largest" if word in ("largest", "biggest", "main") else word
        )
    return params


# -- crops (geometric) ------------------------------------------------------------------------------------------
@face_rule(
    "passport",
    rf"\b{_CROP_VERB}(?:(?P<us>us|american|2 ?(?:x|×|by) ?2(?: ?inch(?:es)?)?) )?(?:passport|visa|(?:id|identity card|id card|biometric) (?=photo|picture|photograph|pic))(?: (?:photo|picture|photograph|pic|size|format|style))?(?: \(?(?:35 ?(?:x|×|by) ?45(?: ?mm)?|(?P<us2>2 ?(?:x|×|by) ?2(?: ?(?:inch(?:es)?|in))?))\)?)?(?: photo)?{_which_re()}\b",
)
def _passport(m: re.Match[str], clause: str) -> dict[str, Any]:
    return _which(m, {"format": "us" if m.group("us") or m.group("us2") else "35x45"})


@face_rule(
    "headshot",
    rf"\b{_CROP_VERB}(?:(?P<square>square) )?(?:head ?shot|head[- ]and[- ]shoulders(?: (?:portrait|shot|crop))?|profile (?:picture|photo|pic)|avatar|(?:linkedin|cv|resume) (?:photo|picture|headshot))(?: (?:crop|portrait))?(?: \(?(?P<square2>square)\)?)?{_which_re()}\b"
    rf"|\b(?:crop|zoom)(?: in)?(?: it| the (?:image|photo|picture))?(?: to| around| on| in on| into){_WHO} (?:face|head)(?! in){_which_re()}\b",
)
def _headshot(m: re.Match[str], clause: str) -> dict[str, Any]:
    square = m.groupdict().get("square") or m.groupdict().get("square2")
    return _which(m, {"aspect": (1.0, 1.0)} if square else {})


face_rule(
    "centre_face",
    rf"\b(?:(?:re)?cent(?:er|re)|centring|centering)(?: it| the (?:image|photo|picture|crop|shot))?(?: on| around){_WHO} (?:face|head|person|subject){_which_re()}\b"
    rf"|\b(?:put|place|move|get){_WHO} face (?:in|at|into) the (?:cent(?:er|re)|middle)(?: of the (?:image|photo|picture|frame))?\b",
)(lambda m, c: _which(m, {}))


@face_rule(
    "face_crop",
    rf"\b(?:(?:face[- ]aware|smart|intelligent) )?crop(?: it| the image| the photo| the picture)?(?: to| into)?(?: an?| the)? ?(?:(?P<a>\d+(?:\.\d+)?) ?[:x/] ?(?P<b>\d+(?:\.\d+)?)|(?P<square>square)|(?P<wide>widescreen)|(?P<portrait>portrait)|(?P<landscape>landscape))(?: (?:aspect )?(?:ratio|format|crop))?"
    rf"(?: (?:keeping|around|on|with|showing|that keeps|without cutting(?: off)?|to keep|centred on|centered on|framing|and keep)(?: in)?(?: the| her| his| their| all(?: the)?| every| both| each)? (?:faces?|heads?|people|person|everyone)(?: in(?: the)? (?:frame|picture|shot|crop))?{_which_re()}"
    r"|(?: (?:face[- ]aware|smart)))\b"
    rf"|\b(?:face[- ]aware|smart) crop(?: it| the image| the photo)?(?: to| into)?(?: an?)? ?(?:(?P<a2>\d+(?:\.\d+)?) ?[:x/] ?(?P<b2>\d+(?:\.\d+)?)|(?P<square2>square))\b",
)
def _face_crop(m: re.Match[str], clause: str) -> dict[str, Any]:
    g = m.groupdict()
    if g.get("a") or g.get("a2"):
        aspect = (float(g.get("a") or g["a2"]), float(g.get("b") or g["b2"]))
    elif g.get("square") or g.get("square2"):
        aspect = (1.0, 1.0)
    elif g.get("wide"):
        aspect = (16.0, 9.0)
    elif g.get("portrait"):
        aspect = (4.0, 5.0)
    else:
        aspect = (3.0, 2.0)
    return _which(m, {"aspect": aspect})


# -- anonymising ------------------------------------------------------------------------------------------------
_HIDE_VERB = r"(?P<verb>blur(?:red)?(?: out)?|pixel(?:ate|ise|ize)(?: out)?|mosaic|censor|obscure|hide|mask(?: out)?|cover(?: up)?|redact|black(?:[ -]?box| out)|blank out|block out|scramble|conceal|anonymi[sz]e|fuzz(?: out)?)"
_FACES = rf"(?:(?: all| every| each| any| all of)?{_WHO}(?: other)? (?:faces?|heads|identit(?:y|ies))){_PEOPLE}"


def _with_re() -> str:
    n = next(_N)
    return rf"(?: with (?:an? |some )?(?:(?P<col{n}>{COLOUR_RE}) )?(?P<with{n}>box(?:es)?|bars?|rectangles?|blocks?|squares?|blur|pixelation|pixels|mosaic))?"


@face_rule(
    "anonymise",
    rf"\b{_HIDE_VERB}{_FACES}{_which_re()}{_with_re()}{_strict_re()}\b"
    rf"|\b(?P<anon>anonymi[sz]e)(?: (?:the|this|all(?: the)?) (?:photo|image|picture|people|persons|crowd|faces|shot))?{_PEOPLE}{_with_re()}{_strict_re()}\b"
    rf"|\b(?:(?P<pre>blurred|pixelated|black|censored) )?(?:face (?:blur(?:ring)?|pixelation|anonymi[sz]ation|redaction)|(?:boxes|bars) over{_WHO} faces){_strict_re()}\b",
)
def _anonymise(m: re.Match[str], clause: str) -> dict[str, Any]:
    words = " ".join(w for w in (_group(m, k) for k in ("verb", "with", "pre", "anon")) if w)
    if re.search(r"pixel|mosaic", words):
        style = "pixelate"
    elif re.search(r"box|bar|rectangle|block|square|black|redact|cover|blank|mask", words):
        style = "box"
    else:
        style = "blur"
    params: dict[str, Any] = {"style": style}
    found = colour(_group(m, "col") or "")
    if style == "box" and found is not None:
        params["colour"] = found
    if _group(m, "strict") or re.search(r"\bstrict(ly)?\b", clause):
        params["strict"] = True
    return _which(m, params)


# -- portrait retouching ----------------------------------------------------------------------------------------
face_rule(
    "red_eye",
    rf"\b(?:(?:remove|fix|correct|reduce|get rid of|eliminate|take out|take away)(?: the)?{_WHO} red[ -]?eyes?(?: effect)?|red[ -]?eye (?:removal|fix|correction|reduction|remover)|(?:fix|correct){_WHO} red eyes|(?:no|without) red[ -]?eyes?){_which_re()}\b",
)(lambda m, c: _one(m, c, {}))
face_rule(
    "teeth_whiten",
    rf"\b(?:(?:whiten|brighten|bleach|lighten|clean)(?: up)?{_WHO} teeth|whiter teeth|brighter teeth|teeth whitening|whiten{_WHO} smile|(?:make )?{_WHO} teeth (?:whiter|brighter|white)){_which_re()}\b",
)(lambda m, c: _one(m, c, _amt(c)))
face_rule(
    "eyes_brighten",
    rf"\b(?:(?:brighten|lighten|whiten|enhance|clear up|open up|light up)(?: up)?{_WHO} eyes|brighter eyes|eye brightening|(?:make|let)?{_WHO} eyes (?:brighter|pop|sparkle|whiter|clearer)){_which_re()}\b",
)(lambda m, c: _one(m, c, _amt(c)))
face_rule(
    "skin_even",
    rf"\b(?:even(?: out| up)?{_WHO} (?:skin(?: tone| colou?r)?|complexion)|(?:more )?even (?:skin(?: tone)?|complexion)|(?:reduce|tone down|fix|correct|calm(?: down)?|neutrali[sz]e){_WHO} (?:redness|blotch(?:es|iness)|red blotches|red patches|uneven skin(?: tone)?)(?: (?:in|on|of){_WHO} (?:face|skin|cheeks))?|skin tone evening|uneven skin tone){_which_re()}\b",
)(lambda m, c: _one(m, c, _amt(c)))
face_rule(
    "skin_smooth",
    rf"\b(?:(?:smooth(?:en)?|soften|retouch|airbrush|perfect|polish|refine|touch up)(?: out| up)?{_WHO} (?:skin|complexion|faces?)|(?:smooth|smoother|softer|flawless|clear|clearer|perfect|airbrushed) (?:skin|complexion)|(?:make )?{_WHO} (?:skin|complexion) (?:look )?(?:a (?:bit|little) |slightly )?(?:smoother|softer|clearer|flawless)|skin (?:smoothing|softening|retouch(?:ing)?)|beauty (?:filter|mode|retouch)|airbrush(?:ed)?(?: it| the (?:portrait|photo|picture))?|retouch the (?:portrait|headshot)|portrait retouch(?:ing)?){_which_re()}\b",
)(lambda m, c: _one(m, c, _amt(c)))

_LIP_SHADES = {"redder": "red", "pinker": "pink", "rosier": "#dc5a6e", "darker": "#6e1428", "deeper": "#8c1432"}


@face_rule(
    "lip_colour",
    rf"\b(?:(?:make|paint|colou?r|tint|turn|change|dye)(?: the| her| his| their| my)? lips(?: (?:to|into))?(?: an?)? (?:(?P<c>{COLOUR_RE})|(?P<shade>redder|pinker|rosier|darker|deeper))"
    rf"|(?P<c2>{COLOUR_RE}) (?:lips|lipstick)|(?:(?:add|apply|put on|give (?:her|him|them))(?: some)? )?(?:(?P<c3>{COLOUR_RE}) )?lipstick(?: in (?P<c4>{COLOUR_RE}))?"
    rf"|(?P<shade2>redder|pinker|rosier|darker|deeper) lips|lips? colou?r(?: (?:to|in|of) (?P<c5>{COLOUR_RE}))?){_which_re()}\b",
)
def _lips(m: re.Match[str], clause: str) -> dict[str, Any]:
    g = m.groupdict()
    name = g.get("c") or g.get("c2") or g.get("c3") or g.get("c4") or g.get("c5")
    shade = g.get("shade") or g.get("shade2")
    found = colour(name or _LIP_SHADES.get(shade or "", ""))
    params: dict[str, Any] = _amt(clause)
    if found is not None:
        params["colour"] = found
    return _one(m, clause, params)


RULES[0:0] = FACE_RULES  # tried before the general phrases
