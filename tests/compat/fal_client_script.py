"""Runs the official fal-client (unchanged) against the server named by FAL_RUN_HOST; prints one JSON report.

Run in a subprocess: fal-client reads its host variables once, when it is imported, so each run gets its own
environment. Before anything else it installs an audit hook that refuses any DNS lookup or socket connection to a
non-loopback address, so a misrouted call fails loudly here instead of reaching the internet. It also records the
client's own retry and fallback log lines: a retry means the server answered something the client treats as
transient (408/409/429, a proxy page), a storage fallback means the first upload route failed.

    python fal_client_script.py full     # every client feature the compat test checks
    python fal_client_script.py minimal  # run, subscribe, upload (for other host and proxy settings)
    python fal_client_script.py direct   # run and subscribe only (a server with no storage-host routing)
"""

from __future__ import annotations

import asyncio
import base64
import io
import ipaddress
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

APP = "openai/gpt-image-2/edit"
BLOCKED: list[str] = []


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or host == "localhost":
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo" and args[0] is not None and not _is_loopback(args[0]):
        BLOCKED.append(f"getaddrinfo {args[0]!r}")
        raise OSError(f"test guard: no lookups of non-loopback hosts ({args[0]!r})")
    if event == "socket.connect" and isinstance(args[1], tuple) and not _is_loopback(args[1][0]):
        BLOCKED.append(f"connect {args[1]!r}")
        raise OSError(f"test guard: no connections to non-loopback addresses ({args[1]!r})")


sys.addaudithook(_guard)

import fal_client  # noqa: E402 - imported after the guard, and after the environment is final
import httpx  # noqa: E402
from PIL import Image  # noqa: E402


class _ClientLog(logging.Handler):
    """Keeps fal-client's retry ("Retrying request …") and fallback ("Upload failed …", "backup domain") lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(("Retrying", "Upload failed")) or "backup domain" in message:
            self.lines.append(message[:300])


CLIENT_LOG = _ClientLog()
logging.getLogger("fal_client").addHandler(CLIENT_LOG)
logging.getLogger("fal_client").setLevel(logging.DEBUG)


def png(size: tuple[int, int] = (40, 30), color: tuple[int, int, int] = (220, 40, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def png_uri(size: tuple[int, int] = (40, 30)) -> str:
    return "data:image/png;base64," + base64.b64encode(png(size)).decode()


def caught(fn: Callable[[], Any]) -> dict[str, Any]:
    """What a call returned or raised, in JSON: the client's exception type, HTTP status and message."""
    try:
        return {"returned": fn(), "raised": None}
    except Exception as exc:  # noqa: BLE001 - what the client raises is what the test checks
        response = getattr(exc, "response", None)
        headers = dict(response.headers) if isinstance(response, httpx.Response) else {}
        return {
            "returned": None,
            "raised": type(exc).__name__,
            "status": getattr(exc, "status_code", None),
            "error_type": getattr(exc, "error_type", None),
            "message": str(exc)[:500],
            "timeout_type": headers.get("x-fal-request-timeout-type"),
            "request_id": getattr(exc, "request_id", None),
        }


def status_json(status: Any) -> dict[str, Any]:
    return {"type": type(status).__name__, **vars(status)}


def pixels(url: str, points: list[tuple[int, int]]) -> list[list[int]]:
    """Pixels of an output image, read from its URL (the server's own file) or its data URI."""
    if url.startswith("data:"):
        data = base64.b64decode(url.split(",", 1)[1])
    else:
        data = httpx.get(url, headers={"Authorization": f"Key {os.environ['FAL_KEY']}"}, timeout=30).content
    img = Image.open(io.BytesIO(data)).convert("RGB")
    return [list(img.getpixel(p)) for p in points]  # type: ignore[arg-type]


def wait_until(check: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.time() + seconds
    while not check() and time.time() < deadline:
        time.sleep(0.02)


def subscribe_section() -> dict[str, Any]:
    updates: list[dict[str, Any]] = []
    enqueued: list[str] = []
    result = fal_client.subscribe(
        APP,
        arguments={"prompt": "gray", "image_urls": [png_uri()]},
        with_logs=True,
        on_enqueue=enqueued.append,
        on_queue_update=lambda s: updates.append(status_json(s)),
        hint="gpu-a100",
        priority="low",
        start_timeout=30,
    )
    return {"result": result, "updates": updates, "enqueued": enqueued}


def submit_section() -> dict[str, Any]:
    handle = fal_client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri((24, 24))]})
    statuses = [status_json(s) for s in handle.iter_events(with_logs=True, interval=0.02)]
    return {
        "request_id": handle.request_id,
        "urls": [handle.status_url, handle.response_url, handle.cancel_url],
        "statuses": statuses,
        "result": handle.get(),
        # The module-level calls build their URLs from the app id (owner/alias) and the queue host.
        "status_by_id": status_json(fal_client.status(APP, handle.request_id, with_logs=True)),
        "result_by_id": fal_client.result(APP, handle.request_id),
    }


def queue_section() -> dict[str, Any]:
    """One worker: a slow job runs; behind it one request waits (then is cancelled), one waits past its start
    timeout, and a low-priority one is overtaken by a normal one sent after it."""
    slow = fal_client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri()], "engine": "slowgray"})
    wait_until(lambda: type(fal_client.status(APP, slow.request_id)).__name__ == "InProgress")
    waiting = fal_client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri()]})
    timed_at = time.time()
    timed = fal_client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri()]}, start_timeout=1.2)
    low = fal_client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri()]}, priority="low")
    normal = fal_client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri()]}, priority="normal")
    out: dict[str, Any] = {
        "low": {"request_id": low.request_id, "queued": status_json(low.status())},
        "normal": {"request_id": normal.request_id, "queued": status_json(normal.status())},
        "running": status_json(fal_client.status(APP, slow.request_id)),
        "waiting": status_json(waiting.status()),
        "timed_waiting": status_json(timed.status()),
        "cancel_waiting": caught(lambda: fal_client.cancel(APP, waiting.request_id)),
    }
    time.sleep(max(0.0, timed_at + 1.4 - time.time()))
    out["cancel_running"] = caught(slow.cancel)
    out["slow_result"] = caught(slow.get)
    out["slow_status"] = status_json(slow.status(with_logs=True))
    out["waiting_result"] = caught(lambda: fal_client.result(APP, waiting.request_id))
    out["timed_result"] = caught(timed.get)
    out["low"]["result"] = caught(low.get)
    out["normal"]["result"] = caught(normal.get)
    out["cancel_completed"] = caught(slow.cancel)
    out["cancel_unknown"] = caught(lambda: fal_client.cancel(APP, "0" * 32))
    started = time.time()
    out["client_timeout"] = caught(
        lambda: fal_client.subscribe(
            APP, arguments={"prompt": "gray", "image_urls": [png_uri()], "engine": "slowgray"}, client_timeout=1.2
        )
    )
    out["client_timeout_seconds"] = time.time() - started
    rid = out["client_timeout"].get("request_id")
    if rid:
        wait_until(lambda: type(fal_client.status(APP, rid)).__name__ == "Completed")
        out["client_timeout_status"] = status_json(fal_client.status(APP, rid))
    return out


def stream_section() -> dict[str, Any]:
    events = list(fal_client.stream(APP, arguments={"prompt": "gray", "image_urls": [png_uri()]}))
    bad = list(
        fal_client.stream(
            APP, arguments={"prompt": "gray", "image_urls": [png_uri()], "image_size": {"width": 100, "height": 100}}
        )
    )
    return {"events": events, "bad": bad}


def storage_section() -> dict[str, Any]:
    """upload_file (token + v3 upload), upload_image through the initiate/PUT route, upload with a lifecycle."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "green.png")
        Image.new("RGB", (48, 32), (10, 200, 10)).save(path)
        url = fal_client.upload_file(path)
    mask = Image.new("L", (48, 32), 0)
    mask.paste(255, (0, 0, 24, 32))  # left half may change, right half must stay exactly as it was
    mask_url = fal_client.upload_image(mask, format="png", repository="fal")
    kept_url = fal_client.upload(
        png((16, 16)), "image/png", "kept.png", lifecycle=fal_client.StorageSettings(expires_in="1h")
    )
    result = fal_client.run(APP, arguments={"prompt": "gray", "image_urls": [url], "mask_image_url": mask_url})
    image = result["images"][0]
    return {
        "url": url,
        "mask_url": mask_url,
        "kept_url": kept_url,
        "kept_bytes": httpx.get(kept_url, timeout=30).content == png((16, 16)),
        "result": result,
        "pixels": pixels(image["url"], [(5, 16), (40, 16)]),
    }


def run_section() -> dict[str, Any]:
    synced = fal_client.run(APP, arguments={"prompt": "gray", "image_urls": [png_uri((32, 16))], "sync_mode": True})
    bad = caught(
        lambda: fal_client.run(
            APP, arguments={"prompt": "gray", "image_urls": [png_uri()], "image_size": {"width": 100, "height": 100}}
        )
    )
    wrong_key = caught(
        lambda: fal_client.SyncClient(key="not-a-key").run(APP, arguments={"prompt": "gray", "image_urls": [png_uri()]})
    )
    hooked = None
    if os.environ.get("WEBHOOK_URL"):
        handle = fal_client.submit(
            APP, arguments={"prompt": "gray", "image_urls": [png_uri()]}, webhook_url=os.environ["WEBHOOK_URL"]
        )
        hooked = {"request_id": handle.request_id, "result": handle.get()}
    # Headers a caller may add through the client's `headers=`: out of history, and a shorter life for outputs.
    unlisted = fal_client.submit(
        APP,
        arguments={"prompt": "gray", "image_urls": [png_uri()]},
        headers={"X-Fal-Store-IO": "0", "X-Fal-Object-Lifecycle-Preference": '{"expiration_duration_seconds": 3600}'},
    )
    return {
        "unlisted": {"request_id": unlisted.request_id, "result": unlisted.get()},
        "sync_mode": synced,
        "sync_pixels": pixels(synced["images"][0]["url"], [(3, 3)]),
        "bad": bad,
        "wrong_key": wrong_key,
        "webhook": hooked,
    }


async def async_section() -> dict[str, Any]:
    client = fal_client.AsyncClient()
    updates: list[str] = []

    async def on_update(status: Any) -> None:
        updates.append(type(status).__name__)

    subscribed = await client.subscribe(
        APP, arguments={"prompt": "gray", "image_urls": [png_uri((16, 16))]}, with_logs=True, on_queue_update=on_update
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "blue.png")
        Image.new("RGB", (20, 12), (10, 10, 200)).save(path)
        url = await client.upload_file(path)
    uploaded = await client.run(APP, arguments={"prompt": "gray", "image_urls": [url]})
    events = [e async for e in client.stream(APP, arguments={"prompt": "gray", "image_urls": [png_uri((16, 32))]})]
    slow = await client.submit(APP, arguments={"prompt": "gray", "image_urls": [png_uri()], "engine": "slowgray"})
    async for status in slow.iter_events(interval=0.02):
        if type(status).__name__ == "InProgress":
            break
    await client.cancel(APP, slow.request_id)
    cancelled = await _async_caught(slow.get)
    return {
        "subscribe": subscribed,
        "updates": updates,
        "upload_url": url,
        "uploaded": uploaded,
        "stream_last": events[-1] if events else None,
        "stream_count": len(events),
        "cancelled": cancelled,
        "status_by_id": status_json(await client.status(APP, slow.request_id)),
        "result_by_id": await _async_caught(lambda: client.result(APP, slow.request_id)),
    }


async def _async_caught(fn: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    try:
        return {"returned": await fn(), "raised": None}
    except Exception as exc:  # noqa: BLE001
        return {"returned": None, "raised": type(exc).__name__, "status": getattr(exc, "status_code", None)}


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "full"
    report: dict[str, Any] = {}
    if mode == "direct":  # no storage hosts involved: run and subscribe straight to FAL_RUN_HOST
        prompt = {"prompt": "make it black and white"}
        report["run"] = fal_client.run(APP, arguments={**prompt, "image_urls": [png_uri((16, 16))]})
        report["subscribe"] = fal_client.subscribe(APP, arguments={**prompt, "image_urls": [png_uri((32, 16))]})
    elif mode == "minimal":
        report["run"] = fal_client.run(APP, arguments={"prompt": "gray", "image_urls": [png_uri((16, 16))]})
        report["subscribe"] = fal_client.subscribe(APP, arguments={"prompt": "gray", "image_urls": [png_uri((32, 16))]})
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "one.png")
            Image.new("RGB", (16, 8), (1, 2, 3)).save(path)
            report["upload_url"] = fal_client.upload_file(path)
    else:
        report["subscribe"] = subscribe_section()
        report["submit"] = submit_section()
        report["queue"] = queue_section()
        report["stream"] = stream_section()
        report["storage"] = storage_section()
        report["run"] = run_section()
        report["async"] = asyncio.run(async_section())
    report["client_log"] = CLIENT_LOG.lines
    report["blocked"] = BLOCKED
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
