"""The command line: `retouch plan` prints the classic plan or the refusal, `retouch edit` edits real files on disk,
and `retouch serve --help` documents its flags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from retouch.cli import main

from ..support.images import png_bytes
from ..support.paths import ROOT, pythonpath


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """`retouch edit` reads its settings like the server: the developer's RETOUCH_* variables stay out."""
    for name in list(os.environ):
        if name.startswith("RETOUCH_"):
            monkeypatch.delenv(name)


def test_plan_prints_each_step_with_the_words_it_came_from(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "make it black and white, then rotate it 90 degrees"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1. black_and_white()") and '"make it black and white' in out[0]
    assert out[1].startswith("2. rotate(") and "90" in out[1]


def test_plan_of_an_edit_it_cannot_do_is_refused_naming_the_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "add a hat"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("refused:") and "'hat'" in captured.err


def test_plan_of_a_removal_needs_the_mask(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "remove the object", "--mask"]) == 0
    assert capsys.readouterr().out.startswith("1. remove()")


def test_edit_writes_the_edited_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.png"
    source.write_bytes(png_bytes((64, 48)))
    out = tmp_path / "out.png"
    assert main(["edit", str(source), "-p", "make it black and white", "-o", str(out)]) == 0
    assert f"wrote {out} (64x48)" in capsys.readouterr().out
    pixels = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert pixels.shape == (48, 64, 3)
    assert np.abs(pixels[..., 0] - pixels[..., 1]).max() <= 1 and np.abs(pixels[..., 1] - pixels[..., 2]).max() <= 1
    assert pixels.std() > 5  # the picture is still there, in grey


def test_edit_honours_size_format_and_several_outputs(tmp_path: Path) -> None:
    source = tmp_path / "in.png"
    source.write_bytes(png_bytes((64, 48)))
    out = tmp_path / "out.jpg"
    args = ["edit", str(source), "-p", "make it sepia", "-o", str(out), "--size", "32x24", "--num-images", "2"]
    assert main(args) == 0
    for name in ("out-0.jpg", "out-1.jpg"):
        with Image.open(tmp_path / name) as img:
            assert img.format == "JPEG" and img.size == (32, 24)
    assert not out.exists()


def test_edit_of_a_file_that_is_not_an_image_fails_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "notes.png"
    source.write_text("not a picture")
    assert main(["edit", str(source), "-p", "make it black and white", "-o", str(tmp_path / "out.png")]) == 2
    assert capsys.readouterr().err.startswith("error:") and not (tmp_path / "out.png").exists()


def test_edit_with_an_unknown_size_fails_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.png"
    source.write_bytes(png_bytes())
    assert main(["edit", str(source), "-p", "make it sepia", "-o", str(tmp_path / "o.png"), "--size", "huge"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown image size 'huge'")


def test_serve_help_lists_its_flags() -> None:
    """Through `python -m retouch`, as an installed script would run it."""
    done = subprocess.run(
        [sys.executable, "-m", "retouch", "serve", "--help"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": pythonpath()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for flag in ("--config", "--host", "--port", "--data-dir", "--workers", "--role", "--tls-certfile", "--public-url"):
        assert flag in done.stdout
