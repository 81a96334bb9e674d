"""The SQLite job store: queue order, leases, one stored result, cancellation, recovery, webhooks."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from retouch.jobs.base import CancelResult, Job, LogLine, Outcome, Status
from retouch.jobs.store_sqlite import SQLiteJobStore


def _job(i: str, priority: int = 0, owner: str | None = None, **kw: object) -> Job:
    return Job(
        id=i,
        app_id="openai/gpt-image-2/edit",
        owner=owner,
        payload={"prompt": i},
        priority=priority,
        created_at=time.time(),
        **kw,
    )  # type: ignore[arg-type]


def test_fifo_with_priority_and_positions(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    for name, prio in (("a", 0), ("low", 1), ("b", 0), ("c", 0)):
        store.submit(_job(name, prio))
    assert [store.queue_position(x) for x in ("a", "b", "c", "low")] == [0, 1, 2, 3]
    order = [store.claim("w", 30).id for _ in range(4)]  # type: ignore[union-attr]
    assert order == ["a", "b", "c", "low"]
    assert store.claim("w", 30) is None
    assert store.queue_position("a") is None


def test_complete_keeps_only_the_first_result(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("j"))
    job = store.claim("w1", 0.01)
    assert job is not None and job.status == Status.IN_PROGRESS and job.attempts == 1
    time.sleep(0.02)
    assert store.requeue_expired(time.time()) == ["j"]
    again = store.claim("w2", 30)
    assert again is not None and again.attempts == 2
    assert store.complete("j", "w2", Outcome.OK, result={"n": 2})
    assert not store.complete("j", "w1", Outcome.OK, result={"n": 1}), "the stale worker's result is dropped"
    final = store.get("j")
    assert final is not None and final.result == {"n": 2} and final.status == Status.COMPLETED


def test_cancel_queued_running_and_done(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("q"))
    store.submit(_job("r"))
    assert store.claim("w", 30).id == "q"  # type: ignore[union-attr]
    assert store.request_cancel("r") == CancelResult.CANCELLATION_REQUESTED
    r = store.get("r")
    # The store only flags; ending the queued job is the caller's (the service's JobEnding).
    assert r is not None and r.status == Status.IN_QUEUE and store.cancel_requested("r")
    assert store.complete("r", None, Outcome.CANCELLED, error={"detail": "cancelled"})
    assert store.get("r").outcome == Outcome.CANCELLED  # type: ignore[union-attr]
    assert store.request_cancel("q") == CancelResult.CANCELLATION_REQUESTED
    assert store.cancel_requested("q") and store.get("q").status == Status.IN_PROGRESS  # type: ignore[union-attr]
    assert store.request_cancel("r") == CancelResult.ALREADY_COMPLETED
    assert store.request_cancel("nope") == CancelResult.NOT_FOUND


def test_secrets_are_erased_when_the_job_ends(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("s", secrets={"openai_api_key": "sk-test-SECRET"}))
    assert store.claim("w", 30).secrets == {"openai_api_key": "sk-test-SECRET"}  # type: ignore[union-attr]
    store.complete("s", "w", Outcome.OK, result={})
    assert store.get("s").secrets == {}  # type: ignore[union-attr]
    store.close()
    assert b"sk-test-SECRET" not in _all_bytes(tmp_path)


def test_secrets_never_reach_the_file_and_a_restart_reports_them_lost(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("k", secrets={"openai_api_key": "sk-test-NEVER-ON-DISK"}))
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"sk-test-NEVER-ON-DISK" not in raw
    reopened = SQLiteJobStore(tmp_path / "db.sqlite")  # a restart: memory is gone
    job = reopened.claim("w", 30)
    assert job is not None and job.secrets == {} and job.secret_names == ["openai_api_key"]


def _all_bytes(folder: Path) -> bytes:
    import sqlite3

    db = sqlite3.connect(folder / "db.sqlite")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("VACUUM")
    db.close()
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_logs_history_and_webhooks(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("h1", owner="alice", webhook_url="http://127.0.0.1:9/hook"))
    store.submit(_job("h2", owner="bob"))
    store.submit(_job("h3", owner="alice", in_history=False))
    store.append_log("h1", LogLine("hello", "INFO", "USER", time.time()))
    assert [line.message for line in store.logs("h1")] == ["hello"]
    assert [j.id for j in store.history("alice", None, 10, None)] == ["h1"]
    store.claim("w", 30)
    assert store.due_webhooks(time.time() + 1) == []
    store.complete("h1", "w", Outcome.OK, result={})
    due = store.due_webhooks(time.time() + 1)
    assert [w.job_id for w in due] == ["h1"]
    store.webhook_retry("h1", time.time() + 100)
    assert store.due_webhooks(time.time() + 1) == []
    store.webhook_done("h1")
    assert store.due_webhooks(time.time() + 1000) == []


def _claimer(path: str, out: multiprocessing.Queue[str]) -> None:
    store = SQLiteJobStore(path)
    while (job := store.claim("p", 30)) is not None:
        out.put(job.id)


def test_claims_are_exclusive_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite")
    store = SQLiteJobStore(path)
    for i in range(200):
        store.submit(_job(f"j{i}"))
    out: multiprocessing.Queue[str] = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_claimer, args=(path, out)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    claimed = [out.get(timeout=5) for _ in range(200)]
    assert sorted(claimed) == sorted(f"j{i}" for i in range(200))
    assert out.empty()
