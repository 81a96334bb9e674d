"""No handler blocks the event loop: while large JSON bodies, uploads, multipart edits, sync runs and status polls
are served, the loop's thread never spends more than 20 ms of CPU between two of its 10 ms timer ticks (parsing,
decoding and hashing run in threads, edits in worker processes). The server runs as its own process and reports
its loop in /metrics: the busy time per tick (CPU work on the loop) and, for the record, the lag (which also grows
when the machine's two cores are both busy with edits, which is no handler's fault).
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import Image

from ..support.images import data_uri
from ..support.net import free_port
from ..support.server_process import start_server

EDIT = "/openai/gpt-image-2/edit"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    proc = start_server(
        tmp_path_factory.mktemp("loop"),
        port,
        default_engine="classic",
        engines={"classic": {"kind": "classic"}},
        workers=2,
        worker_mode="processes",
    )
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(30)


def _noise_png(width: int, height: int, seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG", compress_level=0)
    return buf.getvalue()


def _loop(client: httpx.Client) -> dict[str, float]:
    """Tick counts from the server's metrics: all ticks, ticks with more than 20 ms of CPU on the loop (busy), and
    ticks more than 20 ms late (lag)."""
    text = client.get("/metrics").text

    def value(pattern: str) -> float:
        match = re.search(pattern, text, re.M)
        assert match, pattern
        return float(match.group(1))

    ticks = value(r"^retouch_event_loop_busy_seconds_count (\S+)")
    busy_ok = value(r'^retouch_event_loop_busy_seconds_bucket\{le="0.02"\} (\S+)')
    lag_ok = value(r'^retouch_event_loop_lag_seconds_bucket\{le="0.02"\} (\S+)')
    return {
        "ticks": ticks,
        "busy": ticks - busy_ok,
        "late": value(r"^retouch_event_loop_lag_seconds_count (\S+)") - lag_ok,
    }


def test_heavy_requests_leave_the_loop_free(url: str) -> None:
    big = data_uri(_noise_png(1600, 1200, 1))  # about 7.7 MB of base64 in one JSON body
    parts = [_noise_png(1200, 900, s) for s in (2, 3)]
    small = data_uri(_noise_png(256, 192, 4))

    async def drive() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            sub = (
                await client.post("/queue" + EDIT, json={"prompt": "invert the colors", "image_urls": [small]})
            ).json()

            async def polls() -> None:
                for _ in range(200):
                    await client.get(sub["status_url"], params={"logs": "1"})
                    await asyncio.sleep(0.005)

            tok = (await client.post("/storage/auth/token", json={})).json()
            replies = await asyncio.gather(
                client.post(EDIT, json={"prompt": "make it warmer", "image_urls": [big], "sync_mode": True}),
                client.post("/queue" + EDIT, json={"prompt": "black and white", "image_urls": [big]}),
                client.post(EDIT + "/estimate", json={"prompt": "brighter", "image_urls": [big]}),
                client.post("/files/upload", content=parts[0], headers={"Authorization": f"Bearer {tok['token']}"}),
                client.post(
                    "/v1/images/edits",
                    data={"prompt": "invert the colors"},
                    files=[("image[]", ("a.png", p, "image/png")) for p in parts],
                ),
                polls(),
            )
            assert all(r is None or r.status_code == 200 for r in replies), [
                getattr(r, "text", "")[:200] for r in replies
            ]

    with httpx.Client(base_url=url, timeout=30) as client:
        before = _loop(client)
        asyncio.run(drive())
        after = _loop(client)
    seen = {name: after[name] - before[name] for name in after}
    print(
        f"loop: {seen['ticks']:.0f} ticks, {seen['busy']:.0f} with > 20 ms of CPU on the loop, {seen['late']:.0f} late"
    )
    assert seen["ticks"] > 50, "the monitor did not run"
    assert seen["busy"] == 0, f"{seen['busy']:.0f} ticks saw more than 20 ms of CPU work on the event loop"
