# ruff: noqa: E501  (phrase patterns read best on one line each)
"""The phrase table: which words mean which operation, and how their parameters are read.

Rules are tried in order (specific before general) on each clause of the prompt; a rule's match is consumed, and
whatever words remain must be filler ("make it", "a bit", "please") or the clause is not understood.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .vocabulary import COLOUR_RE, amount, colour, percent, position

Build = Callable[[re.Match[str], str], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    op: str
    pattern: re.Pattern[str]
    build: Build


RULES: list[Rule] = []

# Words that only name an operation already matched in the same clause ("increase exposure by 1 stop").
OP_WORDS: dict[str, set[str]] = {
    "exposure": {"exposure", "stop", "stops", "ev"},
    "brightness": {"brightness", "light"},
    "contrast": {"contrast"},
    "saturation": {"saturation", "colors", "colours"},
    "vibrance": {"vibrance"},
    "warmth": {"warmth", "temperature"},
    "blur": {"blur", "radius", "px", "pixels"},
    "grain": {"grain", "noise"},
    "denoise": {"noise", "grain"},
    "resize": {"size", "px", "pixels"},
    "pad": {"border", "padding", "px", "pixels"},
    "rotate": {"degrees", "deg"},
    "hue_shift": {"hue", "hues", "degrees"},
    "posterize": {"levels"},
}


def rule(op: str, pattern: str) -> Callable[[Build], Build]:
    def wrap(build: Build) -> Build:
        RULES.append(Rule(op, re.compile(pattern), build))
        return build

    return wrap


def _amt(clause: str) -> dict[str, Any]:
    pct = percent(clause)
    if pct is not None:
        return {"percent": pct}
    value = amount(clause)
    return {} if value == 1.0 else {"amount": value}


def _down(params: dict[str, Any]) -> dict[str, Any]:
    if "percent" in params:
        params["percent"] = -abs(params["percent"])
    return {"direction": -1, **params}


rule("vignette", r"\b(vignett(e|ing)|darken (the )?(edges|corners|borders)|dark (edges|corners))\b")(
    lambda m, c: _amt(c)
)


# -- regions (before the global operations: "blur the background" is not "blur") -------------------------------
_BG = r"(back ?ground|backdrop|surroundings)"
rule(
    "background_remove",
    rf"\b((remove|delete|erase|drop|get rid of|cut out|clear)( the)? {_BG}|(make )?(the )?{_BG} transparent|transparent {_BG}|cut out the (subject|person|object|product))\b",
)(lambda m, c: {})
rule(
    "background_blur",
    rf"\b((blur|soften|defocus)( out)?( the)? {_BG}|{_BG} blur(red|ry)?|blurr?(ed|y) {_BG}|bokeh|portrait mode)\b",
)(lambda m, c: _amt(c))


@rule(
    "background_replace",
    rf"\b(replace|change|swap|make|turn|set|paint|colou?r)( the)? {_BG}( (with|to|into|for))?( an?| the| some)?( (?P<c>{COLOUR_RE})(( (and|to|into) (?P<c2>{COLOUR_RE}))? gradient| (?P<c3>{COLOUR_RE}))?| (?P<ord>second|other|2nd|third|3rd|last) (image|photo|picture|one))?\b( gradient)?",
)
def _background_replace(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("ord"):
        return {"source": "image", "image": 2 if m.group("ord") in ("third", "3rd") else 1}
    first = colour(m.group("c") or "") or (255, 255, 255)
    second = colour(m.group("c2") or m.group("c3") or "") or first
    return {"colour": first, "colour2": second}


@rule(
    "colour_transfer",
    r"\b((match|use|take|apply|copy|transfer|borrow)( the)? (colou?rs?|colou?r palette|palette|tones?|look|grad(e|ing)|mood)( of| from)?( the)? (?P<ord>second|other|2nd|reference|third|3rd|last) (image|photo|picture|one)|colou?r transfer)\b",
)
def _colour_transfer(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {"image": 2 if (m.group("ord") or "") in ("third", "3rd") else 1}


@rule(
    "paste",
    r"\b(paste|put|place|insert|overlay|add|stamp|use)( the)? (?P<ord>second|other|2nd|third|3rd|last) (image|photo|picture|one|logo)( as (a |an )?(?P<wm>watermark|logo))?( (in|into|on|at|onto|to) (the )?(?P<where>[a-z ]{1,40}?))?( corner)?\s*$",
)
def _paste(m: re.Match[str], clause: str) -> dict[str, Any]:
    params: dict[str, Any] = {"image": 2 if m.group("ord") in ("third", "3rd") else 1}
    if m.group("wm") or "watermark" in clause or "logo" in clause:
        params.update(opacity=0.45, scale=0.18, position="bottom right")
    where = m.group("where") or ""
    if re.search(r"top|bottom|left|right|center|centre|middle|upper|lower", where):
        params["position"] = position(where)
    return params


rule(
    "side_by_side",
    r"\b(side[ -]by[ -]side|next to each other|combine (them|the images|both)|collage|stitch (them|the images) together)\b",
)(lambda m, c: {})


@rule(
    "sky_replace",
    r"\b((replace|change|swap|make|turn|paint)( the)? (sky|skies)( (with|to|into|look like|like|be))?( an?| the| some)?( (?P<style>sunset|sunrise|golden|clear( blue)?|blue|stormy|storm|cloudy|dramatic|night( with stars)?|starry( night)?|starry))?( sky)?|(?P<style2>starry night|sunset|stormy|starry|clear blue|night) sky)\b",
)
def _sky(m: re.Match[str], clause: str) -> dict[str, Any]:
    word = m.group("style") or m.group("style2") or "clear"
    for style, names in (
        ("sunset", ("sunset", "sunrise", "golden")),
        ("stormy", ("storm", "cloudy", "dramatic")),
        ("night", ("night", "starry")),
    ):
        if any(n in word for n in names):
            return {"style": style}
    return {"style": "clear"}


@rule(
    "extend",
    r"\b((make|turn) (it|the image|the photo|the picture) (?P<dir>wider|taller|broader)|(extend|expand|widen|outpaint|uncrop)( the)?( (image|photo|picture|canvas|frame))?( (to|into) (an? )?(?P<a>\d+(\.\d+)?) ?[:x/] ?(?P<b>\d+(\.\d+)?))?( (on|to) the (?P<side>left|right|top|bottom)( side)?)?|add (some )?(more )?(space|room|background) (on|to|at) the (?P<side2>left|right|top|bottom)( side)?)\b",
)
def _extend(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("a"):
        return {"aspect": (float(m.group("a")), float(m.group("b")))}
    side = m.group("side") or m.group("side2")
    if side:
        return {"sides": [side], **_share(clause)}
    if m.group("dir") == "taller":
        return {"sides": ["top", "bottom"], **_share(clause)}
    return {"sides": ["left", "right"], **_share(clause)}


def _share(clause: str) -> dict[str, Any]:
    pct = percent(clause)
    if pct is not None:
        return {"share": abs(pct)}
    value = amount(clause)
    return {} if value == 1.0 else {"share": 0.25 * value}


# -- looks (before single operations: "golden hour" must not read as "warm") ----------------------------------
_LOOK_WORDS = {
    "golden_hour": r"golden[ -]hour|sunset( look| light| glow)?",
    "night": r"night(time)?( look| scene| shot)?|day ?for ?night|like (it'?s|it is) night|(taken |shot )?at night",
    "moody": r"moody|moodier|gloomy|brooding",
    "vintage": r"vintage|retro|old[ -]fashioned|(an )?old (photo|photograph|picture)( look)?|aged|antique|old",
    "high_key": r"high[ -]key",
    "low_key": r"low[ -]key",
    "faded_film": r"faded( film)?|film look|analog(ue)? film|matte|(like )?(a )?film(?! grain)",
    "cinematic": r"cinematic|teal and orange|movie look|film grade",
    "dramatic": r"dramatic",
}
for _name, _words in _LOOK_WORDS.items():

    def _look(m: re.Match[str], clause: str, name: str = _name) -> dict[str, Any]:
        return {"name": name, **_amt(clause)}

    rule("look", rf"\b(?:{_words})\b( (look|style|mood|vibe|feel|effect))?")(_look)


# -- colour and light -----------------------------------------------------------------------------------------
rule(
    "auto_white_balance",
    r"\b(auto(matic)?[ -]?)?white[ -]?balance|(remove|fix|correct) (the )?colou?r cast|colou?r[ -]correct(ion)?|neutrali[sz]e (the )?colou?rs?\b",
)(lambda m, c: {})
rule(
    "black_and_white",
    r"\b(blackwhite|gr[ae]y ?scale|monochrome|monochromatic|mono|desaturated? (completely|fully|entirely|totally)"
    r"|(completely|fully|entirely|totally) desaturated?|(remove|drop|strip|take out) (all )?(the )?colou?rs?"
    r"|no colou?rs?|colou?rless|noir|gr[ae]y ?tones?)\b",
)(lambda m, c: {})
rule("sepia", r"\bsepia( ton(e|ed|ing))?\b")(lambda m, c: _amt(c))
rule("invert", r"\b(invert(ed)?|negative|inverse)( (the )?colou?rs?)?\b")(lambda m, c: {})
rule(
    "auto_levels",
    r"\b(auto[ -]?(levels|contrast|tone|enhance|fix)|normali[sz]e|stretch (the )?histogram|fix (the )?levels|auto[ -]?correct|enhance( it| the (photo|image|picture))?|(fix|correct|improve) (the )?(exposure|lighting|light|levels))\b",
)(lambda m, c: {})


# The number starts where a digit run starts (lookbehind), so a long run of digits is scanned once, not once per digit.
@rule(
    "exposure",
    r"(?<![\w.+-])(?P<ev>[+-]?\d+(\.\d+)?) ?(ev|stops?)\b( of exposure)?|\b(over|under)[ -]?expose[d]?\b",
)
def _exposure(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("ev") is not None:
        ev = float(m.group("ev"))
        if re.search(r"\b(darker|decrease|reduce|lower|down|less|under)\b", clause):
            ev = -abs(ev)
        return {"ev": ev}
    return {"ev": -1.0 if "under" in m.group(0) else 1.0}


rule("exposure", r"\b(increase|raise|boost|more) (the )?exposure\b")(lambda m, c: {"ev": 0.5 * amount(c)})
rule("exposure", r"\b(decrease|reduce|lower|less) (the )?exposure\b")(lambda m, c: {"ev": -0.5 * amount(c)})
rule("gamma", r"\bgamma( of| to| at)? (?P<g>\d+(\.\d+)?)\b")(lambda m, c: {"gamma": float(m.group("g"))})
rule(
    "shadows",
    r"\b(brighten|lift|open up|lighten|recover|bring out)( the)? (shadows|dark areas|darks)|(brighter|lighter) shadows\b",
)(lambda m, c: _amt(c))
rule(
    "highlights",
    r"\b(recover|tone down|darken|reduce|bring down|tame)( the)? (highlights|bright areas|sky highlights)|(darker|softer) highlights\b",
)(lambda m, c: _amt(c))
rule(
    "brightness",
    r"\b(darker|darken|dim(mer)?|(decrease|reduce|lower) (the )?brightness|less bright|not so bright|too bright)\b",
)(lambda m, c: _down(_amt(c)))
rule(
    "brightness",
    r"\b(brighter|brighten|lighten|lighter|more light|(increase|raise|boost|up) (the )?brightness|more bright"
    r"|too dark|bright|brightness)\b",
)(lambda m, c: _amt(c))
rule(
    "contrast",
    r"\b((less|lower|decrease|reduce|soften|softer) (the )?contrast|flatter|flatten|low[ -]contrast)\b",
)(lambda m, c: _down(_amt(c)))
rule(
    "contrast",
    r"\b((more|increase|boost|higher|raise|add|stronger|up|punch up) (the )?contrast|contrast(y|ier)|punchy|punchier"
    r"|high[ -]contrast|contrast)\b",
)(lambda m, c: _amt(c))
rule("vibrance", r"\b(less vibrant|reduce (the )?vibrance|lower (the )?vibrance)\b")(lambda m, c: _down(_amt(c)))
rule("vibrance", r"\b(more vibrant|vibran(ce|t)|(boost|increase) (the )?vibrance)\b")(lambda m, c: _amt(c))
rule(
    "saturation",
    r"\b(desaturated?|less saturat(ed|ion)|(reduce|lower|decrease) (the )?saturation|muted?( (the )?colou?rs?)?"
    r"|less colou?rful|washed[ -]out|tone down (the )?colou?rs?)\b",
)(lambda m, c: _down(_amt(c)))
rule(
    "saturation",
    r"\b(more saturat(ed|ion)|saturate|(increase|boost|raise) (the )?saturation|more colou?rful|colou?rful|vivid"
    r"|(boost|pump up|intensify|enhance) (the )?colou?rs?|richer colou?rs?|pop|saturation|saturated)\b",
)(lambda m, c: _amt(c))
rule("warmth", r"\b(cooler|cool( it)?( down)?|colder|cold|bluer|icy|chilly|less warm)\b( tones?| look)?")(
    lambda m, c: _down(_amt(c))
)
rule("warmth", r"\b(warmer|warm( it)?( up)?|warmth|more warm|toastier|sunnier)\b( tones?| look)?")(lambda m, c: _amt(c))
rule("tint", r"\b(greener|green(ish)?) tint\b|\btint (it )?green\b")(lambda m, c: {"toward": "green", **_amt(c)})
rule("tint", r"\b(magenta|pinker|pink(ish)?) tint\b|\btint (it )?magenta\b")(
    lambda m, c: {"toward": "magenta", **_amt(c)}
)


@rule(
    "colour_tint",
    rf"\b(tint|wash|tone|colou?r grade|grade)( it| the image)?( with| in| to)? (?P<c>{COLOUR_RE})\b"
    rf"|\b(?P<c2>{COLOUR_RE})(ish)? (tint|wash|tone|cast|filter|overlay)\b",
)
def _colour_tint(m: re.Match[str], clause: str) -> dict[str, Any]:
    found = colour(m.group("c") or m.group("c2") or "")
    return {"colour": found, **_amt(clause)}


@rule(
    "hue_shift",
    r"\b(shift|rotate|change|move) (the )?hues?( by)? (?P<d>-?\d+(\.\d+)?) ?(deg(rees)?|°)?"
    r"|\bhue[ -]?shift( by| of)? (?P<d2>-?\d+(\.\d+)?) ?(deg(rees)?|°)?|\b(shift|rotate) (the )?hues?\b",
)
def _hue(m: re.Match[str], clause: str) -> dict[str, Any]:
    value = m.group("d") or m.group("d2")
    return {"degrees": float(value) if value else 30.0}


# -- filters --------------------------------------------------------------------------------------------------
rule("pencil_sketch", r"\b(pencil[ -]?(sketch|drawing)|sketch(ed|y)?|line drawing|charcoal( drawing)?|drawing)\b")(
    lambda m, c: _amt(c)
)
rule("cartoon", r"\b(cartoon(ish|ify|ized|ised|y)?|comic( book)?|toon|cel[ -]?shad(ed|ing)|anime style)\b")(
    lambda m, c: {}
)
rule("emboss", r"\b(emboss(ed)?|relief|engrav(ed|ing))\b")(lambda m, c: _amt(c))
rule(
    "denoise",
    r"\b(denoise|de-noise|noise reduction|(reduce|remove|less|clean up|smooth( out)?) (the )?(noise|grain)|less noisy)\b",
)(lambda m, c: _amt(c))
rule("grain", r"\b((film )?grain(y)?|add noise|noisy|noise)\b")(lambda m, c: _amt(c))


@rule(
    "pixelate",
    r"\b(pixel(ate|ated|ise|ize|ized|ised)|pixel art|mosaic|8[ -]?bit)\b( with (?P<b>\d+) ?(px|pixels?)( blocks?)?)?",
)
def _pixelate(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {"block": int(m.group("b"))} if m.group("b") else _amt(clause)


@rule(
    "posterize",
    r"\b(posteri[sz]ed?|fewer colou?rs|(?P<n>\d+) (colou?r|tone) levels|flat colou?rs)\b"
    r"( (to|with|into) (?P<n2>\d+)( (colou?r |tone )?levels)?)?",
)
def _posterize(m: re.Match[str], clause: str) -> dict[str, Any]:
    levels = m.group("n") or m.group("n2")
    return {"levels": int(levels)} if levels else {}


@rule(
    "sharpen",
    r"\b(sharpen(ed)?|sharper|crisper|crisp|more (detail|defined)|enhance (the )?details?|unsharp( mask)?"
    r"|less blurry|deblur|un-?blur|clarity)\b",
)
def _sharpen(m: re.Match[str], clause: str) -> dict[str, Any]:
    return _amt(clause)


@rule(
    "blur",
    r"\b(blur(ry|red)?|soften|softer|out of focus|defocus(ed)?|gaussian blur|smooth(en)?)\b"
    r"( (by|with|of|at)? ?(a )?(radius (of )?)?(?P<r>\d+(\.\d+)?) ?(px|pixels?)( radius)?)?",
)
def _blur(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {"radius": float(m.group("r"))} if m.group("r") else _amt(clause)


# -- geometry -------------------------------------------------------------------------------------------------
_CW = r"(?P<dir>clockwise|counter[ -]?clockwise|anti[ -]?clockwise|cw|ccw|to the left|to the right|left|right)"


@rule(
    "rotate",
    rf"\b(rotate|turn|tilt|spin)( it| the image| the photo)?( by)? (?P<deg>-?\d+(\.\d+)?) ?(deg(ree)?s?|°)?( {_CW})?"
    rf"|\b(rotate|turn)( it| the image| the photo)? {_CW.replace('dir', 'dir2')}( by (?P<deg2>-?\d+) ?(deg(ree)?s?|°)?)?"
    r"|\b(?P<upside>(turn|rotate)( it| the image| the photo)? upside[ -]down)\b|\bquarter turn\b|\brotate( it)?\b",
)
def _rotate(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("upside"):
        return {"degrees": 180.0}
    value = m.group("deg") or m.group("deg2")
    degrees = float(value) if value else 90.0
    direction = m.group("dir") or m.group("dir2") or ""
    counter = bool(re.search(r"counter|anti|ccw|left", direction))
    return {"degrees": degrees if counter else -degrees}


@rule(
    "flip",
    r"\b(flip|mirror)( it| the image| the photo)?( (?P<how>horizontally|vertically|upside[ -]down"
    r"|left[ -]to[ -]right|top[ -]to[ -]bottom|left[ -]right|up[ -]down|horizontal|vertical))?\b",
)
def _flip(m: re.Match[str], clause: str) -> dict[str, Any]:
    how = m.group("how") or ""
    vertical = bool(re.search(r"vertical|upside|top|up", how))
    return {"direction": "vertical" if vertical else "horizontal"}


_REGION = r"(?P<region>center|centre|middle|top half|bottom half|left half|right half|top left|top right|bottom left|bottom right)"


@rule(
    "crop",
    rf"\bcrop( it| the image| the photo)?( to| into)?( an?| the)? ?((?P<a>\d+(\.\d+)?) ?[:x/] ?(?P<b>\d+(\.\d+)?)"
    rf"|(?P<square>square)|(?P<wide>widescreen|16:9)|{_REGION}|(?P<portrait>portrait)|(?P<landscape>landscape))"
    r"( (aspect )?(ratio|format|crop))?\b|\bmake it (?P<square2>square)\b",
)
def _crop(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("a"):
        return {"aspect": (float(m.group("a")), float(m.group("b")))}
    if m.group("square") or m.group("square2"):
        return {"aspect": (1.0, 1.0)}
    if m.group("wide"):
        return {"aspect": (16.0, 9.0)}
    if m.group("portrait"):
        return {"aspect": (4.0, 5.0)}
    if m.group("landscape"):
        return {"aspect": (3.0, 2.0)}
    region = m.group("region").replace("centre", "center").replace("middle", "center")
    return {"region": region}


@rule(
    "resize",
    r"\b(make it|resize( it)?( to)?|scale( it)?( to)?) ?((?P<w>\d+) ?[x×] ?(?P<h>\d+)|(?P<width>\d+) ?(px|pixels)? (wide|across|in width)|(?P<height>\d+) ?(px|pixels)? (tall|high|in height))\b|\b((make it )?(?P<pct>\d+(\.\d+)?) ?(%|percent) (?P<dir>smaller|larger|bigger)|make it (?P<dir2>smaller|larger|bigger))\b",
)
def _resize_phrases(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("w"):
        return {"size": (int(m.group("w")), int(m.group("h")))}
    if m.group("width"):
        return {"width": int(m.group("width"))}
    if m.group("height"):
        return {"height": int(m.group("height"))}
    grow = (m.group("dir") or m.group("dir2")) in ("larger", "bigger")
    pct = float(m.group("pct")) / 100 if m.group("pct") else 0.5
    return {"factor": 1 + pct if grow else max(0.05, 1 - pct)}


@rule(
    "resize",
    r"\b(resize|scale|shrink|enlarge|upscale|downscale|downsize)( it| the image| the photo)?"
    r"( to| by)? ?((?P<w>\d+) ?[x×*] ?(?P<h>\d+)( ?px| pixels)?|(?P<pct>\d+(\.\d+)?) ?(%|percent)|(?P<f>\d+(\.\d+)?) ?x|"
    r"(?P<half>half)( (the )?size)?|(?P<double>double|twice)( (the )?size)?)?\b"
    r"|\bmake it (?P<half2>half|twice|double) (the |its )?size\b",
)
def _resize(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("w"):
        return {"size": (int(m.group("w")), int(m.group("h")))}
    if m.group("pct"):
        return {"factor": float(m.group("pct")) / 100}
    if m.group("f"):
        return {"factor": float(m.group("f"))}
    if m.group("half") or m.group("half2") == "half":
        return {"factor": 0.5}
    if m.group("double") or m.group("half2") in ("twice", "double"):
        return {"factor": 2.0}
    word = m.group(1)
    return {"factor": 2.0 if word in ("enlarge", "upscale") else 0.5}


@rule(
    "pad",
    rf"\b(pad|letterbox|pillarbox)( it| the image| the photo)?( to (?P<a>\d+) ?[:x/] ?(?P<b>\d+))?"
    rf"( with (?P<c>{COLOUR_RE}))?( (padding|bars|borders?))?\b"
    rf"|\b(add )?(an? |a thin |a thick )?(?P<c2>{COLOUR_RE} )?(border|frame|padding)( of (?P<px>\d+) ?(px|pixels?))?"
    rf"( in (?P<c3>{COLOUR_RE}))?\b",
)
def _pad(m: re.Match[str], clause: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if m.group("a"):
        params["aspect"] = (float(m.group("a")), float(m.group("b")))
    found = colour(m.group("c") or m.group("c2") or m.group("c3") or "")
    if found is not None:
        params["colour"] = found
    if m.group("px"):
        params["pixels"] = int(m.group("px"))
    elif "thin" in m.group(0):
        params["pixels_fraction"] = 0.02
    elif "thick" in m.group(0):
        params["pixels_fraction"] = 0.1
    return params


# -- text (consumes its whole clause: captions are described in many ways) ------------------------------------
# Words a clause may hold when it only describes the text of the clause before ("…'SALE', in red, large").
_TEXT_MODIFIER_WORDS = set(
    """in at on with and a an the it make use font text size color colour of to large small big huge giant tiny medium
    bold outline outlined stroke shadow drop top bottom upper lower center centre middle left right corner side
    edge""".split()
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
