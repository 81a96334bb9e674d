"""Nothing lost for speed: the c=8 queue load of ``overhead.py`` with a worker process killed (SIGKILL) a third of
the way in and the whole server killed (SIGKILL to its process group) and started again at two thirds.

Eight clients submit the 512x512 "invert the colors" job in a closed loop, each following its request to the end
(status polls, then the result). A submit that gets no answer (the server was down) is retried as a new request;
only requests the server acknowledged count. At the end every acknowledged request must be COMPLETED with exactly
one image that decodes, served by the restarted server. Prints the counts and YES/NO for "lost 0" and "run twice 0"
(one output file per request; a request running at a kill may leave one orphan file from its interrupted attempt,
which is reported apart).

    .venv/bin/python bench/durability.py [--requests 600] [--clients 8]
"""

from __future__ import annotations

import argparse
import base64
import collections
import io
import json
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import httpx
from _common import ServerProcess, children_of, photo_png
from PIL import Image

APP = "/openai/gpt-image-2/edit"
QUEUE = "/queue" + APP


class Ledger:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[str] = []
        self.finished_by_client = 0
        self.unanswered_submits = 0
        self.interrupted_follows = 0

    def accept(self, request_id: str) -> int:
        with self.lock:
            self.accepted.append(request_id)
            return len(self.accepted)


def worker_processes(pid: int) -> list[int]:
    """The server's worker children (spawned by multiprocessing; not its resource tracker)."""
    found = []
    for child in children_of(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"multiprocessing.spawn" in cmdline and b"resource_tracker" not in cmdline:
            found.append(child)
    return found


def client_loop(url: str, body: dict[str, object], ledger: Ledger, total: int, stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=30) as c:
        while not stop.is_set():
            with ledger.lock:
                if len(ledger.accepted) >= total:
                    return
            try:
                sub = c.post(QUEUE, json=body)
                sub.raise_for_status()
            except httpx.HTTPError:
                with ledger.lock:
                    ledger.unanswered_submits += 1
                time.sleep(0.1)
                continue
            ledger.accept(sub.json()["request_id"])
            follow(c, sub.json(), ledger, stop)


def follow(c: httpx.Client, urls: dict[str, str], ledger: Ledger, stop: threading.Event) -> None:
    """Polls to the end as a client would; a server that is down is waited for, never given up on."""
    deadline = time.time() + 120
    while not stop.is_set() and time.time() < deadline:
        try:
            if c.get(urls["status_url"]).json()["status"] == "COMPLETED":
                if c.get(urls["response_url"]).status_code == 200:
                    with ledger.lock:
                        ledger.finished_by_client += 1
                return
        except (httpx.HTTPError, ValueError):
            with ledger.lock:
                ledger.interrupted_follows += 1
            time.sleep(0.1)
            continue
        time.sleep(0.01)


def audit(url: str, data_dir: Path, ids: list[str]) -> dict[str, int]:
    counts: collections.Counter[str] = collections.Counter()
    with httpx.Client(base_url=url, timeout=60) as c:
        for rid in ids:
            deadline = time.time() + 300
            status = ""
            while time.time() < deadline:
                status = c.get(f"/queue/openai/gpt-image-2/requests/{rid}/status").json().get("status", "")
                if status == "COMPLETED":
                    break
                time.sleep(0.05)
            result = c.get(f"/queue/openai/gpt-image-2/requests/{rid}")
            images = result.json().get("images", []) if result.status_code == 200 else []
            if status != "COMPLETED" or result.status_code != 200 or len(images) != 1:
                counts["lost or failed"] += 1
                continue
            picture = Image.open(io.BytesIO(c.get(images[0]["url"]).content))
            counts["completed with one image"] += picture.size == (512, 512)
    names = [json.loads(p.read_text()).get("file_name", "") for p in (data_dir / "files").rglob("*.json")]
    outputs = collections.Counter(name.rsplit("-", 1)[0] for name in names)
    counts["one output file"] = sum(1 for rid in ids if outputs.get(rid) == 1)
    counts["two output files (orphan of a killed attempt)"] = sum(1 for rid in ids if outputs.get(rid) == 2)
    counts["more than two output files"] = sum(1 for rid in ids if outputs.get(rid, 0) > 2)
    return dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600, help="acknowledged requests in all")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    uri = "data:image/png;base64," + base64.b64encode(photo_png(512)).decode()
    body = {"prompt": "invert the colors", "image_urls": [uri], "seed": 1}
    data = Path(tempfile.mkdtemp(prefix="retouch-durability-")) / "data"
    server = ServerProcess(data)
    ledger, stop = Ledger(), threading.Event()
    clients = [
        threading.Thread(target=client_loop, args=(server.url, body, ledger, args.requests, stop), daemon=True)
        for _ in range(args.clients)
    ]
    started = time.time()
    for t in clients:
        t.start()
    try:
        wait_for(ledger, args.requests // 3)
        workers = worker_processes(server.proc.pid)
        if not workers:
            raise SystemExit("no worker process found under the server")
        os.kill(workers[0], signal.SIGKILL)
        print(f"{len(ledger.accepted)} accepted: killed worker process {workers[0]} (of {workers}) with SIGKILL")
        wait_for(ledger, 2 * args.requests // 3)
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
        down_at = time.time()
        print(f"{len(ledger.accepted)} accepted: killed the server's process group with SIGKILL", flush=True)
        server = ServerProcess(data, port=server.port)
        print(f"  server back after {time.time() - down_at:.1f} s", flush=True)
        for t in clients:
            t.join(600)
        elapsed = time.time() - started
        counts = audit(server.url, data, ledger.accepted)
    finally:
        stop.set()
        server.stop()
    lost = len(ledger.accepted) - counts.get("completed with one image", 0)
    twice = counts.get("more than two output files", 0)
    print(f"\n{len(ledger.accepted)} requests acknowledged in {elapsed:.1f} s by {args.clients} clients")
    print(f"  submits unanswered while the server was down (retried as new requests): {ledger.unanswered_submits}")
    print(f"  polls interrupted by the kills: {ledger.interrupted_follows}")
    for name, n in counts.items():
        print(f"  {name}: {n}")
    print(f"lost (acknowledged, not completed with its image): {lost} (target 0): {'YES' if lost == 0 else 'NO'}")
    print(f"run to completion twice: {twice} (target 0): {'YES' if twice == 0 else 'NO'}")


def wait_for(ledger: Ledger, n: int) -> None:
    while True:
        with ledger.lock:
            if len(ledger.accepted) >= n:
                return
        time.sleep(0.02)


if __name__ == "__main__":
    main()
