"""The playground in Debian's Chromium (headless, driven by Playwright): choose an image, paint a mask, type a
prompt, run, and check the result image — decoded, the right size, unmasked pixels untouched."""

from __future__ import annotations

import base64
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from retouch.config import EngineConfig

from ..support.live_server import LiveServer, start_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("RETOUCH_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv, uv, thread = start_server(
        tmp_path_factory.mktemp("pg"), engines={"classic": EngineConfig(kind="classic")}, default_engine="classic"
    )
    yield srv
    uv.should_exit = True
    thread.join(10)


def test_edit_with_a_painted_mask_in_the_browser(server: LiveServer, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    rng = np.random.default_rng(2)
    photo = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    source = tmp_path / "photo.png"
    Image.fromarray(photo).save(source)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url + "/")
        page.wait_for_selector("#engine option", state="attached")
        with page.expect_file_chooser() as chooser:
            page.click("#drop")
        chooser.value.set_files(str(source))
        page.wait_for_selector("#thumbs img:not([alt*='uploading'])")
        page.wait_for_function("document.getElementById('mask').width === 160")
        box = page.locator("#mask").bounding_box()
        assert box is not None
        page.fill("#brush", "40")
        page.locator("#brush").dispatch_event("input")
        page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.5, steps=5)
        page.mouse.up()
        page.fill("#prompt", "make it black and white")
        page.click("#run")
        page.wait_for_selector(".result-image", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "playground.png"), full_page=True)
        src = page.get_attribute(".result-image", "src")
        assert src is not None
        data = page.evaluate(
            "async (u) => { const r = await fetch(u); const b = new Uint8Array(await r.arrayBuffer());"
            " let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); }",
            src,
        )
        browser.close()
    out = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
    assert out.shape == photo.shape
    grey = (out[..., 0] == out[..., 1]) & (out[..., 1] == out[..., 2])
    painted = grey & ~((photo[..., 0] == photo[..., 1]) & (photo[..., 1] == photo[..., 2]))
    assert painted[57:63, 75:85].mean() > 0.9  # the stroke's middle turned grey
    changed = (out != photo).any(axis=2)
    ys, xs = np.nonzero(changed)
    assert 40 <= ys.min() and ys.max() <= 80 and 55 <= xs.min() and xs.max() <= 105  # nothing outside the stroke
    assert (out[:40] == photo[:40]).all() and (out[:, :50] == photo[:, :50]).all()


def _browser(p: object) -> object:
    return p.chromium.launch(  # type: ignore[attr-defined]
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    )


def _add_photo(page: object, tmp_path: Path, arr: np.ndarray) -> None:
    source = tmp_path / "photo.png"
    Image.fromarray(arr).save(source)
    with page.expect_file_chooser() as chooser:  # type: ignore[attr-defined]
        page.click("#drop")  # type: ignore[attr-defined]
    chooser.value.set_files(str(source))
    page.wait_for_selector("#thumbs img:not([alt*='uploading'])")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("mode", "prompt", "words"),
    [
        ("stream", "add a dragon", "dragon"),  # refused before it is queued: a 422 event stream
        ("queue", "add a dragon", "dragon"),  # refused at submit
        ("sync", "add a dragon", "dragon"),
        ("stream", "straighten the horizon", "horizon"),  # refused while running: the stream's last event
        ("queue", "straighten the horizon", "horizon"),  # refused while running: the result's error
        ("sync", "straighten the horizon", "horizon"),
    ],
)
def test_a_refusal_shows_its_explanation_next_to_the_prompt(
    server: LiveServer, tmp_path: Path, mode: str, prompt: str, words: str
) -> None:
    from playwright.sync_api import sync_playwright

    noise = np.random.default_rng(5).integers(0, 256, (96, 128, 3), dtype=np.uint8)  # no horizon in noise
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page.goto(server.url + "/")
        page.wait_for_selector("#engine option", state="attached")
        _add_photo(page, tmp_path, noise)
        page.select_option("#mode", mode)
        page.fill("#prompt", prompt)
        page.click("#run")
        box = page.wait_for_selector(".error[data-field='prompt'] .refusal", timeout=30_000)
        text = box.text_content() or ""
        page.screenshot(path=str(ARTIFACTS / f"refusal-{mode}-{words}.png"), full_page=True)
        status = page.inner_text("#status")
        browser.close()  # type: ignore[attr-defined]
    assert "Unprocessable Entity" not in text
    assert words in text and "Not understood" in text
    if words == "dragon":  # what the engine can do, and the engines that could do this instead
        assert "The engine can do" in text and "oil painting" in text
        assert "Engines that could" in text and "diffusers" in text
    assert status == "Refused"


def test_on_a_phone_no_broken_image_shows_before_a_result(server: LiveServer) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True)  # type: ignore[attr-defined]
        page.goto(server.url + "/")
        page.wait_for_selector("#engine option", state="attached")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "playground-phone.png"), full_page=True)
        shown = page.evaluate(
            "() => [...document.images].filter((i) => i.offsetParent !== null)"
            ".map((i) => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0}))"
        )
        overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
        browser.close()  # type: ignore[attr-defined]
    assert all(img["ok"] for img in shown), shown
    assert not overflow
