"""Overhead of Retouch's queue path against the same edit done in-process and behind a bare FastAPI endpoint.

SPEC section 7: a 512x512 PNG edit sent as a data URI, submitted, polled and fetched, at most 10 ms slower (p50, one
client) than in-process; with 8 concurrent clients at least the throughput of a bare FastAPI endpoint doing the
same edit (both cores busy), p99 under 300 ms, no request refused; a status poll under 2 ms.

Run: ``.venv/bin/python bench/overhead.py [--requests 40] [--prompt "make it black and white"]``
"""

from __future__ import annotations

import argparse
import base64
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ServerProcess, free_port, percentile, photo_png, summary  # noqa: E402

APP = "/openai/gpt-image-2/edit"


def in_process(prompt: str, uri: str, n: int) -> list[float]:
    from bare_app import edit_once

    edit_once(prompt, uri)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        edit_once(prompt, uri)
        times.append(time.perf_counter() - t0)
    return times


def queue_roundtrip(client: httpx.Client, body: dict, poll: float, phases: list | None = None) -> float:
    """Submit, poll, fetch; ``phases`` (if given) collects (submit, wait, fetch) seconds for the breakdown."""
    t0 = time.perf_counter()
    sub = client.post("/queue" + APP, json=body)
    sub.raise_for_status()
    urls = sub.json()
    t1 = time.perf_counter()
    while client.get(urls["status_url"]).json()["status"] != "COMPLETED":
        time.sleep(poll)
    t2 = time.perf_counter()
    result = client.get(urls["response_url"])
    result.raise_for_status()
    t3 = time.perf_counter()
    if phases is not None:
        phases.append((t1 - t0, t2 - t1, t3 - t2))
    return t3 - t0


def concurrent(url: str, fn, clients: int, per_client: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal refused
        with httpx.Client(base_url=url, timeout=120) as c:
            for _ in range(per_client):
                try:
                    dt = fn(c)
                    with lock:
                        latencies.append(dt)
                except httpx.HTTPError:
                    with lock:
                        refused += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return len(latencies) / elapsed, latencies, refused


def start_bare(workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    bench_dir = str(Path(__file__).resolve().parent)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--app-dir",
            bench_dir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/docs", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40, help="single-client requests")
    parser.add_argument("--per-client", type=int, default=10, help="requests per client with 8 clients")
    parser.add_argument("--prompt", default="make it black and white")
    args = parser.parse_args()
    uri = "data:image/png;base64," + base64.b64encode(photo_png(512)).decode()
    body = {"prompt": args.prompt, "image_urls": [uri], "seed": 1}
    cores = os.cpu_count() or 1
    # The machine may be shared: the load before the run says how much the numbers below can be trusted.
    print(f"{cores} cores, load average {os.getloadavg()[0]:.2f} before the run")

    base = in_process(args.prompt, uri, args.requests)
    print(f"in-process edit (512x512)        {summary(base)}")

    with tempfile.TemporaryDirectory() as tmp:
        mode = os.environ.get("RETOUCH_WORKER_MODE", "threads")
        server = ServerProcess(Path(tmp), env={"RETOUCH_WORKERS": str(cores), "RETOUCH_WORKER_MODE": mode})
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                for _ in range(3):
                    queue_roundtrip(c, body, 0.001)
                phases: list[tuple[float, float, float]] = []
                single = [queue_roundtrip(c, body, 0.001, phases) for _ in range(args.requests)]
                sub = c.post("/queue" + APP, json=body).json()
                while c.get(sub["status_url"]).json()["status"] != "COMPLETED":
                    time.sleep(0.01)
                polls = []
                for _ in range(300):
                    t0 = time.perf_counter()
                    c.get(sub["status_url"])
                    polls.append(time.perf_counter() - t0)
            print(f"queue path, 1 client             {summary(single)}")
            overhead = (percentile(single, 50) - percentile(base, 50)) * 1000
            ratio = percentile(single, 50) / percentile(base, 50)
            print(f"  overhead p50: {overhead:+.2f} ms (target <= 10 ms)  ratio {ratio:.3f}")
            submit_ms, wait_ms, fetch_ms = (percentile([p[i] for p in phases], 50) * 1000 for i in range(3))
            print(f"  p50 submit {submit_ms:.2f} ms, until COMPLETED {wait_ms:.2f} ms, result {fetch_ms:.2f} ms")
            print(f"status poll                      {summary(polls)}  (target p50 < 2 ms)")
            tput, lat, refused = concurrent(server.url, lambda c: queue_roundtrip(c, body, 0.005), 8, args.per_client)
        finally:
            server.stop()
    print(f"queue path, 8 clients            {summary(lat)}  throughput {tput:6.2f}/s  refused {refused}")

    proc, url = start_bare(cores)
    try:

        def bare_call(c: httpx.Client) -> float:
            t0 = time.perf_counter()
            c.post("/edit", json=body).raise_for_status()
            return time.perf_counter() - t0

        with httpx.Client(base_url=url, timeout=60) as c:
            for _ in range(4):
                bare_call(c)
        btput, blat, brefused = concurrent(url, bare_call, 8, args.per_client)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    print(f"bare FastAPI ({cores} procs), 8 clients {summary(blat)}  throughput {btput:6.2f}/s  refused {brefused}")
    print(
        f"  throughput ratio retouch/bare: {tput / btput:.3f} (target >= 1.0); retouch p99 "
        f"{percentile(lat, 99) * 1000:.1f} ms (target < 300 ms)"
    )


if __name__ == "__main__":
    main()
