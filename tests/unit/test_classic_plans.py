"""Prompt → plan, for the phrasings people actually type; and refusals for what the classic engine cannot do."""

from __future__ import annotations

from typing import Any

import pytest

from retouch.engines.classic import parse
from retouch.errors import EngineRefusal

# (prompt, expected [(op, params subset)])
PLANS: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
    ("make it black and white", [("black_and_white", {})]),
    ("B&W", [("black_and_white", {})]),
    ("b/w please", [("black_and_white", {})]),
    ("convert to grayscale", [("black_and_white", {})]),
    ("greyscale", [("black_and_white", {})]),
    ("monochrome", [("black_and_white", {})]),
    ("desaturate completely", [("black_and_white", {})]),
    ("remove all the colors", [("black_and_white", {})]),
    ("make it sepia", [("sepia", {})]),
    ("invert the colors", [("invert", {})]),
    ("make it a negative", [("invert", {})]),
    ("brighter", [("brightness", {})]),
    ("brighten it by 20%", [("brightness", {"percent": 0.2})]),
    ("make it a bit darker", [("brightness", {"direction": -1, "amount": 0.5})]),
    ("it's too dark", [("brightness", {})]),
    ("+0.5 EV", [("exposure", {"ev": 0.5})]),
    ("increase exposure by 1 stop", [("exposure", {"ev": 1.0})]),
    ("underexpose it", [("exposure", {"ev": -1.0})]),
    ("more contrast", [("contrast", {})]),
    ("much more contrast", [("contrast", {"amount": 1.8})]),
    ("lower the contrast slightly", [("contrast", {"direction": -1, "amount": 0.5})]),
    ("increase contrast by 30%", [("contrast", {"percent": 0.3})]),
    ("gamma 1.8", [("gamma", {"gamma": 1.8})]),
    ("more saturated", [("saturation", {})]),
    ("make the colors pop", [("saturation", {})]),
    ("less saturated", [("saturation", {"direction": -1})]),
    ("muted colours", [("saturation", {"direction": -1})]),
    ("boost vibrance", [("vibrance", {})]),
    ("make it warmer", [("warmth", {})]),
    ("a bit warmer", [("warmth", {"amount": 0.5})]),
    ("cool it down", [("warmth", {"direction": -1})]),
    ("colder tones", [("warmth", {"direction": -1})]),
    ("green tint", [("tint", {"toward": "green"})]),
    ("magenta tint", [("tint", {"toward": "magenta"})]),
    ("tint it blue", [("colour_tint", {"colour": (30, 80, 220)})]),
    ("tint it #ff8800", [("colour_tint", {"colour": (255, 136, 0)})]),
    ("shift hue by 45 degrees", [("hue_shift", {"degrees": 45.0})]),
    ("auto levels", [("auto_levels", {})]),
    ("normalize", [("auto_levels", {})]),
    ("fix the white balance", [("auto_white_balance", {})]),
    ("remove the color cast", [("auto_white_balance", {})]),
    ("golden hour look", [("look", {"name": "golden_hour"})]),
    ("make it look like night", [("look", {"name": "night"})]),
    ("moody", [("look", {"name": "moody"})]),
    ("vintage", [("look", {"name": "vintage"})]),
    ("high key", [("look", {"name": "high_key"})]),
    ("faded film look", [("look", {"name": "faded_film"})]),
    ("cinematic", [("look", {"name": "cinematic"})]),
    ("blur it", [("blur", {})]),
    ("blur with a radius of 5px", [("blur", {"radius": 5.0})]),
    ("sharpen", [("sharpen", {})]),
    ("make it crisper", [("sharpen", {})]),
    ("reduce noise", [("denoise", {})]),
    ("denoise slightly", [("denoise", {"amount": 0.5})]),
    ("add a vignette", [("vignette", {})]),
    ("darken the corners", [("vignette", {})]),
    ("add film grain", [("grain", {})]),
    ("pixelate", [("pixelate", {})]),
    ("posterize to 4 levels", [("posterize", {"levels": 4})]),
    ("cartoon", [("cartoon", {})]),
    ("make it look like a pencil sketch", [("pencil_sketch", {})]),
    ("emboss it", [("emboss", {})]),
    ("rotate 90 degrees clockwise", [("rotate", {"degrees": -90.0})]),
    ("rotate 90 degrees counterclockwise", [("rotate", {"degrees": 90.0})]),
    ("turn it upside down", [("rotate", {"degrees": 180.0})]),
    ("rotate 45 degrees", [("rotate", {"degrees": -45.0})]),
    ("rotate left", [("rotate", {"degrees": 90.0})]),
    ("flip horizontally", [("flip", {"direction": "horizontal"})]),
    ("mirror it", [("flip", {"direction": "horizontal"})]),
    ("flip vertically", [("flip", {"direction": "vertical"})]),
    ("crop to 16:9", [("crop", {"aspect": (16.0, 9.0)})]),
    ("make it square", [("crop", {"aspect": (1.0, 1.0)})]),
    ("crop the top half", [("crop", {"region": "top half"})]),
    ("resize to 512x512", [("resize", {"size": (512, 512)})]),
    ("scale it to 50%", [("resize", {"factor": 0.5})]),
    ("make it twice the size", [("resize", {"factor": 2.0})]),
    ("pad to 1:1 with black", [("pad", {"aspect": (1.0, 1.0), "colour": (0, 0, 0)})]),
    ("add a black border of 20px", [("pad", {"colour": (0, 0, 0), "pixels": 20})]),
    (
        "add the text 'Hello World' in red at the top right, large, with an outline",
        [
            (
                "text",
                {
                    "text": "Hello World",
                    "position": "top right",
                    "colour": (220, 30, 30),
                    "size": "large",
                    "outline": True,
                },
            )
        ],
    ),
    (
        'write "SALE" in the bottom center in yellow with a shadow',
        [("text", {"text": "SALE", "position": "bottom center", "colour": (250, 220, 30), "shadow": True})],
    ),
    (
        "make it warmer, add a vignette and sharpen it",
        [("warmth", {}), ("vignette", {}), ("sharpen", {})],
    ),
    ("make it a bit darker and less saturated", [("brightness", {"direction": -1}), ("saturation", {"direction": -1})]),
    ("make it sepia and add film grain", [("sepia", {}), ("grain", {})]),
    ("black and white, then add a vignette", [("black_and_white", {}), ("vignette", {})]),
    ("flip it horizontally and rotate 180 degrees", [("flip", {}), ("rotate", {"degrees": -180.0})]),
    ("blur the background", [("background_blur", {})]),
    ("remove the background", [("background_remove", {})]),
    ("make the background transparent", [("background_remove", {})]),
    ("replace the background with white", [("background_replace", {"colour": (255, 255, 255)})]),
    (
        "make the background a navy to orange gradient",
        [("background_replace", {"colour": (20, 30, 110), "colour2": (250, 140, 20)})],
    ),
    ("replace the background with the second image", [("background_replace", {"source": "image", "image": 1})]),
    ("use the colours of the second image", [("colour_transfer", {"image": 1})]),
    ("add the second image as a watermark", [("paste", {"opacity": 0.45, "position": "bottom right"})]),
    ("paste the second image in the top left corner", [("paste", {"position": "top left"})]),
    ("put them side by side", [("side_by_side", {})]),
    ("make it wider", [("extend", {"sides": ["left", "right"]})]),
    ("extend to 16:9", [("extend", {"aspect": (16.0, 9.0)})]),
    ("add space on the left", [("extend", {"sides": ["left"]})]),
    ("replace the sky with a sunset", [("sky_replace", {"style": "sunset"})]),
    ("make the sky stormy", [("sky_replace", {"style": "stormy"})]),
    ("starry night sky", [("sky_replace", {"style": "night"})]),
    ("make it look old", [("look", {"name": "vintage"})]),
    ("make it 50% smaller", [("resize", {"factor": 0.5})]),
    ("make it darker and moodier", [("brightness", {"direction": -1}), ("look", {"name": "moody"})]),
    ("enhance the photo", [("auto_levels", {})]),
    ("brighten the shadows", [("shadows", {})]),
    ("recover the highlights", [("highlights", {})]),
    ("make it look like it was taken at night", [("look", {"name": "night"})]),
    ("make it 1024x1024", [("resize", {"size": (1024, 1024)})]),
    ("resize to 800 pixels wide", [("resize", {"width": 800})]),
    (
        "write Happy Birthday Anna at the top in gold",
        [("text", {"text": "Happy Birthday Anna", "position": "top center", "colour": (212, 175, 55)})],
    ),
    (
        "add text SALE at the bottom right in red, large",
        [("text", {"text": "SALE", "position": "bottom right", "colour": (220, 30, 30), "size": "large"})],
    ),
]

REFUSED: list[tuple[str, list[str]]] = [
    ("add a cat", ["cat"]),
    ("make her smile", ["smile"]),
    ("make him look older", ["older"]),
    ("remove the man on the left", ["man"]),
    ("erase the car", ["car"]),
    ("colorize this photo", ["colorize"]),
    ("asdf qwerty", ["asdf", "qwerty"]),
    ("what is in this picture?", ["what"]),
    ("hello", ["hello"]),
    ("put a moon in the sky", ["moon"]),
    ("turn the dog into a lion", ["dog", "lion"]),
    ("make the car red", ["car"]),
    ("put a hat on him", ["hat"]),
    ("make the clouds pink", ["clouds"]),
    ("add a rainbow", ["rainbow"]),
    ("make it warmer and add a dragon", ["dragon"]),
    ("sharpen it and make her eyes blue", ["eyes"]),
    ("change the season to winter", ["season", "winter"]),
    ("swap the faces", ["swap"]),
    ("make it look like a van gogh painting", ["van", "gogh", "painting"]),
    ("add snow", ["snow"]),
    ("give him a beard", ["beard"]),
    ("make it", []),
    ("   ", []),
]


def _subset(actual: dict[str, Any], expected: dict[str, Any]) -> bool:
    return all(actual.get(k) == v for k, v in expected.items())


@pytest.mark.parametrize(("prompt", "expected"), PLANS, ids=[p for p, _ in PLANS])
def test_plan(prompt: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    plan = parse(prompt)
    assert plan.ops == [op for op, _ in expected], plan.describe()
    for step, (_, params) in zip(plan.steps, expected, strict=True):
        assert _subset(step.params, params), plan.describe()


@pytest.mark.parametrize(("prompt", "words"), REFUSED, ids=[p or "blank" for p, _ in REFUSED])
def test_refused(prompt: str, words: list[str]) -> None:
    with pytest.raises(EngineRefusal) as exc:
        parse(prompt)
    for word in words:
        assert word in exc.value.not_understood, exc.value.message
    if prompt.strip():
        assert "diffusers" in exc.value.message and "openai" in exc.value.message
        assert exc.value.capable_engines == ["diffusers", "openai"]


def test_counts_meet_the_issue() -> None:
    assert len(PLANS) + len(REFUSED) >= 80 and len(REFUSED) >= 20


def test_removal_needs_a_mask_and_with_one_the_whole_clause_is_the_removal() -> None:
    with pytest.raises(EngineRefusal) as exc:
        parse("remove the man on the left")
    assert "mask" in exc.value.message
    assert parse("remove the man on the left", has_mask=True).ops == ["remove"]
    assert parse("erase the scratches and make it warmer", has_mask=True).ops == ["remove", "warmth"]
    assert parse("remove the people in the background", has_mask=True).ops == ["remove"]
    assert parse("make the masked area black and white", has_mask=True).ops == ["black_and_white"]
    with pytest.raises(EngineRefusal):
        parse("make the masked area black and white")  # no mask: the words point at nothing
    with pytest.raises(EngineRefusal):
        parse("make it black and white except the mask", has_mask=True)  # "except" would invert it: not guessed


def test_a_prompt_read_again_gives_the_same_plan_and_a_changed_plan_does_not_leak() -> None:
    """Plans are kept per prompt (each is read at submit and again by the worker); callers get their own copy."""
    from retouch.engines.base import TaskInfo
    from retouch.engines.classic.engine import plan_for

    info = TaskInfo(prompt="make it brighter and add a vignette", mode="edit", num_inputs=1, has_mask=False)
    first = plan_for(info)
    first.steps[0].params["amount"] = 99.0
    again = plan_for(info)
    assert again.describe() != first.describe()
    assert "99" not in again.describe()
    assert [s.op for s in again.steps] == [s.op for s in first.steps]
