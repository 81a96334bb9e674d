"""Soak: 10,000 mixed requests against a real server process; is it still healthy, fair and lossless?

Three keys: ``alice`` and ``bob`` send steady mixed traffic (sync, queue, stream; some cancelled, some bad);
``burst`` floods the queue in waves. A first phase without the burst gives the quiet keys' baseline latency.
Prints per-key p50/p99 per 1,000 requests, the server's resident memory every 1,000 requests, and counts of lost
and duplicated results (both must be 0). Targets (issue 11): memory after 10,000 requests within 10% of memory
after 1,000; the quiet keys' p99 under the burst below twice their p99 without it.

    .venv/bin/python bench/soak.py [--requests 10000] [--engine KIND]
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import random
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml
from _common import ServerProcess, percentile

EDIT = "/openai/gpt-image-2/edit"
KEYS = {"alice": "alice-secret", "bob": "bob-secret", "burst": "burst-secret", "admin": "admin-secret"}


def tiny_png(seed: int) -> str:
    import io

    from PIL import Image

    rng = random.Random(seed)
    img = Image.new("RGB", (64, 48), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


class Ledger:
    """Every accepted request id, per key, with its measured latency; shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: dict[str, str] = {}  # request id -> key
        self.cancelled: set[str] = set()
        self.latency: dict[str, list[tuple[int, float]]] = collections.defaultdict(list)
        self.count = 0
        self.bad_ok = 0  # bad requests that were not refused (must stay 0)
        self.errors: collections.Counter[str] = collections.Counter()

    def tick(self) -> int:
        with self.lock:
            self.count += 1
            return self.count


def queue_roundtrip(c: httpx.Client, body: dict[str, object], ledger: Ledger, key: str, cancel: bool) -> None:
    sub = c.post("/queue" + EDIT, json=body)
    if sub.status_code != 200:
        ledger.errors[f"submit {sub.status_code}"] += 1
        return
    info = sub.json()
    with ledger.lock:
        ledger.accepted[info["request_id"]] = key
    if cancel:
        c.put(info["cancel_url"])
        with ledger.lock:
            ledger.cancelled.add(info["request_id"])
        return
    while c.get(info["status_url"]).json()["status"] != "COMPLETED":
        time.sleep(0.01)
    c.get(info["response_url"])


def quiet_client(url: str, key: str, ledger: Ledger, stop: threading.Event, phase: list[str], seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Key {KEYS[key]}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
        while not stop.is_set():
            n = ledger.tick()
            body = {"prompt": "make it black and white", "image_urls": [tiny_png(n)]}
            roll = rng.random()
            started = time.perf_counter()
            if roll < 0.05:
                bad = c.post(EDIT, json={**body, "image_size": {"width": 100, "height": 100}})
                ledger.bad_ok += bad.status_code != 422
                continue
            if roll < 0.35:
                r = c.post(EDIT, json={**body, "sync_mode": True})
                if r.status_code != 200:
                    ledger.errors[f"sync {r.status_code}"] += 1
            elif roll < 0.55:
                with c.stream("POST", EDIT + "/stream", json=body) as r:
                    for _ in r.iter_lines():
                        pass
            else:
                queue_roundtrip(c, body, ledger, key, cancel=roll > 0.95)
            with ledger.lock:
                ledger.latency[f"{key}/{phase[0]}"].append((n, time.perf_counter() - started))


def burst_client(url: str, ledger: Ledger, stop: threading.Event, wave: int) -> None:
    headers = {"Authorization": f"Key {KEYS['burst']}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
        while not stop.is_set():
            for _ in range(wave):
                if stop.is_set():
                    return
                n = ledger.tick()
                r = c.post("/queue" + EDIT, json={"prompt": "make it black and white", "image_urls": [tiny_png(n)]})
                if r.status_code == 200:
                    with ledger.lock:
                        ledger.accepted[r.json()["request_id"]] = "burst"
                else:
                    ledger.errors[f"burst {r.status_code}"] += 1
            while c.get("/admin/queue", headers={"Authorization": f"Key {KEYS['admin']}"}).json()["queued"] > wave:
                if stop.wait(0.2):
                    return


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def audit(url: str, data_dir: Path, ledger: Ledger) -> tuple[int, int]:
    """Lost: accepted, not cancelled, and without a result. Duplicated: more output files than images."""
    lost = 0
    headers = {"Authorization": f"Key {KEYS['admin']}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
        for rid in ledger.accepted:
            if rid in ledger.cancelled:
                continue
            deadline = time.time() + 120
            while True:
                status = c.get(f"/queue/openai/gpt-image-2/requests/{rid}/status").json().get("status")
                if status == "COMPLETED" or time.time() > deadline:
                    break
                time.sleep(0.05)
            lost += c.get(f"/queue/openai/gpt-image-2/requests/{rid}").status_code != 200
    names = [json.loads(p.read_text()).get("file_name", "") for p in (data_dir / "files").rglob("*.json")]
    files = collections.Counter(name.rsplit("-", 1)[0] for name in names)
    duplicated = sum(1 for rid in ledger.accepted if files.get(rid, 0) > 1)
    return lost, duplicated


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--engine", default="classic", help="engine kind (default: classic)")
    parser.add_argument("--wave", type=int, default=200, help="burst key: jobs queued per wave")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="retouch-soak-"))
    config = {
        "keys": [{"id": k, "secret": s, "admin": k == "admin"} for k, s in KEYS.items()],
        "engines": {"soak": {"kind": args.engine}},
        "default_engine": "soak",
        "max_queue_length": 5000,
        "sweep_interval_seconds": 30,
    }
    (tmp / "config.yaml").write_text(yaml.safe_dump(config))
    server = ServerProcess(tmp / "data", args=["--config", str(tmp / "config.yaml")])
    ledger, stop, phase = Ledger(), threading.Event(), ["quiet"]
    quiet = [
        threading.Thread(target=quiet_client, args=(server.url, k, ledger, stop, phase, i), daemon=True)
        for i, k in enumerate(["alice", "alice", "bob", "bob"])
    ]
    memory: list[tuple[int, float]] = []
    try:
        for t in quiet:
            t.start()
        burst_stop = threading.Event()
        burst = threading.Thread(target=burst_client, args=(server.url, ledger, burst_stop, args.wave), daemon=True)
        next_mark = 1000
        while ledger.count < args.requests:
            if ledger.count >= next_mark:
                memory.append((next_mark, rss_mb(server.proc.pid)))
                print(
                    f"{next_mark:6d} requests  rss {memory[-1][1]:7.1f} MiB  errors {dict(ledger.errors)}", flush=True
                )
                next_mark += 1000
            if phase[0] == "quiet" and ledger.count >= args.requests // 10:
                phase[0] = "burst"
                burst.start()
            time.sleep(0.05)
        stop.set()
        burst_stop.set()
        for t in quiet:
            t.join(120)
        memory.append((ledger.count, rss_mb(server.proc.pid)))
        lost, duplicated = audit(server.url, tmp / "data", ledger)
    finally:
        server.stop()
    print("\nper key latency (s), whole request as the client sees it")
    report: dict[str, object] = {}
    for name in sorted(ledger.latency):
        values = [v for _, v in ledger.latency[name]]
        print(f"  {name:14s} n={len(values):5d}  p50 {percentile(values, 50):.3f}  p99 {percentile(values, 99):.3f}")
        report[name] = {"p50": percentile(values, 50), "p99": percentile(values, 99)}
    for key in ("alice", "bob"):
        base = percentile([v for _, v in ledger.latency[f"{key}/quiet"]], 99)
        under = percentile([v for _, v in ledger.latency[f"{key}/burst"]], 99)
        print(f"  {key}: p99 under burst / p99 quiet = {under / base:.2f}  (target < 2)")
    first = next(m for n, m in memory if n >= 1000)
    print(f"memory: {first:.1f} MiB after 1,000, {memory[-1][1]:.1f} MiB after {memory[-1][0]:,}", end="")
    print(f"  ratio {memory[-1][1] / first:.3f} (target <= 1.10)")
    print(f"lost results: {lost}  duplicated results: {duplicated}  bad requests accepted: {ledger.bad_ok}")
    print(f"accepted {len(ledger.accepted)} queued requests ({len(ledger.cancelled)} cancelled)")
    print(json.dumps({"memory": memory, "lost": lost, "duplicated": duplicated, "latency": report}))


if __name__ == "__main__":
    main()
