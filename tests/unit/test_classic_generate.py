"""Text-to-image on the classic engine: colours, gradients, patterns and text cards, drawn exactly; anything else
refused."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.engines.base import EditTask, NullProgress
from retouch.engines.classic import ClassicEngine
from retouch.errors import EngineRefusal


def generate(prompt: str, size: tuple[int, int] = (160, 120)) -> np.ndarray:
    task = EditTask(prompt=prompt, images=[], size=size, mode="generate", seed=3)
    return np.asarray(ClassicEngine().run(task, NullProgress()).images[0]).astype(int)


def test_solid_colour() -> None:
    img = generate("a solid red background")
    assert img.shape == (120, 160, 3) and (img == [220, 30, 30]).all()


def test_gradient_runs_between_the_named_colours_in_the_named_direction() -> None:
    img = generate("a gradient from navy to orange, top to bottom")
    assert np.abs(img[0, 80] - [20, 30, 110]).max() <= 2 and np.abs(img[-1, 80] - [250, 140, 20]).max() <= 2
    assert (img[:, 0] == img[:, -1]).all()  # constant along each row


def test_patterns() -> None:
    board = generate("black and white checkerboard")
    assert set(map(tuple, board.reshape(-1, 3))) == {(0, 0, 0), (255, 255, 255)}
    stripes = generate("blue and yellow stripes")
    assert (stripes[0] == stripes[-1]).all() and len(set(map(tuple, stripes[0]))) == 2


def test_text_card_draws_the_words_in_a_contrasting_ink() -> None:
    img = generate("a text card that says 'Happy Birthday' on a navy background", (400, 200))
    light = (img.min(axis=2) > 200).sum()
    assert light > 300 and (img[0, 0] == [20, 30, 110]).all()


@pytest.mark.parametrize("prompt", ["a castle at dawn", "a red car", "portrait of a woman", "a cat"])
def test_subjects_need_a_generative_engine(prompt: str) -> None:
    with pytest.raises(EngineRefusal) as exc:
        ClassicEngine().preflight(EditTask(prompt=prompt, images=[], mode="generate").info())
    assert exc.value.capable_engines == ["diffusers", "openai"] and "generative" in exc.value.message
