"""CPU work and store I/O never run on the event loop: every heavy function is wrapped with a guard that records a
call made from a thread running an event loop, and every route is driven (JSON and multipart bodies, data: URIs,
uploads, sync runs, queue, status with logs, streams, estimates, history, admin). The guard list names what would
stall every other request if it ran on the loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from retouch.api import body, fal_protocol, routes_fal, routes_openai, routes_storage
from retouch.files.store_local import LocalObjectStore
from retouch.jobs.store_sqlite import SQLiteJobStore
from retouch.service import lifecycle, status_views, uploads, validate

from ..support.images import data_uri, png_bytes
from ..support.live_server import LiveServer
from ..support.polling import wait_done

EDIT = "/openai/gpt-image-2/edit"

# (owner, attribute): module functions where they are used, and the store methods that read or write records.
GUARDED: list[tuple[Any, str]] = [
    (validate, "parse_data_uri"),
    (validate, "header_size"),
    (body, "validate_json"),
    (routes_fal, "validate_json"),
    (routes_openai, "parse_form"),
    (routes_openai, "header_size"),
    (fal_protocol, "result_response"),
    (routes_fal, "result_response"),
    (lifecycle.RequestService, "submit"),
    (lifecycle.RequestService, "estimate"),
    (lifecycle.RequestService, "get"),
    (lifecycle.RequestService, "cancel"),
    (lifecycle.RequestService, "forget"),
    (status_views.StatusViews, "from_store"),
    (uploads.UploadService, "store_staged"),
    (uploads.UploadService, "readable"),
    (SQLiteJobStore, "submit"),
    (SQLiteJobStore, "get"),
    (SQLiteJobStore, "peek"),
    (SQLiteJobStore, "logs"),
    (SQLiteJobStore, "complete"),
    (SQLiteJobStore, "delete"),
    (SQLiteJobStore, "queue_position"),
    (SQLiteJobStore, "history"),
    (LocalObjectStore, "put"),
    (LocalObjectStore, "get"),
    (LocalObjectStore, "meta"),
    (routes_storage, "_read_head"),
]


@pytest.fixture
def on_loop_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    calls: list[str] = []

    def guard(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                calls.append(name)
            except RuntimeError:
                pass
            return fn(*args, **kwargs)

        return wrapper

    for owner, attr in GUARDED:
        monkeypatch.setattr(owner, attr, guard(f"{getattr(owner, '__name__', owner)}.{attr}", getattr(owner, attr)))
    yield calls


def test_no_route_runs_heavy_work_on_the_event_loop(live: LiveServer, on_loop_calls: list[str]) -> None:
    image = data_uri(png_bytes((64, 48)))
    with live.client() as c:
        assert c.post(EDIT, json={"prompt": "gray", "image_urls": [image], "sync_mode": True}).status_code == 200
        sub = c.post("/queue" + EDIT, json={"prompt": "gray", "image_urls": [image]}).json()
        status = wait_done(c, sub["status_url"])
        assert status["logs"], "the poll with logs went through the status path"
        assert c.get(sub["response_url"]).status_code == 200
        assert c.get(sub["status_url"] + "/stream").status_code == 200
        assert c.put(sub["cancel_url"]).status_code in (400, 202)
        with c.stream("POST", EDIT + "/stream", json={"prompt": "gray", "image_urls": [image]}) as events:
            assert b"".join(events.iter_bytes())
        assert c.post(EDIT + "/estimate", json={"prompt": "gray", "image_urls": [image]}).status_code == 200
        assert c.get("/requests").status_code == 200
        assert c.get("/admin/queue").status_code == 200
        tok = c.post("/storage/auth/token", json={}).json()
        up = c.post("/files/upload", content=png_bytes(), headers={"Authorization": f"Bearer {tok['token']}"}).json()
        assert c.get(up["access_url"]).status_code == 200
        init = c.post("/storage/upload/initiate", json={"file_name": "x.png"}).json()
        assert c.put(init["upload_url"], content=png_bytes()).status_code == 200
        edit = c.post("/v1/images/edits", data={"prompt": "gray"}, files={"image": ("a.png", png_bytes(), "image/png")})
        assert edit.status_code == 200, edit.text
        gen = c.post("/v1/images/generations", json={"prompt": "gray", "stream": True, "partial_images": 1})
        assert gen.status_code == 200
    assert on_loop_calls == [], f"ran on the event loop: {sorted(set(on_loop_calls))}"
