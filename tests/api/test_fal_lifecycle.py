"""The fal protocol end to end over HTTP, on the embedded backends, with a test engine."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from retouch.config import EngineConfig, KeyConfig
from retouch.service.lifecycle import Caller

from ..support.images import data_uri, png_bytes
from ..support.live_server import LiveServer, serving
from ..support.polling import wait_done

# Each test here runs on the embedded store and on Redis + S3: both shapes must behave identically.
pytestmark = pytest.mark.backends("sqlite", "redis")

EDIT = "/openai/gpt-image-2/edit"


def _download(client: httpx.Client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


def test_sync_run_returns_edited_image_of_input_size(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(EDIT, json={"prompt": "make it gray", "image_urls": [data_uri(png_bytes((64, 48)))], "seed": 7})
        assert r.status_code == 200, r.text
        assert r.headers["x-fal-request-id"]
        body = r.json()
        assert body["seed"] == 7
        [image] = body["images"]
        assert (image["width"], image["height"]) == (64, 48)
        assert image["content_type"] == "image/png"
        img = _download(c, image["url"]).convert("RGB")
        assert img.size == (64, 48)
        r0, g0, b0 = img.getpixel((5, 20))
        assert r0 == g0 == b0, "the edit (grayscale) was applied"
        assert body["cost"] > 0 and body["usage"]["total_tokens"] > 0


def test_queue_submit_status_logs_result(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/queue" + EDIT, json={"prompt": "gray", "image_urls": [data_uri(png_bytes())]})
        assert r.status_code == 200, r.text
        sub = r.json()
        for key in ("request_id", "response_url", "status_url", "cancel_url", "queue_position"):
            assert key in sub
        assert sub["status"] == "IN_QUEUE"
        assert sub["status_url"].startswith(live.url + "/queue/openai/gpt-image-2/requests/")
        done = wait_done(c, sub["status_url"])
        assert done["metrics"]["inference_time"] >= 0
        messages = [line["message"] for line in done["logs"]]
        assert any("step 3/3" in m for m in messages), messages
        assert all({"message", "level", "source", "timestamp"} <= set(line) for line in done["logs"])
        result = c.get(sub["response_url"])
        assert result.status_code == 200
        assert result.json()["images"][0]["width"] == 64
        # Once completed, always completed; logs key present even when not asked for.
        again = c.get(sub["status_url"]).json()
        assert again["status"] == "COMPLETED" and "logs" in again


def test_cancel_queued_and_running(live: LiveServer) -> None:
    with live.client() as c:
        body = {"prompt": "slow gray", "image_urls": [data_uri(png_bytes())], "engine": "slowgray"}
        running = c.post("/queue" + EDIT, json=body).json()
        queued = c.post("/queue" + EDIT, json=body).json()
        deadline = time.time() + 10
        while c.get(running["status_url"]).json()["status"] != "IN_PROGRESS" and time.time() < deadline:
            time.sleep(0.02)
        assert c.get(queued["status_url"]).json()["queue_position"] == 0
        r = c.put(queued["cancel_url"])
        assert r.status_code == 202 and r.json()["status"] == "CANCELLATION_REQUESTED"
        r = c.put(running["cancel_url"])
        assert r.json()["status"] == "CANCELLATION_REQUESTED"
        started = time.time()
        for sub in (queued, running):
            done = wait_done(c, sub["status_url"])
            assert done["error"] and done["error_type"] == "cancelled"
            assert c.get(sub["response_url"]).status_code == 400
        assert time.time() - started < 3, "a running job stops at its next step, not at its end"
        again = c.put(running["cancel_url"])
        assert again.json()["status"] == "ALREADY_COMPLETED"
        missing = c.put("/queue/openai/gpt-image-2/requests/00000000-0000-0000-0000-000000000000/cancel")
        assert missing.json()["status"] == "NOT_FOUND"


def test_stream_sends_partials_then_the_output(live: LiveServer) -> None:
    with live.client() as c:
        events = []
        with c.stream("POST", EDIT + "/stream", json={"prompt": "gray", "image_urls": [data_uri(png_bytes())]}) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
        partials = [e for e in events if e.get("partial") and "images" in e]
        assert partials, events
        assert partials[0]["images"][0]["url"].startswith("data:image/jpeg;base64,")
        final = events[-1]
        assert not final.get("partial") and final["images"][0]["width"] == 64


def test_sync_mode_returns_data_uris_and_stays_out_of_history(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(EDIT, json={"prompt": "gray", "image_urls": [data_uri(png_bytes())], "sync_mode": True})
        assert r.status_code == 200
        assert r.json()["images"][0]["url"].startswith("data:image/png;base64,")
        c.post(EDIT, json={"prompt": "kept", "image_urls": [data_uri(png_bytes())]})
        prompts = [item["prompt"] for item in c.get("/requests").json()["items"]]
        assert prompts == ["kept"]


def test_output_formats(live: LiveServer) -> None:
    with live.client() as c:
        for fmt, ctype in (("jpeg", "image/jpeg"), ("webp", "image/webp"), ("png", "image/png")):
            r = c.post(EDIT, json={"prompt": "gray", "image_urls": [data_uri(png_bytes())], "output_format": fmt})
            image = r.json()["images"][0]
            assert image["content_type"] == ctype
            assert _download(c, image["url"]).format == {"jpeg": "JPEG", "webp": "WEBP", "png": "PNG"}[fmt]


def test_refusal_is_422_naming_the_prompt(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/queue" + EDIT, json={"prompt": "please refuse", "image_urls": [data_uri(png_bytes())]})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "prompt"]
        assert r.headers["x-fal-error-type"] == "engine_refusal"


def test_openapi_is_generated_from_the_models(live: LiveServer) -> None:
    with live.client() as c:
        spec = c.get("/openapi.json").json()
        schema = spec["components"]["schemas"]["EditInput"]
        assert {
            "prompt",
            "image_urls",
            "image_size",
            "quality",
            "num_images",
            "output_format",
            "sync_mode",
            "mask_image_url",
            "openai_api_key",
            "seed",
            "engine",
        } <= set(schema["properties"])
        assert "/queue/openai/gpt-image-2/edit" in spec["paths"]


def test_health_and_metrics(live: LiveServer) -> None:
    with live.client() as c:
        assert c.get("/healthz").json()["status"] == "ok"
        c.post(EDIT, json={"prompt": "gray", "image_urls": [data_uri(png_bytes())]})
        text = c.get("/metrics").text
        assert "retouch_http_requests_total" in text and 'retouch_jobs{status="COMPLETED"} 1.0' in text


def test_a_poll_answered_from_memory_matches_the_regular_route(live: LiveServer) -> None:
    """The status fast path (memory) and the route (store) give the same body for a finished request."""
    with live.client() as c:
        sub = c.post("/queue" + EDIT, json={"prompt": "gray", "image_urls": [data_uri(png_bytes())]}).json()
        wait_done(c, sub["status_url"])
        fast = c.get(sub["status_url"], params={"logs": "1"})
        live.app.state.runtime.service.board.forget(sub["request_id"])  # the next poll must read the store
        slow = c.get(sub["status_url"], params={"logs": "1"})
    assert fast.status_code == slow.status_code == 200
    assert fast.headers["x-fal-request-id"] == slow.headers["x-fal-request-id"] == sub["request_id"]
    fast_body, slow_body = fast.json(), slow.json()
    assert [line["message"] for line in fast_body["logs"]] == [line["message"] for line in slow_body["logs"]]
    for body in (fast_body, slow_body):
        body.pop("logs")
    assert fast_body == slow_body


def test_polls_on_the_queue_host_are_answered_from_memory_and_counted(live: LiveServer) -> None:
    """The fast path sits in front of every middleware: it must itself honour the queue.<host> layout (URLs without
    /queue) and count its answers in the metrics, and it must not touch the store."""
    body = {"prompt": "slow gray", "image_urls": [data_uri(png_bytes())], "engine": "slowgray"}
    service = live.app.state.runtime.service

    def no_store_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("a poll of a job in memory read the store")

    with live.client() as c:
        sub = c.post("/queue" + EDIT, json=body).json()
        path = f"/openai/gpt-image-2/requests/{sub['request_id']}/status"
        service.view = no_store_read
        try:
            polled = c.get(path, headers={"Host": "queue.localhost"})
        finally:
            del service.view
        metrics = c.get("/metrics").text
        c.put(sub["cancel_url"])
    assert polled.status_code == 202 and polled.headers["x-fal-request-id"] == sub["request_id"]
    assert polled.json()["status_url"] == f"http://queue.localhost{path}"
    assert polled.headers["server-timing"].startswith("status;dur=")
    assert 'route="/queue/openai/gpt-image-2/requests/{request_id}/status",status="202"' in metrics


def test_a_result_fetched_from_memory_matches_the_stored_one(live: LiveServer) -> None:
    """The fetch right after COMPLETED is answered from the worker's hand-over; the store says the same."""
    with live.client() as c:
        sub = c.post("/queue" + EDIT, json={"prompt": "gray", "image_urls": [data_uri(png_bytes())]}).json()
        wait_done(c, sub["status_url"])
        service = live.app.state.runtime.service
        if service.hub.delivers_locally:  # one host: the ended job is in memory (with Redis, always the store)
            assert service.ended_in_memory(sub["request_id"], Caller()) is not None
            service.get = _no_store_read  # answered in front of the framework, from memory
        try:
            fresh = c.get(sub["response_url"])
        finally:
            service.__dict__.pop("get", None)
        service.hub.handed_over(sub["request_id"], take=True)  # the next fetch must read the store
        stored = c.get(sub["response_url"])
    assert fresh.status_code == stored.status_code == 200
    assert fresh.json() == stored.json()
    assert fresh.headers["x-fal-request-id"] == stored.headers["x-fal-request-id"] == sub["request_id"]


def _no_store_read(*args: object, **kwargs: object) -> None:
    raise AssertionError("the fetch right after COMPLETED read the store")


def _running(client: httpx.Client) -> dict[str, str]:
    body = {"prompt": "slow gray", "image_urls": [data_uri(png_bytes())], "engine": "slowgray"}
    sub = client.post("/queue" + EDIT, json=body).json()
    deadline = time.time() + 10
    while client.get(sub["status_url"]).json()["status"] != "IN_PROGRESS" and time.time() < deadline:
        time.sleep(0.02)
    return sub


def _timed_poll(client: httpx.Client, url: str, **params: str) -> tuple[float, dict[str, object]]:
    started = time.monotonic()
    response = client.get(url, params=params)
    assert response.status_code in (200, 202), response.text
    return time.monotonic() - started, response.json()


def test_a_poll_that_follows_closely_waits_for_news_and_gets_it_at_once(
    tmp_path: Path, backend: dict[str, object]
) -> None:
    """Holding eager polls (``poll_hold_ms``, here far longer than the 2 s job): a poll right after an answer, with
    nothing new, returns when something happens (the end; a log line for a poll that shows logs), not at the
    window's end; a poll that shows logs gets the new line."""
    with serving(tmp_path, poll_hold_ms=30_000, **backend) as live, live.client() as c:
        sub = _running(c)
        _, first = _timed_poll(c, sub["status_url"], logs="1")
        took, second = _timed_poll(c, sub["status_url"], logs="1")
        assert took < 10 and second["status"] == "IN_PROGRESS"
        assert len(second["logs"]) > len(first["logs"])  # type: ignore[arg-type]
        took, ended = _timed_poll(c, sub["status_url"])
        took, ended = _timed_poll(c, sub["status_url"]) if ended["status"] != "COMPLETED" else (took, ended)
        assert ended["status"] == "COMPLETED" and took < 10
        took, again = _timed_poll(c, sub["status_url"])
        assert again["status"] == "COMPLETED" and took < 1, "a finished request is answered at once"


def test_a_poll_after_the_window_is_answered_at_once(tmp_path: Path, backend: dict[str, object]) -> None:
    with serving(tmp_path, poll_hold_ms=400, **backend) as live, live.client() as c:
        sub = _running(c)
        _timed_poll(c, sub["status_url"])
        held, body = _timed_poll(c, sub["status_url"])
        assert body["status"] == "IN_PROGRESS" and held >= 0.3, "nothing new: held to the window's end"
        time.sleep(0.5)
        took, _ = _timed_poll(c, sub["status_url"])
        assert took < held, "a poll after the window is not held"
        c.put(sub["cancel_url"])


def test_another_keys_poll_is_refused_at_once_while_the_owners_are_held(
    tmp_path: Path, backend: dict[str, object]
) -> None:
    engines = {"slowgray": EngineConfig(kind="gray", options={"steps": 100, "step_seconds": 0.1})}
    keys = [KeyConfig(id="alice", secret="alice-secret"), KeyConfig(id="bob", secret="bob-secret")]
    with serving(tmp_path, poll_hold_ms=30_000, engines=engines, keys=keys, **backend) as live:
        with live.client("alice-secret") as alice, live.client("bob-secret") as bob:
            sub = _running(alice)  # alice's last poll was just answered: her next one, nothing new, would wait
            started = time.monotonic()
            assert bob.get(sub["status_url"]).status_code == 404
            assert time.monotonic() - started < 5, "not held (the job runs for half a minute)"
            alice.put(sub["cancel_url"])


def test_a_queued_requests_held_poll_is_answered_when_it_starts(tmp_path: Path, backend: dict[str, object]) -> None:
    engines = {"slowgray": EngineConfig(kind="gray", options={"steps": 100, "step_seconds": 0.1})}
    with serving(tmp_path, queued_poll_hold_ms=60_000, engines=engines, **backend) as live, live.client() as c:
        first = _running(c)
        body = {"prompt": "slow gray", "image_urls": [data_uri(png_bytes())], "engine": "slowgray"}
        queued = c.post("/queue" + EDIT, json=body).json()
        _, answer = _timed_poll(c, queued["status_url"])
        assert answer["status"] == "IN_QUEUE" and answer["queue_position"] == 0
        cancel = threading.Timer(0.5, lambda: httpx.put(first["cancel_url"]))
        cancel.start()
        took, started = _timed_poll(c, queued["status_url"])
        cancel.join()
        assert started["status"] in ("IN_PROGRESS", "COMPLETED") and 0.3 < took < 20, (took, started)
        c.put(queued["cancel_url"])
