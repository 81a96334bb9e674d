# ruff: noqa: E501  (phrase patterns read best on one line each)
"""Geometry phrases: rotate (a slight rotation is a few degrees, corners cropped), flip, crop and zoom, resize,
pad, straighten the horizon. Size words without a number ("smaller", "shrink it") are read by ``adjust.py``."""

from __future__ import annotations

import re
from typing import Any

from .grammar import rule, share
from .vocabulary import COLOUR_RE, amount, colour

G = "general"
_IT = r"( it| this| the (image|photo|picture|pic|shot))?"
_SMALL = r"(a bit|slightly|a little( bit)?|a touch|a tad|a few degrees|just a bit|a hair)"

rule(
    "crop",
    rf"\b(crop|zoom( in)?|frame|cut){_IT}( (to|around|on|onto|in on|into|in to))( the)? (main )?(?P<what>subject|person|people|foreground)\b",
)(lambda m, c: {"to": "subject"})


@rule(
    "straighten",
    r"\b(straighten(ed)?( out| up)?( the)?( (horizon( line)?|photo|image|picture|it|shot))?|level( out)?( the)? horizon( line)?|(fix|correct)( the)? (tilted |crooked |slanted |wonky |sloping )?horizon( line)?|horizon( line)? (is|looks|seems) (crooked|tilted|slanted|wonky|sloping|not straight|off|skewed)|(crooked|tilted|wonky|slanted) horizon|make the horizon (straight|level))\b",
    G,
)
def _straighten(m: re.Match[str], clause: str) -> dict[str, Any]:
    return {}


_CW = r"(?P<dir>clockwise|counter[ -]?clockwise|anti[ -]?clockwise|cw|ccw|to the left|to the right|left|right)"


@rule(
    "rotate",
    rf"\b(rotate|turn|tilt|spin){_IT}( by)? (?P<deg>-?\d+(\.\d+)?) ?(deg(ree)?s?|°)?( {_CW})?"
    rf"|\b(rotate|turn|tilt|spin){_IT}( {_SMALL})? {_CW.replace('dir', 'dir2')}( (by )?(?P<deg2>-?\d+(\.\d+)?) ?(deg(ree)?s?|°)?)?"
    rf"|\b(?P<upside>(turn|rotate){_IT} upside[ -]down)\b|\bquarter turn\b|\b(?P<verb>rotate|tilt){_IT}\b",
    G,
)
def _rotate(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("upside"):
        return {"degrees": 180.0}
    value = m.group("deg") or m.group("deg2")
    direction = m.group("dir") or m.group("dir2") or ""
    counter = bool(re.search(r"counter|anti|ccw|left", direction))
    if value:
        degrees = float(value)
        return {"degrees": degrees if counter else -degrees}
    strength = amount(clause)
    if strength < 1.0 or m.group("verb") == "tilt" or "tilt" in m.group(0) or re.search(rf"\b{_SMALL}\b", clause):
        # "slightly": a few degrees, never a quarter turn; the empty corners are cropped away.
        small = 3.0 * min(1.0, strength / 0.5) if strength < 1.0 else 3.0
        return {"degrees": small if counter else -small, "crop": True}
    return {"degrees": 90.0 if counter else -90.0}


@rule(
    "flip",
    rf"\b(flip|mirror){_IT}( (?P<how>horizontally|vertically|upside[ -]down"
    r"|left[ -]to[ -]right|top[ -]to[ -]bottom|left[ -]right|up[ -]down|horizontal|vertical))?\b",
    G,
)
def _flip(m: re.Match[str], clause: str) -> dict[str, Any]:
    how = m.group("how") or ""
    vertical = bool(re.search(r"vertical|upside|top|up", how))
    return {"direction": "vertical" if vertical else "horizontal"}


_REGION = r"(?P<region>center|centre|middle|top half|bottom half|left half|right half|top left|top right|bottom left|bottom right)"


@rule(
    "crop",
    rf"\bcrop{_IT}( to| into)?( an?| the)? ?((?P<a>\d+(\.\d+)?) ?[:x/] ?(?P<b>\d+(\.\d+)?)"
    rf"|(?P<square>square)|(?P<wide>widescreen|16:9)|{_REGION}|(?P<portrait>portrait)|(?P<landscape>landscape))"
    r"( (aspect )?(ratio|format|crop|shape))?\b|\bmake it (?P<square2>square)\b"
    r"|\bmake it( an?)?( (landscape|portrait|widescreen|wide))? (?P<a2>\d+(\.\d+)?) ?: ?(?P<b2>\d+(\.\d+)?)\b"
    r"|\b((?P<square3>square)|(?P<a3>\d+(\.\d+)?) ?: ?(?P<b3>\d+(\.\d+)?)) crop( cent(er|r)ed| in the (middle|cent(er|re)))?\b",
    G,
)
def _crop(m: re.Match[str], clause: str) -> dict[str, Any]:
    for a, b in (("a", "b"), ("a2", "b2"), ("a3", "b3")):
        if m.group(a):
            return {"aspect": (float(m.group(a)), float(m.group(b)))}
    if m.group("square") or m.group("square2") or m.group("square3"):
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
    "crop",
    r"\b(crop|trim|cut|chop|shave)( off| out| away)?( (a bit|a little|slightly))?( of)?( the)? (?P<side>left|right|top|bottom)( (side|edge|part|end|border|strip))?( of( it| the (image|photo|picture)))?( (by )?\d+(\.\d+)? ?(%|percent))?\b",
    G,
)
def _crop_side(m: re.Match[str], clause: str) -> dict[str, Any]:
    """ "crop the left side": a strip is cut from that side (15% unless an amount or a percentage says)."""
    return {"side": m.group("side"), "share": 0.15, **share(clause, 0.15)}


@rule(
    "crop",
    r"\bzoom(ed)?( it)?[ -]?in\b( (on|to|into) (the )?(center|centre|middle))?( (by )?(?P<pct>\d+(\.\d+)?) ?(%|percent)| (?P<x>\d+(\.\d+)?) ?(x|times))?",
    G,
)
def _zoom(m: re.Match[str], clause: str) -> dict[str, Any]:
    """A centre crop: "zoom in 2x" keeps the middle half of each side; "zoom in by 50%" magnifies 1.5x."""
    if m.group("x"):
        return {"zoom": max(1.0, float(m.group("x")))}
    if m.group("pct"):
        return {"zoom": 1.0 + float(m.group("pct")) / 100}
    return {"zoom": round(1.0 + 0.5 * amount(clause), 3)}


@rule(
    "resize",
    r"\b(make it|resize( it)?( to)?|scale( it)?( to)?) ?((?P<w>\d+) ?[x×] ?(?P<h>\d+)|(?P<width>\d+) ?(px|pixels)? (wide|across|in width)|(?P<height>\d+) ?(px|pixels)? (tall|high|in height))\b|\b((make it )?(?P<pct>\d+(\.\d+)?) ?(%|percent) (?P<dir>smaller|larger|bigger))\b",
    G,
)
def _resize_phrases(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("w"):
        return {"size": (int(m.group("w")), int(m.group("h")))}
    if m.group("width"):
        return {"width": int(m.group("width"))}
    if m.group("height"):
        return {"height": int(m.group("height"))}
    grow = m.group("dir") in ("larger", "bigger")
    pct = float(m.group("pct")) / 100
    return {"factor": 1 + pct if grow else max(0.05, 1 - pct)}


@rule(
    "resize",
    r"\b(resize|scale|shrink|enlarge|upscale|downscale|downsize)( it| the image| the photo)?"
    r"( to| by)? ?((?P<w>\d+) ?[x×*] ?(?P<h>\d+)( ?px| pixels)?|(?P<pct>\d+(\.\d+)?) ?(%|percent)|(?P<f>\d+(\.\d+)?) ?x|"
    r"(?P<half>half)( (the )?size)?|(?P<double>double|twice)( (the )?size)?)(?!\w)"
    r"|\bmake it (?P<half2>half|twice|double) (the |its )?size\b|\b(?P<double2>double|halve)( the| its)?( image)? size\b"
    r"|\bscale( it| the image)? (?P<ud>down|up)( by (?P<half3>half))?\b"
    r"|\b(make it |make the (image|photo|picture) )?((?P<f2>\d+(\.\d+)?) ?(x|times)|twice) (as big|as large|bigger|larger)\b",
    G,
)
def _resize(m: re.Match[str], clause: str) -> dict[str, Any]:
    if m.group("f2"):
        return {"factor": float(m.group("f2"))}
    if m.group("w"):
        return {"size": (int(m.group("w")), int(m.group("h")))}
    if m.group("pct"):
        return {"factor": float(m.group("pct")) / 100}
    if m.group("f"):
        return {"factor": float(m.group("f"))}
    if m.group("half") or m.group("half2") == "half" or m.group("half3") or m.group("double2") == "halve":
        return {"factor": 0.5}
    if m.group("ud"):
        return {"factor": 2.0 if m.group("ud") == "up" else 0.5}
    return {"factor": 2.0}


@rule(
    "pad",
    rf"\b(pad|letterbox|pillarbox)( it| the image| the photo)?( to (?P<a>\d+) ?[:x/] ?(?P<b>\d+))?"
    rf"( with (?P<c>{COLOUR_RE}))?( (padding|bars|borders?))?\b"
    rf"|\b(add )?(an? |a thin |a thick )?(?P<c2>{COLOUR_RE} )?(border|frame|padding)( of (?P<px>\d+) ?(px|pixels?))?"
    rf"( in (?P<c3>{COLOUR_RE}))?\b",
    G,
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
