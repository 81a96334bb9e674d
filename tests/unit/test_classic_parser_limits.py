"""The parser is linear in the prompt's length and bounded: no pattern rescans a digit run, a clause or a quote per
match, and the caps on length, instructions and steps answer with a clear error naming the field and the limit.

Timings here are ratios (n against 4n characters, measured interleaved in the same test) or a generous absolute
bound far above a normal parse (~0.1 ms), so a loaded machine does not make them flaky while a quadratic or
exponential pattern still fails them by orders of magnitude."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retouch.engines.classic import parse
from retouch.engines.classic.clause import read_clause
from retouch.engines.classic.parser import MAX_CLAUSES, MAX_INSTRUCTION_CHARS, MAX_PROMPT_CHARS, MAX_STEPS, normalise
from retouch.engines.classic.quotes import pull_quotes
from retouch.engines.classic.typos import correct
from retouch.errors import EngineRefusal, InputError

# Units repeated to build long prompts: the attacks of issue 16 and the shapes that made patterns backtrack.
UNITS = [
    "0123456789",
    "9",
    "1.",
    "brighter ",
    "abcdefghij",
    "a",
    " ",
    ",",
    ".,;!?",
    "“",
    '"a',
    "'a",
    "‘x",
    "é中😀\u200b",
    "top left ",
    "put the other one in the ",
    "turn ",
    "1 ev ",
    "-",
    "+1",
    "qtext0 ",
    "by 5",
    "#ff",
    "and ",
    "red ",
    "rotate 9",
]
WORDS = (
    "make it a bit brighter darker warmer more less contrast saturation the sky background by 20 % 1 ev stops "
    "top left right bottom red blue in at on with and then , . ; ! ? ' \" “ ” rotate crop resize 16:9 x 512 "
    "add text write caption qtext0 turn into remove colour color not too very slightly please"
).split()


def _answer(prompt: str) -> None:
    try:
        parse(prompt)
    except (EngineRefusal, InputError):
        pass


def _timed(prompt: str) -> float:
    start = time.perf_counter()
    _answer(prompt)
    return time.perf_counter() - start


def _read(clause: str) -> None:
    """The clause reader alone, past the caps: the caps bound the constant, linearity must not depend on them."""
    text, quotes = normalise(clause)
    read_clause(correct(text)[0], quotes=quotes, original=clause, has_mask=False)


def _ratio(unit: str, n: int, answer: Callable[[str], None] = _answer) -> float:
    """Time for 4n characters over time for n: about 4 when linear, 16 when quadratic. Measured up to three times,
    the best kept: a busy machine can double one measurement, it does not make a linear parser quadratic."""
    best = _one_ratio(unit, n, answer)
    for _ in range(2):
        if best < 8:
            break
        best = min(best, _one_ratio(unit, n, answer))
    return best


def _one_ratio(unit: str, n: int, answer: Callable[[str], None]) -> float:
    short = (unit * (n // len(unit) + 1))[:n]
    long = (unit * (4 * n // len(unit) + 1))[: 4 * n]
    shorts, longs = [], []
    for _ in range(7):  # interleaved; the fastest of several runs, since other work on the machine only adds time
        for prompt, samples in ((short, shorts), (long, longs)):
            start = time.perf_counter()
            answer(prompt)
            samples.append(time.perf_counter() - start)
    return min(longs) / max(min(shorts), 2e-5)


@pytest.mark.parametrize("unit", UNITS)
def test_time_grows_linearly_for_each_attack_shape(unit: str) -> None:
    assert _ratio(unit, 1500) < 8


@pytest.mark.parametrize("unit", UNITS)
def test_reading_one_long_clause_is_linear_without_the_caps(unit: str) -> None:
    assert _ratio(unit, 1000, _read) < 8


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join), n=st.integers(300, 1900))
def test_time_grows_linearly_for_any_word_soup(unit: str, n: int) -> None:
    assert _ratio(unit + " ", n) < 8


@settings(max_examples=30, deadline=None)
@given(unit=st.text(min_size=1, max_size=16))
def test_time_grows_linearly_for_any_text(unit: str) -> None:
    assert _ratio(unit, 1800) < 8


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("size", [32 * 1024, MAX_PROMPT_CHARS, MAX_INSTRUCTION_CHARS * MAX_CLAUSES // 2])
def test_a_long_prompt_of_any_alphabet_is_answered_within_50_ms(unit: str, size: int) -> None:
    prompt = (unit * (size // len(unit) + 1))[:size]
    _answer(prompt)  # warm caches
    assert min(_timed(prompt) for _ in range(3)) < 0.05


def test_the_issue_16_prompts_are_refused_at_once() -> None:
    for prompt in ("1" * 12_000, "1" * 32_000, "brighter " * 3555):
        with pytest.raises(InputError) as exc:
            parse(prompt)
        assert exc.value.field == "prompt" and str(MAX_PROMPT_CHARS) in exc.value.message


def test_caps_name_the_field_and_the_limit() -> None:
    with pytest.raises(InputError) as exc:
        parse(", ".join(["warmer"] * (MAX_CLAUSES + 1)))
    assert exc.value.field == "prompt" and str(MAX_CLAUSES) in exc.value.message
    with pytest.raises(InputError) as exc:
        parse("make it " + "very " * 100 + "warm")
    assert exc.value.field == "prompt" and str(MAX_INSTRUCTION_CHARS) in exc.value.message
    assert MAX_STEPS >= MAX_CLAUSES
    assert len(parse(", ".join(["warmer", "sharper", "add a vignette"] * 2)).steps) <= MAX_STEPS


def test_a_quoted_caption_does_not_count_against_the_instruction_length() -> None:
    caption = "word " * 200
    plan = parse(f'add the text "{caption}" at the top')
    assert plan.ops == ["text"] and plan.steps[0].params["text"] == caption


def test_exponential_shapes_of_the_old_patterns_answer_quickly() -> None:
    for prompt in (
        "add the text 'x', " + "top left " * 40 + "x",
        "put the second image in the " + "a " * 190 + "1",
        "turn " * 90 + "x",
    ):
        assert _timed(prompt) < 0.05


@pytest.mark.parametrize(
    ("prompt", "quotes"),
    [
        ("add 'Hello' at the top", ["Hello"]),
        ('write "SALE" and “Now” and ‘Here’', ["SALE", "Now", "Here"]),
        ("it's a 'test' isn't it", ["test"]),
        ("'Tom's cafe'", []),
        ('"" and "x"', [" and "]),
        ("“unclosed and 'ok'", ["ok"]),
        ("add qtext0 at the top", []),
    ],
)
def test_quotes_are_found_as_before(prompt: str, quotes: list[str]) -> None:
    assert pull_quotes(prompt)[1] == quotes


def test_a_typed_marker_is_only_a_word() -> None:
    with pytest.raises(EngineRefusal):
        parse("add qtext0")
    assert parse("add qtext0 'Hi'").steps[0].params["text"] == "Hi"
