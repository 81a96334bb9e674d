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
