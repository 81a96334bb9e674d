"""Worker child processes: recycled after N jobs or past a memory limit without losing or repeating a job;
a child killed mid-job is replaced and the job runs again (a second death ends it with a clear error); cancel
reaches a running child."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from retouch.config import EngineConfig

from ..support.gray_engine import GRAY
from ..support.images import data_uri, png_bytes
from ..support.live_server import serving
from ..support.polling import wait_done

QUEUE = "/queue/openai/gpt-image-2/edit"


def _engines() -> dict[str, EngineConfig]:
    return {
        "gray": EngineConfig(kind=GRAY, options={"steps": 2}),
        "slowgray": EngineConfig(kind=GRAY, options={"steps": 100, "step_seconds": 0.1}),
    }


def _body(engine: str = "gray") -> dict[str, object]:
    return {"prompt": "gray", "image_urls": [data_uri(png_bytes((24, 24)))], "engine": engine}


def test_children_are_recycled_after_n_jobs_and_every_job_completes_once(tmp_path: Path) -> None:
    with serving(tmp_path, engines=_engines(), worker_mode="processes", worker_max_jobs=2) as srv:
        runner = srv.app.state.runtime.pool.runner
        first_pid = runner.pids()[0]
        with srv.client() as c:
            subs = [c.post(QUEUE, json=_body()).json() for _ in range(5)]
            for sub in subs:
                assert wait_done(c, sub["status_url"], timeout=60)["status"] == "COMPLETED"
                result = c.get(sub["response_url"])
                assert result.status_code == 200, result.text
                assert c.get(result.json()["images"][0]["url"]).status_code == 200
        history = {j.id: j for j in srv.app.state.runtime.store.history(None, None, 50, None)}
        assert all(history[s["request_id"]].attempts == 1 for s in subs)
        assert runner.recycled >= 2
        assert first_pid not in runner.pids()


def test_memory_limit_recycles_and_a_killed_child_loses_no_job(tmp_path: Path) -> None:
    with serving(tmp_path, engines=_engines(), worker_mode="processes", worker_max_rss_mb=1) as srv:
        runner = srv.app.state.runtime.pool.runner
        with srv.client() as c:
            before = runner.recycled
            sub = c.post(QUEUE, json=_body()).json()
            assert wait_done(c, sub["status_url"], timeout=60)["status"] == "COMPLETED"
            deadline = time.time() + 10
            while runner.recycled == before and time.time() < deadline:
                time.sleep(0.05)
            assert runner.recycled > before  # every child is over 1 MiB: retired after its job

            def kill_while_running(job: dict[str, str], attempt: int) -> None:
                deadline = time.time() + 30
                while time.time() < deadline:
                    status = c.get(job["status_url"], params={"logs": "1"}).json()
                    started = sum("Running on engine" in line["message"] for line in status.get("logs") or [])
                    if status["status"] == "IN_PROGRESS" and started >= attempt:
                        break
                    time.sleep(0.05)
                time.sleep(0.5)
                os.kill(runner.pids()[0], signal.SIGKILL)

            # A process killed under a job loses no request: the job runs again in a fresh child.
            once = c.post(QUEUE, json=_body("slowgray")).json()
            kill_while_running(once, 1)
            assert wait_done(c, once["status_url"], timeout=60)["status"] == "COMPLETED"
            assert c.get(once["response_url"]).status_code == 200
            # A job under which its worker dies twice ends with a clear error instead of killing workers for ever.
            twice = c.post(QUEUE, json=_body("slowgray")).json()
            kill_while_running(twice, 1)
            kill_while_running(twice, 2)
            wait_done(c, twice["status_url"], timeout=60)
            died = c.get(twice["response_url"])
            assert died.status_code == 500 and died.json()["error_type"] == "worker_died"

            after = c.post(QUEUE, json=_body()).json()
            assert wait_done(c, after["status_url"], timeout=60)["status"] == "COMPLETED"
            assert c.get(after["response_url"]).status_code == 200


def _cancel_and_see_it_stop(c: httpx.Client, sub: dict[str, str]) -> None:
    assert c.put(sub["cancel_url"]).json()["status"] == "CANCELLATION_REQUESTED"
    status = wait_done(c, sub["status_url"], timeout=30)
    assert len([line for line in status["logs"] if line["message"].startswith("step ")]) < 100
    assert c.get(sub["response_url"]).status_code == 400


def test_cancel_reaches_a_job_running_in_a_child(tmp_path: Path) -> None:
    with serving(tmp_path, engines=_engines(), worker_mode="processes") as srv:
        with srv.client() as c:
            sub = c.post(QUEUE, json=_body("slowgray")).json()
            deadline = time.time() + 60
            while time.time() < deadline:
                logs = c.get(sub["status_url"], params={"logs": 1}).json().get("logs") or []
                if any(line["message"].startswith("step ") for line in logs):
                    break
                time.sleep(0.05)
            _cancel_and_see_it_stop(c, sub)


def test_cancel_sent_before_a_fresh_child_picks_up_the_job_still_stops_it(tmp_path: Path) -> None:
    """With one job per child, every job goes to a child still starting: the cancel reaches it before the job does."""
    with serving(tmp_path, engines=_engines(), worker_mode="processes", worker_max_jobs=1) as srv:
        with srv.client() as c:
            warm = c.post(QUEUE, json=_body()).json()
            assert wait_done(c, warm["status_url"], timeout=60)["status"] == "COMPLETED"
            sub = c.post(QUEUE, json=_body("slowgray")).json()
            deadline = time.time() + 30
            while c.get(sub["status_url"]).json()["status"] != "IN_PROGRESS" and time.time() < deadline:
                time.sleep(0.01)
            _cancel_and_see_it_stop(c, sub)
