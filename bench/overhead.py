"""What a job costs on Retouch beyond its edit: Retouch's sync and queue routes against a bare FastAPI endpoint
doing the same edit, measured in the same run on the same machine (SPEC section 7, issue "the queue at the speed
of a bare endpoint").

Each request sends a 512x512 PNG as a data URI and gets the edited image back as PNG ("invert the colors"; the
bare endpoint runs the same classic engine call in one process and its thread pool). Closed loop: each of ``c``
clients sends its next request when the previous one is answered; ``--requests`` per concurrency after
``--warmup``. The queue route is run three ways: submit, follow the status stream, fetch (how a client waits without
polling); submit, poll status every ``--poll`` seconds (5 ms: a client that wants its answer at once), fetch; and
the same polled every 100 ms, as the official Python client does. Each simulated client keeps one connection and
sends bytes encoded once (``bench/_http.py``); ``--client httpx`` uses httpx instead, whose own CPU (about 1 ms a
request) competes with the server for the same two cores.

Targets (printed with YES/NO): c=1 p50 sync <= bare + 5 ms, queue <= bare + 10 ms; c=8 throughput sync >= 0.95x
bare, queue >= 0.9x; c=8 p99 <= 1.3x bare's; a status poll under the c=8 load <= 1 ms p50 and <= 5 ms p99; the same
with auth on; at c=32 and c=64 nothing refused (p99 reported).

Beside each polled route the bare endpoint's own queue (``bench/bare_app.py``: a dict of futures in memory) is
polled the same way. A polled route's latency includes the client's poll interval, which no server shortens (a
client polling every 100 ms learns of an end 50 ms late on average): its c=1 p50 and c=8 p99 targets are read
against that queue; its throughput against the bare endpoint itself. Polling also costs whoever answers it: every
poll is an HTTP round trip whose CPU (client and server, on the same two cores here) is taken from the edits, and
at c=8 a job waits ~8 edits long, so a client polling every 5 ms would make ~29 polls a job against a server that
answers every poll at once (the bare app answers later, behind its own edits' interpreter lock, and so is polled
less). Retouch holds a poll that follows the last answer closely with nothing new (within ``poll_hold_ms``, 50 ms,
while the job runs; ``queued_poll_hold_ms``, 500 ms, while it waits), until something happens (docs/protocol.md).
``RETOUCH_POLL_HOLD_MS=0 RETOUCH_QUEUED_POLL_HOLD_MS=0`` in the environment measures without it.

Run: ``.venv/bin/python bench/overhead.py [--requests 200] [--concurrency 1,8,32,64]``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ServerProcess, children_of, free_port, percentile, photo_png, process_table  # noqa: E402
from _http import LoadClient, make_client  # noqa: E402

APP = "/openai/gpt-image-2/edit"
PROMPT = "invert the colors"
KEY = "bench-key"
BARE_QUEUE = "/queue/edit"
CLIENT_POLL_SECONDS = 0.1  # how often the official Python client (fal-client) polls a request's status


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of the server's processes (API and workers) during the timed requests
    client_cpu: float = 0.0  # CPU seconds of this load generator during them
    sent: int = 0  # HTTP requests sent during them (a queue job: submit, each poll or the stream, fetch)
    # The steady part of a closed loop: from the start until the last request was sent, and what was answered
    # by then. After it fewer than ``c`` clients are busy (a drain that would weigh on short rounds and on a
    # client whose polls notice the end late); throughput is read from this window.
    steady_seconds: float = 0.0
    steady_done: int = 0

    def cpu_ms(self) -> tuple[float, float]:
        """Server and client CPU per answered request, in ms."""
        n = max(1, len(self.latencies))
        return self.server_cpu * 1000 / n, self.client_cpu * 1000 / n

    @property
    def throughput(self) -> float:
        if self.steady_seconds and self.steady_done:
            return self.steady_done / self.steady_seconds
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its live descendants (and the children it has reaped)."""
    table = process_table()
    total, frontier = 0.0, [pid]
    while frontier:
        current = frontier.pop()
        total += table.get(current, (0, 0.0))[1]
        frontier += children_of(current, table)
    return total


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


Call = Callable[[LoadClient], Awaitable[None]]


async def closed_loop(
    url: str,
    call: Call,
    clients: int,
    total: int,
    warmup: int,
    headers: dict[str, str],
    pid: int | None = None,
    kind: str = "raw",
) -> Run:
    """``clients`` simulated clients, each on its own keep-alive connection, sending the next request when the
    previous one is answered."""
    run = Run()
    connections = [make_client(kind, url, headers) for _ in range(clients)]
    try:
        for _ in range(warmup):
            await call(connections[0])
        remaining = total
        answered_at: list[float] = []
        last_sent = 0.0

        async def one_client(client: LoadClient) -> None:
            nonlocal remaining, last_sent
            while remaining > 0:
                remaining -= 1
                t0 = time.perf_counter()
                if remaining == 0:
                    last_sent = t0
                try:
                    await call(client)
                    answered_at.append(time.perf_counter())
                    run.latencies.append(answered_at[-1] - t0)
                except (OSError, asyncio.IncompleteReadError, httpx.HTTPError, RuntimeError) as exc:
                    run.refused += 1
                    await client.close()  # a fresh connection for the next request
                    if run.refused <= 3:
                        print(f"    refused: {type(exc).__name__}: {str(exc)[:300]}", flush=True)

        server0, client0 = (tree_cpu(pid) if pid else 0.0), own_cpu()
        sent0 = sum(c.sent for c in connections)
        t0 = time.perf_counter()
        await asyncio.gather(*(one_client(c) for c in connections))
        run.seconds = time.perf_counter() - t0
        steady = sum(1 for t in answered_at if t <= last_sent)
        if clients > 1 and steady >= total // 2:
            run.steady_seconds, run.steady_done = last_sent - t0, steady
        run.server_cpu = (tree_cpu(pid) if pid else 0.0) - server0
        run.client_cpu = own_cpu() - client0
        run.sent = sum(c.sent for c in connections) - sent0
    finally:
        for client in connections:
            await client.close()
    return run


def _encoded(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def bare_call(body: dict[str, Any]) -> Call:
    data = _encoded(body)

    async def call(client: LoadClient) -> None:
        r = await client.post("/edit", data)
        if r.status != 200:
            raise RuntimeError(f"bare endpoint answered {r.status}")

    return call


def sync_call(body: dict[str, Any]) -> Call:
    data = _encoded({**body, "sync_mode": True})

    async def call(client: LoadClient) -> None:
        r = await client.post(APP, data)
        if r.status != 200:
            raise RuntimeError(f"sync route answered {r.status}: {r.body[:200]!r}")

    return call


async def _submit(client: LoadClient, data: bytes, path: str = "/queue" + APP) -> dict[str, Any]:
    sub = await client.post(path, data)
    if sub.status != 200:
        raise RuntimeError(f"submit answered {sub.status}: {sub.body[:200]!r}")
    urls: dict[str, Any] = json.loads(sub.body)
    return urls


async def _fetch(client: LoadClient, urls: dict[str, Any]) -> None:
    result = await client.get(urls["response_url"])
    if result.status != 200:
        raise RuntimeError(f"result answered {result.status}")


def queue_stream_call(body: dict[str, Any]) -> Call:
    """Submit, follow the status stream (SSE; the server closes it after COMPLETED), fetch."""
    data = _encoded(body)

    async def call(client: LoadClient) -> None:
        urls = await _submit(client, data)
        completed = False
        async for line in client.lines(urls["status_url"] + "/stream"):
            completed = completed or (line.startswith(b"data:") and b'"COMPLETED"' in line)
        if not completed:
            raise RuntimeError("the status stream ended before COMPLETED")
        await _fetch(client, urls)

    return call


def queue_call(body: dict[str, Any], poll: float, submit_path: str = "/queue" + APP) -> Call:
    """Submit, poll status every ``poll`` seconds until COMPLETED, fetch."""
    data = _encoded(body)

    async def call(client: LoadClient) -> None:
        urls = await _submit(client, data, submit_path)
        while True:
            status = await client.get(urls["status_url"])
            if status.status not in (200, 202):
                raise RuntimeError(f"status answered {status.status}")
            if b'"COMPLETED"' in status.body:
                break
            await asyncio.sleep(poll)
        await _fetch(client, urls)

    return call


class RawPoller:
    """A keep-alive HTTP/1.1 GET over a plain socket: the server's round trip without a client library's own cost
    (httpx adds about 0.6 ms a request on this machine even when idle)."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = httpx.URL(url)
        self.sock = socket.create_connection((parts.host, parts.port or 80))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    def get(self, path: str) -> tuple[int, dict[str, str]]:
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{self.extra}\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.sock.recv(65536)
        head, body = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        while len(body) < int(fields["content-length"]):
            body += self.sock.recv(65536)
        return int(lines[0].split()[1]), fields


def _poller(url: str, headers: dict[str, str], status_url: str, stop: Any, out: Any) -> None:
    """Runs in its own process (the load generator's event loop and GIL must not be part of a poll's latency);
    alternates a raw-socket poll and an httpx poll every 5 ms."""
    raw_ms: list[float] = []
    httpx_ms: list[float] = []
    server_ms: list[float] = []
    path = httpx.URL(status_url).raw_path.decode()
    raw = RawPoller(url, headers)
    with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
        while not stop.is_set():
            t0 = time.perf_counter()
            code, fields = raw.get(path)
            raw_ms.append((time.perf_counter() - t0) * 1000)
            if code != 200:
                raise RuntimeError(f"status answered {code}")
            timing = fields.get("server-timing", "")
            server_ms += [float(part.split("dur=")[1]) for part in timing.split(",") if "dur=" in part][:1]
            time.sleep(0.005)
            t0 = time.perf_counter()
            client.get(status_url)
            httpx_ms.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.005)
    out.put((raw_ms, httpx_ms, server_ms))


def polls_under_load(
    url: str, headers: dict[str, str], load: Callable[[], Run], body: dict[str, Any]
) -> tuple[list[float], list[float], list[float]]:
    """Status polls of a finished request, from another process, while the c=8 queue load runs: what a client's
    poll costs then (as that client sees it, and as the server's Server-Timing reports its own part)."""
    with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
        sub = client.post("/queue" + APP, json=body).json()
        while client.get(sub["status_url"]).json()["status"] != "COMPLETED":
            time.sleep(0.01)
    ctx = multiprocessing.get_context("spawn")
    stop, out = ctx.Event(), ctx.Queue()
    poller = ctx.Process(target=_poller, args=(url, headers, sub["status_url"], stop, out))
    poller.start()
    try:
        time.sleep(1.0)  # the poller's interpreter is up before the load starts
        load()
    finally:
        stop.set()
    found: tuple[list[float], list[float], list[float]] = out.get(timeout=60)
    poller.join(10)
    return found


def start_bare() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    bench_dir = str(Path(__file__).resolve().parent)
    cmd = [sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--log-level", "warning", "--app-dir", bench_dir]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/docs", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, url


def profile(url: str, headers: dict[str, str], body: dict[str, Any]) -> None:
    """Where one job's time goes, as the server reports it (Server-Timing; the worker's phases in the status)."""
    with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
        r = client.post(APP, json={**body, "sync_mode": True})
        print(f"  sync route, one job:  {r.headers.get('server-timing', '(no Server-Timing header)')}")
        sub = client.post("/queue" + APP, json=body)
        urls = sub.json()
        print(f"  queue submit:         {sub.headers.get('server-timing', '')}")
        while (status := client.get(urls["status_url"])).json()["status"] != "COMPLETED":
            time.sleep(0.002)
        print(f"  queue status:         {status.headers.get('server-timing', '')}")
        timings = status.json().get("metrics", {}).get("timings", {})
        print("  worker phases (ms):   " + ", ".join(f"{k} {v * 1000:.2f}" for k, v in timings.items()))
        result = client.get(urls["response_url"])
        print(f"  queue result:         {result.headers.get('server-timing', '')}")


def verdict(ok: bool) -> str:
    return "YES" if ok else "NO"


def report(
    name: str,
    runs: dict[int, Run],
    bare: dict[int, Run],
    p50_budget_ms: float,
    ratio: float,
    alike: dict[int, Run] | None = None,
) -> None:
    """Targets against the bare endpoint; for a polled route, ``alike`` is the bare endpoint's own queue polled the
    same way, printed beside it and the reference for latency (see below)."""
    for c, run in sorted(runs.items()):
        b = bare.get(c)
        line = f"  {name:<24} c={c:<3} p50 {run.p(50):8.2f} ms  p99 {run.p(99):8.2f} ms  {run.throughput:7.2f}/s"
        line += f"  refused {run.refused}"
        if b is not None:
            line += f"   (x bare: throughput {run.throughput / b.throughput:.3f}, p99 {run.p(99) / b.p(99):.3f})"
        print(line)
        server_ms, client_ms = run.cpu_ms()
        if b is not None:
            bare_server, bare_client = b.cpu_ms()
            print(
                f"      cpu/request: server {server_ms:.1f} ms ({server_ms - bare_server:+.1f} over bare), "
                f"client {client_ms:.1f} ms ({client_ms - bare_client:+.1f}); "
                f"HTTP requests per job {run.sent / max(1, len(run.latencies)):.1f}"
            )
        a = alike.get(c) if alike else None
        if a is not None and b is not None:
            print(
                f"      the bare endpoint's own queue polled alike: p50 {a.p(50):.2f} ms, p99 {a.p(99):.2f} ms, "
                f"throughput {a.throughput / b.throughput:.3f}x bare, cpu/request {a.cpu_ms()[0]:.1f} ms, "
                f"HTTP requests per job {a.sent / max(1, len(a.latencies)):.1f}"
            )
    # A polled route's latency includes the client's own poll interval (a 100 ms client notices an end 50 ms
    # late on average, whoever serves it): its latency targets are read against the bare endpoint's queue polled
    # alike, its throughput against the bare endpoint itself.
    lat_ref, lat_name = (alike, "bare queue polled alike") if alike else (bare, "bare")
    c1, l1 = runs.get(1), lat_ref.get(1)
    if c1 and l1:
        extra = c1.p(50) - l1.p(50)
        ok = verdict(extra <= p50_budget_ms)
        print(f"    c=1 p50 {extra:+.2f} ms over {lat_name} (target <= +{p50_budget_ms:g} ms): {ok}")
    c8, b8, l8 = runs.get(8), bare.get(8), lat_ref.get(8)
    if c8 and b8 and l8:
        tr = c8.throughput / b8.throughput
        pr = c8.p(99) / l8.p(99)
        print(f"    c=8 throughput {tr:.3f}x bare (target >= {ratio}): {verdict(tr >= ratio)}")
        print(f"    c=8 p99 {pr:.3f}x {lat_name} (target <= 1.3): {verdict(pr <= 1.3)}")
    for c in (32, 64):
        if c in runs:
            print(f"    c={c} refused {runs[c].refused} (target 0): {verdict(runs[c].refused == 0)}")


def interleaved(
    servers: dict[str, tuple[str, Call, dict[str, str], int]],
    clients: int,
    total: int,
    warmup: int,
    rounds: int,
    kind: str,
) -> dict[str, Run]:
    """Each server's requests split into ``rounds`` rounds run in turn (bare, sync, queue, bare, sync, ...), so
    that a machine whose speed drifts (other work, thermal limits) treats every server alike; runs are merged."""
    merged = {name: Run() for name in servers}
    per_round = max(1, total // rounds)
    for r in range(rounds):
        for name, (url, call, headers, pid) in servers.items():
            run = asyncio.run(closed_loop(url, call, clients, per_round, warmup if r == 0 else 2, headers, pid, kind))
            merged[name].latencies += run.latencies
            merged[name].refused += run.refused
            merged[name].seconds += run.seconds
            merged[name].server_cpu += run.server_cpu
            merged[name].client_cpu += run.client_cpu
            merged[name].sent += run.sent
            merged[name].steady_seconds += run.steady_seconds
            merged[name].steady_done += run.steady_done
    return merged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200, help="requests per concurrency level and server")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds per concurrency level")
    parser.add_argument("--concurrency", default="1,8,32,64")
    parser.add_argument("--poll", type=float, default=0.005, help="seconds between status polls on the queue route")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the load generator's HTTP: keep-alive sockets and bytes encoded once (raw), or httpx",
    )
    parser.add_argument(
        "--auth",
        choices=("both", "off", "on", "on-first"),
        default="both",
        help="Retouch runs with auth off, on, or both (off first, or on first); each half starts both servers afresh",
    )
    args = parser.parse_args()
    uri = "data:image/png;base64," + base64.b64encode(photo_png(512)).decode()
    body = {"prompt": PROMPT, "image_urls": [uri], "seed": 1}
    levels = [int(c) for c in args.concurrency.split(",")]
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run; load generator: {args.client}"
    )
    order = {"both": (False, True), "off": (False,), "on": (True,), "on-first": (True, False)}[args.auth]
    # One directory for the whole run, removed at its end: deleting the first half's thousands of files before the
    # second half (on a disk mounted with online discard, as here) slowed the second half's writes. Each half
    # starts both servers afresh, so neither meets the other warmer than it is itself.
    with tempfile.TemporaryDirectory() as root:
        for auth in order:
            tmp = Path(root) / ("auth-on" if auth else "auth-off")
            env = {"RETOUCH_KEYS": f"bench:{KEY}"} if auth else {}
            headers = {"Authorization": f"Key {KEY}"} if auth else {}
            proc, bare_url = start_bare()
            try:
                server = ServerProcess(tmp, env=env)
                try:
                    print(f"Retouch ({'auth on' if auth else 'auth off'}), profile of one job:")
                    profile(server.url, headers, body)
                    measure(bare_url, proc.pid, server, headers, body, levels, args)
                finally:
                    server.stop()
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(10)


def measure(
    bare_url: str,
    bare_pid: int,
    server: ServerProcess,
    headers: dict[str, str],
    body: dict[str, Any],
    levels: list[int],
    args: argparse.Namespace,
) -> None:
    url, pid = server.url, server.proc.pid
    client_poll = CLIENT_POLL_SECONDS
    servers = {
        "bare": (bare_url, bare_call(body), {}, bare_pid),
        "bare-queue": (bare_url, queue_call(body, args.poll, BARE_QUEUE), {}, bare_pid),
        "bare-queue-client": (bare_url, queue_call(body, client_poll, BARE_QUEUE), {}, bare_pid),
        "sync": (url, sync_call(body), headers, pid),
        "queue": (url, queue_call(body, args.poll), headers, pid),
        "queue-client": (url, queue_call(body, client_poll), headers, pid),
        "queue-stream": (url, queue_stream_call(body), headers, pid),
    }
    results: dict[str, dict[int, Run]] = {name: {} for name in servers}
    for c in levels:
        # One client's figures are the ones a drifting machine moves most: shorter rounds there, so that bare and
        # Retouch meet the same moments. With more clients a round keeps each busy for two requests at least.
        rounds = max(args.rounds, 16) if c == 1 else max(1, min(args.rounds, args.requests // (2 * c)))
        for name, run in interleaved(servers, c, args.requests, args.warmup, rounds, args.client).items():
            results[name][c] = run
    bare = results["bare"]
    print("  bare FastAPI endpoint (one process, its thread pool)")
    for c, run in sorted(bare.items()):
        line = f"    c={c:<3} p50 {run.p(50):8.2f} ms  p99 {run.p(99):8.2f} ms  {run.throughput:7.2f}/s"
        server_ms, client_ms = run.cpu_ms()
        print(f"{line}  refused {run.refused}  cpu/request: server {server_ms:.1f} ms, client {client_ms:.1f} ms")
    report("sync route", results["sync"], bare, 5.0, 0.95)
    report("queue, status stream", results["queue-stream"], bare, 10.0, 0.9)
    report(f"queue, poll {args.poll * 1000:g} ms", results["queue"], bare, 10.0, 0.9, results["bare-queue"])
    report(
        f"queue, poll {client_poll * 1000:g} ms", results["queue-client"], bare, 10.0, 0.9, results["bare-queue-client"]
    )
    for name, call in (("polled", queue_call(body, args.poll)), ("status stream", queue_stream_call(body))):
        raw_ms, httpx_ms, server_ms = polls_under_load(
            url,
            headers,
            lambda call=call: asyncio.run(closed_loop(url, call, 8, args.requests, 2, headers, kind=args.client)),
            body,
        )
        p50, p99 = percentile(raw_ms, 50), percentile(raw_ms, 99)
        print(
            f"  status poll under a c=8 queue load ({name}), round trip from another process: p50 {p50:.2f} ms "
            f"(target <= 1): {verdict(p50 <= 1.0)}, p99 {p99:.2f} ms (target <= 5): {verdict(p99 <= 5.0)}"
            f"  [{len(raw_ms)} polls]"
        )
        print(
            f"    the server's own part (Server-Timing) p50 {percentile(server_ms, 50):.3f} ms, "
            f"p99 {percentile(server_ms, 99):.3f} ms; through httpx p50 {percentile(httpx_ms, 50):.2f} ms, "
            f"p99 {percentile(httpx_ms, 99):.2f} ms"
        )


if __name__ == "__main__":
    main()
