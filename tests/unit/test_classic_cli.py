"""``retouch plan``: each step with the direction it was read in and the words it came from; refusals on stderr."""

from __future__ import annotations

import pytest

from retouch.cli import main


def test_plan_shows_the_direction_of_each_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "reduce the warmth, tone down the contrast and rotate it slightly"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("1. warmth(") and "[cooler]" in lines[0] and '<- "reduce the warmth"' in lines[0]
    assert "[less contrast]" in lines[1]
    assert lines[2].startswith("3. rotate(") and "[clockwise]" in lines[2] and "crop=True" in lines[2]


def test_plan_refusals_go_to_stderr_with_the_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "add a dragon"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("refused: ") and "not understood: dragon" in err
    assert main(["plan", "warmer, " * 30]) == 2
    assert "refused (prompt):" in capsys.readouterr().err
