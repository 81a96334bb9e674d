"""Polarity is never filler: every direction word, on every concept it can name, gives the sign it says — or the
prompt is refused. Enumerated over the parser's own word lists, so a word added there is checked here too; plus
the generated corpus (operations × verbs × objects × direction words × amounts × fillers, 3,600 cases)."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from retouch.engines.classic import parse, plan_text
from retouch.engines.classic.adjust import BARE_COLOURS, CONCEPTS, SELF_COMPLAINTS
from retouch.engines.classic.polarity import DOWN_WORDS, PHRASES, UP_WORDS, direction_label, step_sign
from retouch.errors import InputError

from .corpus.generated import cases

# Where the sign of an axis shows: the operation and the sign its step carries (sharpness and noise are two
# operations, their sign is which one).
OPS = {"sharpness": {"sharpen": 1, "blur": -1}, "noise": {"grain": 1, "denoise": -1}}
NOUNS = sorted(w for w, (axis, pol) in CONCEPTS.items() if pol == 0 and "_" not in w and axis != "size")
ADJECTIVES = sorted(
    w
    for w, (axis, pol) in CONCEPTS.items()
    if pol != 0
    and "_" not in w
    and w not in SELF_COMPLAINTS
    and w not in BARE_COLOURS
    and not axis.startswith("colour")
)
UP = sorted(UP_WORDS | {p for p, d in PHRASES.items() if d == "UP"})
DOWN = sorted(DOWN_WORDS | {p for p, d in PHRASES.items() if d == "DOWN"})


def _read(prompt: str) -> list[tuple[str, int]] | None:
    try:
        plan = parse(prompt)
    except InputError:
        return None
    return [(s.op, step_sign(s.op, dict(s.params))) for s in plan.steps]


def _sign_of(axis: str, steps: list[tuple[str, int]]) -> int | None:
    """The sign the plan gives the axis, or None when the plan is not one step on it."""
    if len(steps) != 1:
        return None
    op, sign = steps[0]
    if axis in OPS:
        return OPS[axis].get(op)
    if op == axis or (axis, op) == ("size", "resize"):
        return sign
    return None


def _check(prompts: list[tuple[str, str, int]], least_accepted: float) -> None:
    accepted = 0
    wrong = []
    for prompt, axis, want in prompts:
        steps = _read(prompt)
        if steps is None:
            continue
        accepted += 1
        if _sign_of(axis, steps) != want:
            wrong.append((prompt, steps, want))
    assert not wrong, wrong[:10]
    assert accepted >= least_accepted * len(prompts), f"only {accepted} of {len(prompts)} accepted"


def test_every_direction_word_on_every_noun() -> None:
    prompts = []
    for (words, want), noun in itertools.product([(UP, 1), (DOWN, -1)], NOUNS):
        axis = CONCEPTS[noun][0]
        for word in words:
            for frame in ("{w} the {n}", "{w} {n} a bit", "please {w} the {n}", "can you {w} the {n}?"):
                prompts.append((frame.format(w=word, n=noun), axis, want))
    _check(prompts, least_accepted=0.8)


@pytest.mark.parametrize("word", ADJECTIVES)
def test_every_directed_word_with_more_less_too_and_complaints(word: str) -> None:
    axis, polarity = CONCEPTS[word]
    prompts = [
        (f"make it more {word}", axis, polarity),
        (f"make it less {word}", axis, -polarity),
        (f"make it a bit {word}", axis, polarity),
        (f"too {word}", axis, -polarity),
        (f"it's way too {word}", axis, -polarity),
        (f"it looks too {word}", axis, -polarity),
        (f"the photo is {word}", axis, -polarity),
        (f"not so {word}", axis, -polarity),
        (f"it is not {word} enough", axis, polarity),
    ]
    _check(prompts, least_accepted=0.0)  # "make it more sharpen" may be refused; never misread


PARTICLES = [("turn", "up", 1), ("turn", "down", -1), ("bring", "down", -1), ("dial", "back", -1), ("crank", "up", 1)]
DISAGREE = ["warm it down", "cool it up", "brighten it down", "reduce and increase the contrast", "make it not warmer"]
DISAGREE += ["make it more less bright", "don't make it brighter"]


@pytest.mark.parametrize(("verb", "particle", "want"), PARTICLES)
def test_a_particle_far_from_its_verb_still_decides(verb: str, particle: str, want: int) -> None:
    for noun in ("brightness", "contrast", "saturation", "warmth"):
        assert _sign_of(noun, _read(f"{verb} the {noun} {particle} a notch") or []) == want


@pytest.mark.parametrize("prompt", DISAGREE)
def test_words_that_disagree_are_refused(prompt: str) -> None:
    assert _read(prompt) is None, plan_text(prompt)


def test_the_generated_corpus_reads_operation_and_sign() -> None:
    generated = cases()
    assert len(generated) >= 3000
    misread, refused = [], []
    for case in generated:
        steps = _read(case.prompt)
        if not case.op:
            if steps is not None:
                misread.append((case.prompt, steps, "expected a refusal"))
            continue
        if steps is None:
            refused.append(case.prompt)
            continue
        ok = len(steps) == 1 and steps[0][0] == case.op and (not case.sign or steps[0][1] == case.sign)
        if not ok:
            misread.append((case.prompt, steps, (case.op, case.sign)))
    assert not misread, misread[:10]
    assert not refused, refused[:10]
    assert len(Counter(c.family for c in generated)) >= 6


def test_the_plan_names_the_direction_it_read() -> None:
    assert direction_label("brightness", {"direction": -1}) == "darker"
    assert direction_label("rotate", {"degrees": -90.0}) == "clockwise"
    assert direction_label("colour_balance", {"toward": "red", "direction": -1}) == "less red"
    assert direction_label("sharpen", {}) == ""
    text = plan_text("tone down the contrast and make it a bit warmer")
    assert "[less contrast]" in text and "[warmer]" in text
