"""Operator rules through the HTTP API: back-pressure, pause/resume, admin listing and cancel, time limits,
retention."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from retouch.config import EngineConfig, KeyConfig

from ..support.images import data_uri, png_bytes
from ..support.live_server import LiveServer, start_server
from ..support.polling import wait_done

EDIT = "/openai/gpt-image-2/edit"
QUEUE = "/queue/openai/gpt-image-2/edit"


def _body(prompt: str = "gray") -> dict[str, object]:
    return {"prompt": prompt, "image_urls": [data_uri(png_bytes((32, 32)))]}


def _ops_settings() -> dict[str, object]:
    keys = [
        KeyConfig(id="admin", secret="admin-secret", admin=True),
        KeyConfig(id="alice", secret="alice-secret", max_queued=2),
        KeyConfig(id="bob", secret="bob-secret"),
    ]
    engines = {
        "gray": EngineConfig(kind="gray", options={"steps": 3}),
        "capped": EngineConfig(kind="gray", options={"steps": 50, "step_seconds": 0.05}, max_run_seconds=0.5),
    }
    return {"keys": keys, "engines": engines, "drain_timeout_seconds": 5}


@pytest.fixture
def ops(tmp_path: Path, backend: dict[str, Any]) -> Iterator[LiveServer]:
    srv, server, thread = start_server(tmp_path, **_ops_settings(), **backend)
    yield srv
    server.should_exit = True
    thread.join(15)


@pytest.mark.backends("sqlite", "redis")
def test_pause_holds_jobs_then_resume_runs_them_and_admin_sees_the_queue(ops: LiveServer) -> None:
    with ops.client("admin-secret") as admin, ops.client("bob-secret") as bob:
        assert bob.post("/admin/queue/pause").status_code == 403
        assert admin.post("/admin/queue/pause").json()["paused"] is True
        ids = [bob.post(QUEUE, json=_body()).json()["request_id"] for _ in range(3)]
        time.sleep(0.6)
        listing = admin.get("/admin/queue").json()
        assert listing["paused"] and listing["queued"] == 3
        assert [j["request_id"] for j in listing["jobs"]] == ids
        assert [j["queue_position"] for j in listing["jobs"]] == [0, 1, 2]
        assert all(j["key"] == "bob" and j["engine"] == "gray" for j in listing["jobs"])
        assert bob.get(f"/queue/openai/gpt-image-2/requests/{ids[0]}/status").json()["status"] == "IN_QUEUE"
        assert admin.put(f"/admin/requests/{ids[2]}/cancel").json()["status"] == "CANCELLATION_REQUESTED"
        admin.post("/admin/queue/resume")
        done = wait_done(bob, f"{ops.url}/queue/openai/gpt-image-2/requests/{ids[0]}/status")
        assert done["status"] == "COMPLETED"
        wait_done(bob, f"{ops.url}/queue/openai/gpt-image-2/requests/{ids[1]}/status")
        assert bob.get(f"/queue/openai/gpt-image-2/requests/{ids[1]}").status_code == 200
        assert bob.get(f"/queue/openai/gpt-image-2/requests/{ids[2]}").status_code == 400  # cancelled


@pytest.mark.backends("sqlite", "redis")
def test_queue_limits_answer_429_with_retry_after_and_keep_accepted_work(ops: LiveServer) -> None:
    with ops.client("admin-secret") as admin, ops.client("alice-secret") as alice, ops.client("bob-secret") as bob:
        admin.post("/admin/queue/pause")
        accepted = [alice.post(QUEUE, json=_body()) for _ in range(2)]
        assert all(r.status_code == 200 for r in accepted)
        refused = alice.post(QUEUE, json=_body())
        assert refused.status_code == 429 and refused.headers["Retry-After"].isdigit()
        assert "limit 2" in refused.json()["detail"] and refused.json()["error_type"] == "queue_full"
        assert bob.post(QUEUE, json=_body()).status_code == 200  # another key is not affected
        over = bob.post(QUEUE, params={"fal_max_queue_length": 3}, json=_body())
        assert over.status_code == 429 and "fal_max_queue_length=3" in over.json()["detail"]
        admin.post("/admin/queue/resume")
        for r in accepted:
            assert wait_done(alice, r.json()["status_url"])["status"] == "COMPLETED"
            assert alice.get(r.json()["response_url"]).status_code == 200


@pytest.mark.backends("sqlite", "redis")
def test_start_deadline_ends_with_504_and_user_timeout_type(ops: LiveServer) -> None:
    with ops.client("admin-secret") as admin, ops.client("bob-secret") as bob:
        admin.post("/admin/queue/pause")
        sub = bob.post(QUEUE, json=_body(), headers={"X-Fal-Request-Timeout": "0.2"}).json()
        time.sleep(0.4)
        admin.post("/admin/queue/resume")
        wait_done(bob, sub["status_url"])
        result = bob.get(sub["response_url"])
        assert result.status_code == 504
        assert result.headers["X-Fal-Request-Timeout-Type"] == "user"


@pytest.mark.backends("sqlite", "redis")
def test_engine_time_limit_ends_a_long_job_as_an_error(ops: LiveServer) -> None:
    with ops.client("bob-secret") as bob:
        sub = bob.post(QUEUE, json={**_body(), "engine": "capped"}).json()
        status = wait_done(bob, sub["status_url"])
        result = bob.get(sub["response_url"])
        assert result.status_code == 504 and "limit of 0.5 s" in result.json()["detail"]
        assert any("step 1/50" in line["message"] for line in status["logs"])


def test_lifecycle_preference_and_sweeper_delete_outputs_and_records(ops: LiveServer) -> None:
    with ops.client("bob-secret") as bob:
        sub = bob.post(
            QUEUE, json=_body(), headers={"X-Fal-Object-Lifecycle-Preference": '{"expiration_duration_seconds": 1}'}
        ).json()
        wait_done(bob, sub["status_url"])
        url = bob.get(sub["response_url"]).json()["images"][0]["url"]
        assert bob.get(url).status_code == 200
        sweeper = ops.app.state.runtime.sweeper
        # Asked for 1 s: clamped to the 60 s floor (long enough to fetch what a webhook announces).
        assert sweeper.sweep(time.time() + 2) == (0, 0)
        files, records = sweeper.sweep(time.time() + 61)
        assert files >= 1 and records == 1
        assert bob.get(url).status_code == 404
        assert bob.get(sub["response_url"]).status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        "soon",
        '{"expiration_duration_seconds": 0}',
        '{"expiration_duration_seconds": -5}',
        '{"expiration_duration_seconds": NaN}',
        '{"expiration_duration_seconds": Infinity}',
        '{"expiration_duration_seconds": 1e999}',
        '{"expiration_duration_seconds": "later"}',
        '{"expiration_duration_seconds": true}',
        "[1]",
    ],
)
def test_a_bad_lifecycle_preference_is_422_and_stores_nothing(ops: LiveServer, header: str) -> None:
    with ops.client("bob-secret") as bob:
        before = ops.app.state.runtime.store.counts()
        bad = bob.post(QUEUE, json=_body(), headers={"X-Fal-Object-Lifecycle-Preference": header})
        assert bad.status_code == 422, bad.text
        assert bad.json()["detail"][0]["loc"][-1] == "X-Fal-Object-Lifecycle-Preference"
        assert ops.app.state.runtime.store.counts() == before


def test_a_lifecycle_preference_never_extends_the_keys_retention(ops: LiveServer) -> None:
    limit = ops.settings.result_ttl_seconds
    with ops.client("bob-secret") as bob:
        ten_years = '{"expiration_duration_seconds": 315360000}'
        sub = bob.post(QUEUE, json=_body(), headers={"X-Fal-Object-Lifecycle-Preference": ten_years}).json()
        wait_done(bob, sub["status_url"])
        sweeper = ops.app.state.runtime.sweeper
        assert sweeper.sweep(time.time() + limit - 5)[1] == 0
        assert sweeper.sweep(time.time() + limit + 5)[1] == 1
        assert bob.get(sub["response_url"]).status_code == 404


def test_one_unreadable_record_does_not_stop_the_sweep(ops: LiveServer) -> None:
    """A record whose retention is not a number (as an older server could store) falls back to the default."""
    store = ops.app.state.runtime.store
    with ops.client("bob-secret") as bob:
        subs = [bob.post(QUEUE, json=_body()).json() for _ in range(2)]
        for sub in subs:
            wait_done(bob, sub["status_url"])
    with store._tx() as db:
        db.execute(
            "UPDATE jobs SET payload = json_set(payload, '$._retain_seconds', 'never') WHERE id = ?",
            (subs[0]["request_id"],),
        )
        db.execute("UPDATE jobs SET payload = '{NaN' WHERE id = ?", (subs[1]["request_id"],))
    limit = ops.settings.result_ttl_seconds
    assert ops.app.state.runtime.sweeper.sweep(time.time() + limit + 5)[1] == 2
