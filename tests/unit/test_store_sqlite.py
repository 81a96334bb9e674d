"""What the SQLite store does beyond the JobStore contract (tests/unit/test_store_contract.py): leases handed back
by requeue_expired, secrets kept off the disk, claims exclusive across processes, ties between keys by age."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from retouch.jobs.base import Job, Outcome
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


def test_requeue_expired_names_the_jobs_whose_lease_ran_out(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("j"))
    store.submit(_job("k"))
    assert store.claim("w1", 0.01) is not None and store.claim("w2", 30) is not None
    time.sleep(0.02)
    assert store.requeue_expired(time.time()) == ["j"]
    again = store.claim("w3", 30)
    assert again is not None and again.id == "j" and again.attempts == 2


def test_keys_that_have_not_had_a_turn_go_in_the_order_of_their_oldest_job(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("low-a", owner="a", priority=1))
    store.submit(_job("normal-b", owner="b"))
    store.submit(_job("normal-a", owner="a"))
    order = []
    while (job := store.claim("w", 30)) is not None:
        order.append(job.id)
        store.complete(job.id, "w", Outcome.OK, result={})
    assert order == ["normal-b", "normal-a", "low-a"]


def test_secrets_are_gone_from_the_file_when_the_job_ends(tmp_path: Path) -> None:
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    store.submit(_job("s", secrets={"openai_api_key": "sk-test-SECRET"}))
    assert store.claim("w", 30).secrets == {"openai_api_key": "sk-test-SECRET"}  # type: ignore[union-attr]
    store.complete("s", "w", Outcome.OK, result={})
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


def test_an_idle_worker_asking_for_work_does_not_wait_for_the_write_lock(tmp_path: Path) -> None:
    """Idle worker slots ask for work all the time: with nothing queued they must not queue up behind a writer."""
    import sqlite3
    import threading

    store = SQLiteJobStore(tmp_path / "db.sqlite")
    other = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock (its busy timeout would be 30 s)
    answers: list[object] = []
    asker = threading.Thread(target=lambda: answers.append(store.claim("w", 30)), daemon=True)
    asker.start()
    asker.join(5)
    other.execute("ROLLBACK")
    assert not asker.is_alive() and answers == [None]


def test_writers_in_one_process_take_turns_without_losing_a_write(tmp_path: Path) -> None:
    import threading

    store = SQLiteJobStore(tmp_path / "db.sqlite")

    def write(t: int) -> None:
        for i in range(40):
            store.submit(_job(f"{t}-{i}"))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = set()
    while (job := store.claim("w", 30)) is not None:
        claimed.add(job.id)
    assert claimed == {f"{t}-{i}" for t in range(8) for i in range(40)}


def test_a_keys_waiting_requests_are_counted_without_walking_its_history(tmp_path: Path) -> None:
    """Counted at every submit (the per-key queue limit): the count must read the waiting requests only."""
    store = SQLiteJobStore(tmp_path / "db.sqlite")
    for i in range(30):
        store.submit(_job(f"done-{i}", owner="k"))
        claimed = store.claim("w", 30)
        assert claimed is not None
        store.complete(claimed.id, "w", Outcome.OK, result={"images": []})
    store.submit(_job("waiting", owner="k"))
    store.submit(_job("other", owner="j"))
    assert store.queued_count("k") == 1 and store.queued_count("j") == 1 and store.queued_count() == 2
    db = store._db()
    statements: list[str] = []
    db.set_trace_callback(statements.append)  # the statement the store really runs, with its values
    store.queued_count("k")
    db.set_trace_callback(None)
    (counted,) = [sql for sql in statements if "COUNT" in sql]
    plan = " ".join(str(tuple(row)) for row in db.execute("EXPLAIN QUERY PLAN " + counted))
    assert "jobs_queued_owner" in plan, plan
