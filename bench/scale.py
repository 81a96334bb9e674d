"""Distributed throughput: one API process and 1, 2 and 4 worker processes on Redis, a CPU-bound classic edit.

Prints jobs per second for each worker count and the ratio to one worker (on a 2-core machine expect about 2x at
2 workers and no more at 4). Starts its own redis-server on a free loopback port; files stay local (one host).

    .venv/bin/python bench/scale.py [--jobs 40]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from _common import free_port, photo_png

ROOT = Path(__file__).resolve().parents[1]
QUEUE = "/queue/openai/gpt-image-2/edit"


def wait_http(url: str) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("API did not start")


def run(workers: int, jobs: int, redis_url: str, tmp: Path, body: dict[str, Any]) -> float:
    import redis

    redis.Redis.from_url(redis_url).flushall()
    port = free_port()
    config = {
        "data_dir": str(tmp / f"data{workers}"),
        "state_backend": "redis",
        "redis_url": redis_url,
        "workers": 1,
        "job_lease_seconds": 30,
        "engine_threads": 1,
    }
    cfg = tmp / f"scale{workers}.yaml"
    cfg.write_text(yaml.safe_dump(config))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "retouch"]
    procs = [
        subprocess.Popen(
            [*cmd, "serve", "--role", "api", "--port", str(port), "--config", str(cfg)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url)
        procs += [
            subprocess.Popen(
                [*cmd, "worker", "--config", str(cfg)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for _ in range(workers)
        ]
        time.sleep(3.0)  # let the workers import and warm up
        with httpx.Client(base_url=url, timeout=60) as c:
            # The photo is uploaded once, as a client would, and referenced by URL in every job.
            start_upload = c.post("/storage/upload/initiate", json={"file_name": "p.png", "content_type": "image/png"})
            c.put(start_upload.json()["upload_url"], content=body["photo"], headers={"Content-Type": "image/png"})
            body = {"prompt": body["prompt"], "image_urls": [start_upload.json()["file_url"]]}
            start = time.perf_counter()
            subs = [c.post(QUEUE, json=body).json() for _ in range(jobs)]
            for sub in subs:  # one light poll at a time: the client shares the cores it measures
                while c.get(sub["status_url"]).json()["status"] != "COMPLETED":
                    time.sleep(0.05)
            elapsed = time.perf_counter() - start
            assert all(c.get(s["response_url"]).status_code == 200 for s in subs)
        return jobs / elapsed
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=40)
    args = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (scripts/install-test-deps.sh installs it)")
    tmp = Path(tempfile.mkdtemp(prefix="retouch-scale-"))
    port = free_port()
    redis_proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp)], stdout=subprocess.DEVNULL
    )
    time.sleep(0.5)
    body = {"prompt": "cartoon, then sharpen and add a vignette", "photo": photo_png(1024)}
    try:
        results = {n: run(n, args.jobs, f"redis://127.0.0.1:{port}/0", tmp, body) for n in (1, 2, 4)}
    finally:
        redis_proc.terminate()
    print(f"{os.cpu_count()} cores; {args.jobs} jobs of a 1024x1024 classic edit per run")
    previous = None
    for n, rate in results.items():
        added = f", per added worker {(rate - previous[1]) / (n - previous[0]) / results[1]:.2f}" if previous else ""
        print(f"{n} worker process(es): {rate:6.2f} jobs/s  ratio to 1 worker {rate / results[1]:.2f}{added}")
        previous = (n, rate)
    cores = os.cpu_count() or 1
    two = results.get(2, 0.0) / results[1]
    verdict = "YES" if two >= 0.9 * 2 else "NO"
    print(f"target (SPEC 7): >= 0.9 x N at N <= cores ({cores}): 2 workers {two:.2f}x (>= 1.8): {verdict}")


if __name__ == "__main__":
    main()
