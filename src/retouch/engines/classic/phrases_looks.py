# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Looks, whole-image colour operations, filters and stylisations: phrases whose words name the operation.

Signed adjustments (brighter, less contrast, warmer …) are not here: their sign is read from direction words by
``adjust.py``. Looks come before single operations so "golden hour" is not read as "warm".
"""

from __future__ import annotations

import re
from typing import Any

from .grammar import amt, rule
from .vocabulary import COLOUR_RE, colour

G = "general"

_VIGNETTE_STRENGTH = {"dark": 1.3, "strong": 1.6, "heavy": 1.6, "subtle": 0.5, "soft": 0.5, "light": 0.5}
_VIGNETTE_STRENGTH |= {"gentle": 0.5, "slight": 0.5, "faint": 0.3}


@rule(
    "vignette",
    r"\b((a |an )?(?P<adj>dark|strong|heavy|subtle|soft|light|gentle|slight|faint)? ?vignett(e|ing)|darken (the )?(edges|corners|borders)|dark (edges|corners))\b",
    G,
)
def _vignette(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("adj"):
        return {"amount": _VIGNETTE_STRENGTH[m.group("adj")]}
    return amt(clause)


# -- looks ------------------------------------------------------------------------------------------------------
_WHEN = r"(?:(?:taken|shot|made|photographed|filmed|from)(?: on film)? )?(?:(?:in|from|during) )?(?:the )?"
LOOK_WORDS = {
    "seventies": rf"{_WHEN}(?:19)?70'?s|seventies",
    "eighties_film": rf"{_WHEN}(?:19)?80'?s(?: film)?|eighties(?: film)?",
    "golden_hour": r"golden[ -]hour|sunset( look| light| glow)?|(warm )?golden (glow|light|tones?|hue)",
    "night": r"night(time)?( look| scene| shot)?|day ?for ?night|day (?:in)?to night|like (it'?s|it is) night|(taken |shot )?at night",
    "moody": r"moody|moodier|gloomy|brooding",
    "vintage": r"vintage|retro|old[ -]fashioned|(an )?old (photo|photograph|picture)( look)?|aged|antique|old(?! polaroid)",
    "high_key": r"high[ -]key",
    "low_key": r"low[ -]key",
    "faded_film": r"faded( film)?|film look|analog(ue)? film|matte|(like )?(a )?film(?! grain)"
    r"|(an? )?(old )?polaroid( (photo|picture|camera))?|instant (film|photo|camera)",
    "cinematic": r"cinematic|teal and orange|movie look|film grade|(like )?(a )?(movie|film) still|(like )?an? movie",
    "dramatic": r"dramatic|(more |some |a (little |bit of |touch of )?)?drama",
    "cozy": r"co[sz]y|cosier|cozier|hygge|snug",
    "dreamy": r"dreamy|dreamier|dream-?like|ethereal|soft glow|glow(y|ing)?|soft focus|orton( effect)?",
}
_LOOK_PREFIX = (
    r"(?:(?:the )?(?:lighting|light|mood|look|style|vibe|aesthetic|feel|atmosphere)(?: to| into| of| like)? )?(?:an? )?"
)
_LOOK_SUFFIX = r"( (look|style|mood|vibe|feel|feeling|effect|light|lighting|tones?|colou?rs|filter|aesthetic|grade|atmosphere|era)\b)?"
for _name, _words in LOOK_WORDS.items():

    def _look(m: re.Match[str], clause: str, name: str = _name) -> dict[str, Any]:
        return {"name": name, **amt(clause)}

    rule("look", rf"\b{_LOOK_PREFIX}(?:{_words})\b{_LOOK_SUFFIX}", G)(_look)


# -- stylisations -------------------------------------------------------------------------------------------------
_STYLISE = r"(?:styli[sz]ed? (?:it )?(?:as |like )?)?"
rule(
    "oil_painting",
    rf"\b{_STYLISE}(oil[ -]?paint(ing|ed)?( style| look| effect)?|painterly( style| look| effect)?|(an? )painting|paint(ed)? (effect|style|look))\b",
    G,
)(lambda m, c: amt(c))
rule("watercolour", rf"\b{_STYLISE}(water[ -]?colou?r(ed|s)?( painting| paint| style| look| effect)?|aquarelle)\b", G)(
    lambda m, c: amt(c)
)
rule("pencil_sketch", r"\b(pencil[ -]?(sketch|drawing)|sketch(ed|y)?|line drawing|charcoal( drawing)?|drawing)\b", G)(
    lambda m, c: amt(c)
)
rule("cartoon", r"\b(cartoon(ish|ify|ized|ised|y)?|comic( book)?|toon|cel[ -]?shad(ed|ing)|anime style)\b", G)(
    lambda m, c: {}
)
rule("emboss", r"\b(emboss(ed)?|relief|engrav(ed|ing))\b", G)(lambda m, c: amt(c))


# -- whole-image colour ---------------------------------------------------------------------------------------------
rule(
    "auto_white_balance",
    r"\b(auto(matic)?[ -]?)?white[ -]?balance( (is|looks|seems) (off|wrong|weird|strange))?|(remove|fix|correct|neutrali[sz]e) (the )?colou?r cast|colou?r[ -]correct(ion)?|neutrali[sz]e (the )?colou?rs?|colou?r balance( is off| looks off| is wrong| seems off)?|balance (the |its )?colou?rs?\b",
    G,
)(lambda m, c: {})
rule(
    "black_and_white",
    r"\b(blackwhite|gr[ae]y ?scale|monochrome|monochromatic|mono|desaturated?( (the|this) (image|photo|picture))? (completely|fully|entirely|totally|all the way)"
    r"|(completely|fully|entirely|totally) desaturated?|(remove|strip|take out) (all )?(the )?colou?rs?(?! (temperature|saturation|balance|cast|intensity|by))"
    r"|no colou?rs?|colou?rless|noir|gr[ae]y ?tones?)\b",
    G,
)(lambda m, c: {})
rule("sepia", r"\bsepia( ton(e|ed|ing))?\b", G)(lambda m, c: amt(c))
rule("invert", r"\b(invert(ed)?|negative|inverse)( (the )?colou?rs?)?\b", G)(lambda m, c: {})
rule(
    "auto_levels",
    r"\b(auto[ -]?(levels|contrast|tone|enhance|fix)|normali[sz]e( the levels)?|stretch (the )?histogram|fix (the )?levels|auto[ -]?correct|(fix|correct|improve) (the )?(exposure|lighting|light|levels)"
    r"|enhance( it| this| the (photo|image|picture|shot|pic))?(?= *$| (please|a bit|slightly|a little|for me|overall)\b))",
    G,
)(lambda m, c: {})


_STOP_WORDS = {"one": 1.0, "two": 2.0, "three": 3.0, "half a": 0.5, "half an": 0.5, "a half": 0.5}


# A number starts where a digit run starts (the lookbehind), so a long run of digits is scanned once.
@rule(
    "exposure",
    # The direction words go with the stops ("2 stops brighter", "darken it by one stop"): read once, as exposure.
    r"(?:\b(?:brighten|lighten|darken)(?: it| the (?:image|photo|picture))? |\b(?:brighter|lighter|darker) )?(?:\bby )?"
    r"(?:(?<![\w.+-])(?P<ev>[+-]?\d+(\.\d+)?) ?|\b(?P<words>one|two|three|half an?|a half) )(ev|stops?)\b"
    r"( of exposure)?( (brighter|lighter|darker|up|down))?|\b(?P<verb>over|under)[ -]?expose\b"
    r"|\bexposure(?: to| at|:| =)? (?P<slider>[+-]\d+(\.\d+)?)(?![\d.]| ?%)",
    G,
)
def _exposure(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("slider") is not None:  # "exposure +1", as a camera or an editor's slider says it
        return {"ev": float(m.group("slider"))}
    if m.group("ev") is not None or m.group("words") is not None:
        ev = float(m.group("ev")) if m.group("ev") is not None else _STOP_WORDS[m.group("words")]
        if re.search(r"\b(darker|decrease|reduce|lower|down|less|under|darken|drop|cut)\b", clause):
            ev = -abs(ev)
        return {"ev": ev}
    return {"ev": -1.0 if m.group("verb") == "under" else 1.0}


rule("gamma", r"\bgamma( of| to| at)? (?P<g>\d+(\.\d+)?)\b", G)(lambda m, c: {"gamma": float(m.group("g"))})
rule("shadows", r"\b(deepen|crush|deeper|darker)( the)? (shadows|blacks|darks)\b|\b(the )?blacks (deeper|richer)\b")(
    lambda m, c: {"direction": -1, **amt(c)}
)
rule("tint", r"\b(greener|green(ish)?) tint\b|\btint (it )?green\b", G)(lambda m, c: {"toward": "green", **amt(c)})
rule("tint", r"\b(magenta|pinker|pink(ish)?) tint\b|\btint (it )?magenta\b", G)(
    lambda m, c: {"toward": "magenta", **amt(c)}
)


@rule(
    "colour_tint",
    rf"\b(tint|wash|tone|colou?r grade|grade)( it| the image)?( with| in| to)? (?P<c>{COLOUR_RE})\b"
    rf"|\b(?P<c2>{COLOUR_RE})(ish)? (tint|wash|tone|filter|overlay)\b",
    G,
)
def _colour_tint(m: re.Match[str], clause: str) -> dict[str, Any]:
    found = colour(m.group("c") or m.group("c2") or "")
    return {"colour": found, **amt(clause)}


@rule(
    "hue_shift",
    r"\b(shift|rotate|change|move) (the )?hues?( by)? (?P<d>-?\d+(\.\d+)?) ?(deg(rees)?|°)?"
    r"|\bhue[ -]?shift( by| of)? (?P<d2>-?\d+(\.\d+)?) ?(deg(rees)?|°)?|\b(shift|rotate) (the )?hues?\b",
    G,
)
def _hue(m: re.Match[str], clause: str) -> dict[str, Any]:
    value = m.group("d") or m.group("d2")
    return {"degrees": float(value) if value else 30.0}


# -- filters whose words name them (the signed ones — sharper, blurrier, noisier — are read by adjust.py) -----------
rule("denoise", r"\b(denoise|de-noise|noise reduction|noise removal|reduce noise)\b", G)(lambda m, c: amt(c))
rule("sharpen", r"\b(unsharp mask(ing)?|deblur|de-blur|un-?blur)\b", G)(lambda m, c: amt(c))
rule(
    "dehaze",
    r"\b(de-?haze|haze removal|(remove|reduce|cut( through)?|clear( up)?|get rid of|less)( the)? haze|less hazy"
    r"|(make it |make the (image|photo|picture) )?(less|not so) hazy|(cut|see) through the haze)\b",
    G,
)(lambda m, c: amt(c))
# "Clearer" of the whole picture means sharper; of a sky or a face it means something else (haze, skin), not this.
rule(
    "sharpen",
    r"\b((make )?(it|this|the (image|photo|picture|shot))( look)?( a (bit|little|lot)| slightly| much)? clearer"
    r"|(a )?clearer (image|photo|picture))\b",
    G,
)(lambda m, c: amt(c))


@rule(
    "blur",
    r"\b(gaussian )?blur(red|ry)?( it| the image| the photo)?( (by|with|of|at))? (a )?(radius (of )?)?(?P<r>\d+(\.\d+)?) ?(px|pixels?)( radius)?\b|\bgaussian blur\b",
    G,
)
def _blur(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {"radius": float(m.group("r"))} if m.group("r") else amt(clause)


@rule(
    "pixelate",
    r"\b(pixel(ate|ated|ise|ize|ized|ised)|pixel art|mosaic|8[ -]?bit)\b( with (?P<b>\d+) ?(px|pixels?)( blocks?)?)?",
    G,
)
def _pixelate(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {"block": int(m.group("b"))} if m.group("b") else amt(clause)


@rule(
    "posterize",
    r"\b(posteri[sz]ed?|fewer colou?rs|(?P<n>\d+) (colou?r|tone) levels|flat colou?rs)\b"
    r"( (to|with|into) (?P<n2>\d+)( (colou?r |tone )?levels)?)?",
    G,
)
def _posterize(m: re.Match[str], clause: str) -> dict[str, Any]:
    levels = m.group("n") or m.group("n2")
    return {"levels": int(levels)} if levels else {}
