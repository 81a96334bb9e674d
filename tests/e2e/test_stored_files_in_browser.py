"""A stored file opened in a real browser (Debian's Chromium, headless) runs no script and reads no localStorage,
even a page or an SVG with script that an older version could have stored, while the playground's key sits in the
same origin's localStorage."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from ..support.images import png_bytes
from ..support.live_server import LiveServer, start_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")

STEAL = "localStorage.setItem('pwned', localStorage.getItem('retouch.key') || 'ran'); document.title = 'pwned';"
HTML = f"<!doctype html><html><head><title>page</title></head><body><script>{STEAL}</script></body></html>"
SVG = (
    f'<svg xmlns="http://www.w3.org/2000/svg" onload="{STEAL}"><script>{STEAL}</script>'
    '<rect width="9" height="9"/></svg>'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv, uv, thread = start_server(tmp_path_factory.mktemp("xss"))
    yield srv
    uv.should_exit = True
    thread.join(10)


def test_stored_pages_and_svgs_run_no_script_in_the_browser(server: LiveServer) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    files = server.app.state.runtime.files
    # What an attacker would try to store: refused at upload now...
    with server.client() as c:
        tok = c.post("/storage/auth/token", json={}).json()
        refused = c.post(
            "/files/upload",
            content=HTML.encode(),
            headers={"Authorization": f"Bearer {tok['token']}", "Content-Type": "text/html"},
        )
        assert refused.status_code == 422
        png = c.post("/files/upload", content=png_bytes(), headers={"Authorization": f"Bearer {tok['token']}"}).json()[
            "access_url"
        ]
    # ...and what an older version may have stored already, under the types the attacker chose.
    legacy = [
        files.put(HTML.encode(), file_name="evil.html", content_type="text/html", owner=None),
        files.put(SVG.encode(), file_name="evil.svg", content_type="image/svg+xml", owner=None),
        files.put(SVG.encode(), file_name="evil.png", content_type="image/png", owner=None),
    ]
    urls = [png] + [f"{server.url}/files/{f.key}/{f.file_name}" for f in legacy]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        context = browser.new_context(accept_downloads=False)
        page = context.new_page()
        page.goto(server.url + "/")
        page.evaluate("localStorage.setItem('retouch.key', 'the-victims-key')")
        for url in urls:
            try:
                page.goto(url)
                page.wait_for_timeout(300)
            except PlaywrightError as exc:  # served as a download: the browser does not render it at all
                assert "Download" in str(exc) or "net::ERR_ABORTED" in str(exc), str(exc)
            assert page.title() != "pwned", url
            if page.url == url:  # rendered in place: the content policy's sandbox gives it no storage at all
                with pytest.raises(PlaywrightError):
                    page.evaluate("localStorage.getItem('retouch.key')")
        page.goto(server.url + "/")
        assert page.evaluate("localStorage.getItem('pwned')") is None
        assert page.evaluate("localStorage.getItem('retouch.key')") == "the-victims-key"
        browser.close()
