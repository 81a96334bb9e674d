# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Phrases that name a region or another image themselves: the background, the sky, a second image, the canvas.

They run before scope words are taken out of the clause. A phrase only claims the words it needs: "make the
background" without a colour is not a background replacement (it is a scope: "make the background black and
white" turns the background grey), and "make the sky" without a style is not a new sky.
"""

from __future__ import annotations

import re
from typing import Any

from .grammar import amt, rule, share
from .vocabulary import COLOUR_RE, colour, position

_BG = r"(back ?ground|backdrop|surroundings)"
_ORD = r"(?P<ord>second|other|2nd|third|3rd|last)"

rule(
    "background_remove",
    rf"\b((remove|delete|erase|drop|get rid of|cut out|clear)( the)? {_BG}|(make )?(the )?{_BG} transparent|transparent {_BG}|cut out the (subject|person|object|product))\b",
)(lambda m, c: {})
rule(
    "background_blur",
    rf"\b((blur|soften|defocus)( out)?( the)? {_BG}( more)?|(make )?(the )?{_BG} (more )?(blur(red|ry)?|out of focus)|blurr?(ed|y) {_BG}|bokeh|portrait mode|shallow depth of field)\b",
)(lambda m, c: amt(c))


@rule(
    "background_replace",
    rf"\b(replace|change|swap|make|turn|set|paint|colou?r)( the)? {_BG}( (with|to|into|for))?( an?| the| some)? ((?P<c>{COLOUR_RE})(( (and|to|into) (?P<c2>{COLOUR_RE}))? gradient| (?P<c3>{COLOUR_RE}))?|{_ORD} (image|photo|picture|one))\b( gradient)?",
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
    rf"\b(paste|put|place|insert|overlay|add|stamp|use)( the)? {_ORD} (image|photo|picture|one|logo)( as (a |an )?(?P<wm>watermark|logo))?( (in|into|on|at|onto|to) (the )?(?P<where>[a-z ]{{1,40}}?))?( corner)?\s*$",
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

_SKY_STYLE = r"(?P<adjN>dramatic|beautiful|vivid|intense|colou?rful|fiery|gorgeous|stunning|soft|calm|pale|warm)?( |, )?(?P<style>sunset|sunrise|golden( hour)?|clear( blue)?|blue|stormy|storm|cloudy|overcast|night( with stars)?|starry( night)?|dusk)"


def _sky_style(n: int) -> str:
    return _SKY_STYLE.replace("adjN", f"adj{n}").replace("(?P<style>", f"(?P<style{n}>")


@rule(
    "sky_replace",
    rf"\b((replace|swap|change)( the)? (sky|skies)( (with|to|into|for))?( an?| the| some)?( {_sky_style(1)})?( sky)?|(make|turn|paint)( the)? (sky|skies)( (to|into|look like|like|be))?( an?| the| some)? {_sky_style(2)}( sky)?|(?P<style3>starry night|sunset|stormy|starry|clear blue|night) sky)\b",
)
def _sky(m: re.Match[str], clause: str) -> dict[str, Any]:
    word = m.group("style1") or m.group("style2") or m.group("style3") or "clear"
    params: dict[str, Any] = {"style": "clear"}
    for style, names in (
        ("sunset", ("sunset", "sunrise", "golden", "dusk")),
        ("stormy", ("storm", "cloudy", "overcast")),
        ("night", ("night", "starry")),
    ):
        if any(n in word for n in names):
            params["style"] = style
    # The adjective modifies the sky it names: "a dramatic sunset" is a more intense sunset, not a storm.
    if (m.group("adj1") or m.group("adj2")) in (
        "dramatic",
        "vivid",
        "intense",
        "colourful",
        "colorful",
        "fiery",
        "stunning",
    ):
        params["intense"] = True
    return params


@rule(
    "sky_replace",
    r"\b(replace|swap|change|make|turn)( the)? (sky|skies)( (with|to|into|look))?( an?| the| some)? (?P<adj>dramatic)( one| sky| looking)?\b",
)
def _dramatic_sky(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {"style": "stormy"}


@rule(
    "extend",
    r"\b((make|turn) (it|the image|the photo|the picture) (?P<dir>wider|taller|broader)|(extend|expand|widen|outpaint|uncrop)( the)?( (image|photo|picture|canvas|frame))?( (to|into) (an? )?(?P<a>\d+(\.\d+)?) ?[:x/] ?(?P<b>\d+(\.\d+)?))?( (on|to) the (?P<side>left|right|top|bottom)( side)?)?|add (some )?(more )?(space|room|background) (on|to|at) the (?P<side2>left|right|top|bottom)( side)?)\b",
)
def _extend(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("a"):
        return {"aspect": (float(m.group("a")), float(m.group("b")))}
    side = m.group("side") or m.group("side2")
    if side:
        return {"sides": [side], **share(clause)}
    if m.group("dir") == "taller":
        return {"sides": ["top", "bottom"], **share(clause)}
    return {"sides": ["left", "right"], **share(clause)}
