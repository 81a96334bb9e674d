"""Runs the official fal-client (unchanged) against the server named by FAL_RUN_HOST; prints one JSON report.

Run in a subprocess: fal-client reads its host variables when it is imported.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import sys
import tempfile
import time
from typing import Any

import fal_client
from PIL import Image

APP = "openai/gpt-image-2/edit"


def png_uri(size: tuple[int, int] = (40, 30)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, (220, 40, 40)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def main() -> None:
    report: dict[str, Any] = {}
    updates: list[str] = []
    logs: list[str] = []

    def on_update(update: Any) -> None:
        updates.append(type(update).__name__)
        for line in getattr(update, "logs", None) or []:
            logs.append(line["message"])

    result = fal_client.subscribe(
        APP, arguments={"prompt": "gray", "image_urls": [png_uri()]}, with_logs=True, on_queue_update=on_update
    )
    report["subscribe"] = {"result": result, "updates": sorted(set(updates)), "logs": logs}

    handle = fal_client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri((24, 24))]})
    statuses = []
    while True:
        status = handle.status(with_logs=True)
        statuses.append(type(status).__name__)
        if type(status).__name__ == "Completed":
            break
        time.sleep(0.05)
    report["submit"] = {"request_id": handle.request_id, "statuses": sorted(set(statuses)), "result": handle.get()}

    slow = fal_client.submit(APP, arguments={"prompt": "slow gray", "image_urls": [png_uri()], "engine": "slowgray"})
    time.sleep(0.3)
    slow.cancel()
    try:
        slow.get()
        report["cancel"] = {"raised": None}
    except Exception as exc:  # noqa: BLE001 - what the client raises is what we record
        report["cancel"] = {"raised": type(exc).__name__, "message": str(exc)[:300]}

    events = list(fal_client.stream(APP, arguments={"prompt": "gray", "image_urls": [png_uri()]}))
    report["stream"] = {"count": len(events), "last": events[-1] if events else None}

    with tempfile.NamedTemporaryFile(suffix=".png") as fh:
        Image.new("RGB", (48, 32), (10, 200, 10)).save(fh.name)
        url = fal_client.upload_file(fh.name)
    uploaded = fal_client.run(APP, arguments={"prompt": "gray", "image_urls": [url]})
    report["upload"] = {"url": url, "result": uploaded}

    async def run_async() -> Any:
        client = fal_client.AsyncClient()
        handle = await client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri((16, 16))]})
        async for _ in handle.iter_events(with_logs=True):
            pass
        return await handle.get()

    report["async"] = asyncio.run(run_async())
    try:
        fal_client.run(
            APP, arguments={"prompt": "gray", "image_urls": [png_uri()], "image_size": {"width": 100, "height": 100}}
        )
        report["bad"] = None
    except Exception as exc:  # noqa: BLE001
        report["bad"] = {
            "type": type(exc).__name__,
            "status": getattr(exc, "status_code", None),
            "message": str(exc)[:500],
        }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
