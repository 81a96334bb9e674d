"""One API process (TLS) and three worker processes on Redis and an S3-compatible server, all on 127.0.0.1: 200 jobs
submitted by the official fal-client, a worker killed with SIGKILL mid-run, cancels across processes, an API
restart — nothing lost, one result each."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from ..support.gray_engine import GRAY
from ..support.images import data_uri, solid_png
from ..support.net import free_port
from ..support.paths import ROOT, pythonpath
from ..support.polling import wait_done
from ..support.tls import make_tls

QUEUE = "/queue/openai/gpt-image-2/edit"


class Cluster:
    def __init__(self, tmp: Path, redis_url: str, s3: str) -> None:
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.tls = make_tls(tmp)
        self.verify = ssl.create_default_context(cafile=str(self.tls.ca))
        config = {
            "data_dir": str(tmp / "data"),
            "state_backend": "redis",
            "object_backend": "s3",
            "redis_url": redis_url,
            "s3_endpoint_url": s3,
            "s3_bucket": "retouch-test",
            "secret_key": "cluster-secret",
            "job_lease_seconds": 2,
            "workers": 1,
            "default_engine": "gray",
            "tls_certfile": str(self.tls.cert),
            "tls_keyfile": str(self.tls.key),
            "engines": {
                "gray": {"kind": GRAY, "options": {"steps": 2, "step_seconds": 0.02}},
                "slowgray": {"kind": GRAY, "options": {"steps": 100, "step_seconds": 0.05}},
            },
        }
        self.config = tmp / "cluster.yaml"
        self.config.write_text(yaml.safe_dump(config))
        self.env = {
            **os.environ,
            "PYTHONPATH": pythonpath(),
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        self.api = self.start_api()
        self.workers = [self.start_worker() for _ in range(3)]

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "retouch", *args, "--config", str(self.config)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start_api(self) -> subprocess.Popen[bytes]:
        proc = self._spawn("serve", "--role", "api", "--port", str(self.port))
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1, verify=self.verify).status_code == 200:
                    return proc
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("API process did not start")

    def start_worker(self) -> subprocess.Popen[bytes]:
        return self._spawn("worker")

    def stop(self) -> None:
        for proc in [self.api, *self.workers]:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)


@pytest.fixture
def cluster(tmp_path: Path, fresh_redis: str, s3_endpoint: str) -> Iterator[Cluster]:
    c = Cluster(tmp_path, fresh_redis, s3_endpoint)
    yield c
    c.stop()


def _png(i: int) -> str:
    return data_uri(solid_png((16 + i % 7, 12), (200, i % 255, 30)))


def test_200_jobs_survive_a_killed_worker_and_an_api_restart(cluster: Cluster) -> None:
    client_env = {k: v for k, v in cluster.env.items() if not k.upper().endswith("_PROXY")}
    client_env.update(
        FAL_KEY="unused",
        FAL_RUN_HOST=f"127.0.0.1:{cluster.port}",
        FAL_QUEUE_RUN_HOST=f"127.0.0.1:{cluster.port}/queue",
        SSL_CERT_FILE=str(cluster.tls.ca),
    )
    script = Path(__file__).with_name("fal_submit_many.py")
    out = subprocess.run(
        [sys.executable, str(script), "200"], env=client_env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    ids = [json.loads(line)["request_id"] for line in out.stdout.splitlines()]
    assert len(ids) == 200
    root = f"{cluster.url}/queue/openai/gpt-image-2/requests"
    subs = [{"request_id": r, "status_url": f"{root}/{r}/status", "response_url": f"{root}/{r}"} for r in ids]
    with httpx.Client(base_url=cluster.url, timeout=30, verify=cluster.verify) as c:
        slow = c.post(QUEUE, json={"prompt": "slow", "image_urls": [_png(1)], "engine": "slowgray"}).json()
        time.sleep(0.5)
        victim = cluster.workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        cluster.workers[0] = cluster.start_worker()
        cluster.api.send_signal(signal.SIGKILL)
        cluster.api.wait(10)
        cluster.api = cluster.start_api()
        for sub in [*subs, slow]:
            wait_done(c, sub["status_url"], timeout=120)
        for i, sub in enumerate(subs):
            result = c.get(sub["response_url"])
            assert result.status_code == 200, result.text
            image = result.json()["images"][0]
            assert image["width"] == 16 + i % 7
            assert c.get(image["url"]).status_code == 200  # served from S3 through the API
        assert c.get(slow["response_url"]).status_code == 200


def test_cancel_queued_and_running_across_processes(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.url, timeout=30, verify=cluster.verify) as c:
        running = [
            c.post(QUEUE, json={"prompt": "s", "image_urls": [_png(i)], "engine": "slowgray"}).json() for i in range(3)
        ]
        queued = c.post(QUEUE, json={"prompt": "q", "image_urls": [_png(9)], "engine": "slowgray"}).json()
        deadline = time.time() + 30
        while time.time() < deadline:
            states = [c.get(s["status_url"]).json()["status"] for s in running]
            if states.count("IN_PROGRESS") == 3:
                break
            time.sleep(0.05)
        assert c.get(queued["status_url"]).json()["status"] == "IN_QUEUE"
        assert c.put(queued["cancel_url"]).json()["status"] == "CANCELLATION_REQUESTED"
        assert c.put(running[0]["cancel_url"]).json()["status"] == "CANCELLATION_REQUESTED"
        done = wait_done(c, running[0]["status_url"], timeout=30)
        steps = [line for line in done["logs"] if line["message"].startswith("step ")]
        assert len(steps) < 100  # stopped at a step boundary on another process
        assert c.get(running[0]["response_url"]).status_code == 400
        assert c.get(queued["response_url"]).status_code == 400
        for sub in running[1:]:
            c.put(sub["cancel_url"])
