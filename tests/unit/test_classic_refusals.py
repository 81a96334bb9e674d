"""Refusals say why: the words not understood, the reason, what the engine can do and which engines could."""

from __future__ import annotations

import pytest

from retouch.engines.classic import parse
from retouch.errors import EngineRefusal


@pytest.mark.parametrize(
    ("prompt", "words", "reason"),
    [
        ("crop", ["crop"], "say what to crop to"),
        ("zoom out", ["zoom"], "zooming out needs picture beyond the frame"),
        ("add the text on image", ["text"], "needs the words to write"),
        ("write something nice", ["something"], "needs the words to write"),
        ('change the text "drive" to "dive"', ["text"], "text recognition"),
        ("Color the black & white image", ["color"], "colorizing"),
        ("colourise it", ["colourise"], "colorizing"),
        ("tame the shadows", ["tame"], "lighter or darker"),
        ("make the sky and the background darker", ["the sky"], "names a region but no change"),
        ("make it less cartoony", ["less"], "not ignored"),
        ("make it look like a van gogh painting", ["van", "gogh", "painting"], "generative engine"),
    ],
)
def test_the_refusal_names_the_words_and_the_reason(prompt: str, words: list[str], reason: str) -> None:
    with pytest.raises(EngineRefusal) as exc:
        parse(prompt)
    for word in words:
        assert word in exc.value.not_understood, exc.value.not_understood
    assert reason.lower() in exc.value.message.lower(), exc.value.message
    assert "The classic engine can do:" in exc.value.message and "oil painting" in exc.value.message
    assert exc.value.capable_engines == ["diffusers", "openai"]


def test_contradictions_are_refused_naming_both() -> None:
    for prompt, first, second in (
        ("make it brighter and darker", "make it brighter", "darker"),
        ("increase the saturation and then desaturate it", "increase the saturation", "desaturate it"),
        ("sharpen it, then blur it", "sharpen it", "blur it"),
    ):
        with pytest.raises(EngineRefusal) as exc:
            parse(prompt)
        assert f"'{first}'" in exc.value.message and f"'{second}'" in exc.value.message, exc.value.message


def test_cropping_to_the_mask_says_why() -> None:
    with pytest.raises(EngineRefusal, match="a mask keeps the picture's frame"):
        parse("crop to the mask", has_mask=True)
