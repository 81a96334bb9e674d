"""SQLite (WAL) job store: the embedded default.

One database file holds requests, the queue order, logs, results and pending webhooks. Every state change is a
single transaction, so a ``kill -9`` at any moment leaves each job either queued, running (handed back at the next
start) or completed with exactly one stored result.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from ..errors import StorageError
from .base import CancelResult, Job, LogLine, Outcome, Status, UsageRecord, Webhook
from .sqlite_queue import QUEUE_SCHEMA, SQLiteQueueMixin, add_usage

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    app_id TEXT NOT NULL,
    owner TEXT,
    status TEXT NOT NULL,
    outcome TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    payload TEXT NOT NULL,
    secrets TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    in_history INTEGER NOT NULL DEFAULT 1,
    webhook_url TEXT,
    webhook_attempts INTEGER NOT NULL DEFAULT 0,
    webhook_next_at REAL,
    base_url TEXT NOT NULL DEFAULT '',
    result TEXT,
    error TEXT,
    metrics TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    lease_until REAL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    deadline REAL
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs(status, priority, seq);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs(owner, created_at);
-- A key's waiting requests, counted at every submit (the per-key queue limit): without it the count walked every
-- record the key has in history (2 ms a submit at 10,000 records, growing with them).
CREATE INDEX IF NOT EXISTS jobs_queued_owner ON jobs(owner) WHERE status = 'IN_QUEUE';
CREATE INDEX IF NOT EXISTS jobs_webhooks ON jobs(webhook_next_at) WHERE webhook_next_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    ts REAL NOT NULL,
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_job ON logs(job_id, id);
"""

_COLUMNS = (
    "id, app_id, owner, status, outcome, priority, payload, secrets, created_at, started_at, finished_at, "
    "in_history, webhook_url, base_url, result, error, metrics, attempts, worker, cancel_requested, deadline, seq"
)


_PEEK_COLUMNS = _COLUMNS.replace("payload,", "'{}' AS payload,").replace("result,", "NULL AS result,")


def _loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def _dumps(value: Any) -> str:
    """orjson: results carry megabytes of data: URIs in sync mode, and this runs for every job."""
    return orjson.dumps(value).decode()


def _row_to_job(row: sqlite3.Row, secrets: dict[str, dict[str, str]]) -> Job:
    names = _loads(row["secrets"]) or []
    return Job(
        id=row["id"],
        app_id=row["app_id"],
        owner=row["owner"],
        status=Status(row["status"]),
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        priority=row["priority"],
        payload=_loads(row["payload"]) or {},
        secrets=dict(secrets.get(row["id"], {})) if names else {},
        secret_names=list(names),
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        in_history=bool(row["in_history"]),
        webhook_url=row["webhook_url"],
        base_url=row["base_url"],
        result=_loads(row["result"]),
        error=_loads(row["error"]),
        metrics=_loads(row["metrics"]) or {},
        attempts=row["attempts"],
        worker=row["worker"],
        cancel_requested=bool(row["cancel_requested"]),
        deadline=row["deadline"],
    )


def _insert_logs(db: sqlite3.Connection, job_id: str, lines: list[LogLine]) -> None:
    db.executemany(
        "INSERT INTO logs (job_id, ts, level, source, message) VALUES (?,?,?,?,?)",
        [(job_id, line.timestamp, line.level, line.source, line.message) for line in lines],
    )


_PAGE_CACHE_KIB = 256


class SQLiteJobStore(SQLiteQueueMixin):
    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        self.path = str(path)
        self.synchronous = "FULL" if synchronous.upper() == "FULL" else "NORMAL"
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        # Writers in this process queue here, woken the moment the writer before them commits. Left to SQLite, a
        # thread that finds the database locked sleeps in its busy handler (1, 2, 5 ms, ...): under 8 clients one
        # write in 13 waited over 1 ms (p99 4.2 ms), with a worker idle behind its claim. Other processes still
        # meet the busy timeout.
        self._write_lock = threading.Lock()
        # Request secrets live only in this process's memory: never in the database file, its WAL or free pages.
        self._secrets: dict[str, dict[str, str]] = {}
        self._columns = _COLUMNS
        self._db().executescript(SCHEMA + QUEUE_SCHEMA)

    # -- connections -------------------------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={self.synchronous}")
            db.execute("PRAGMA busy_timeout=30000")
            # One connection per thread (the server's thread pool has dozens): SQLite's default 2 MiB page cache
            # each grew the soak's server by 10 MiB; the OS page cache holds the file anyway.
            db.execute(f"PRAGMA cache_size=-{_PAGE_CACHE_KIB}")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        with self._write_lock:
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise StorageError(f"the job database could not be written: {exc}") from exc
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        if job.secrets:
            self._secrets[job.id] = dict(job.secrets)
        with self._tx() as db:
            db.execute(
                "INSERT INTO jobs (id, app_id, owner, status, priority, payload, secrets, created_at, in_history,"
                " webhook_url, base_url, deadline) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    job.id,
                    job.app_id,
                    job.owner,
                    Status.IN_QUEUE.value,
                    job.priority,
                    _dumps(job.payload),
                    _dumps(sorted(job.secrets)) if job.secrets else None,
                    job.created_at or time.time(),
                    int(job.in_history),
                    job.webhook_url,
                    job.base_url,
                    job.deadline,
                ),
            )

    def _job_from_row(self, row: sqlite3.Row) -> Job:
        return _row_to_job(row, self._secrets)

    def peek(self, job_id: str) -> Job | None:
        row = self._db().execute(f"SELECT {_PEEK_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _row_to_job(row, self._secrets) if row else None

    def get(self, job_id: str) -> Job | None:
        row = self._db().execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _row_to_job(row, self._secrets) if row else None

    def heartbeat(self, job_id: str, worker: str, lease_seconds: float) -> bool:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE jobs SET lease_until = ? WHERE id = ? AND worker = ? AND status = 'IN_PROGRESS'",
                (time.time() + lease_seconds, job_id, worker),
            )
        return cur.rowcount == 1

    def complete(
        self,
        job_id: str,
        worker: str | None,
        outcome: Outcome,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        logs: list[LogLine] | None = None,
        usage: UsageRecord | None = None,
    ) -> bool:
        now = time.time()
        owner_clause = "status = 'IN_PROGRESS' AND worker = ?" if worker else "status != 'COMPLETED'"
        params: tuple[Any, ...] = (
            outcome.value,
            _dumps(result) if result is not None else None,
            _dumps(error) if error is not None else None,
            _dumps(metrics or {}),
            now,
            now,
            job_id,
        )
        with self._tx() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'COMPLETED', outcome = ?, result = ?, error = ?, metrics = ?,"
                " finished_at = ?, secrets = NULL, lease_until = NULL,"
                " webhook_next_at = CASE WHEN webhook_url IS NOT NULL THEN ? ELSE NULL END"
                f" WHERE id = ? AND {owner_clause}",
                params + ((worker,) if worker else ()),
            )
            if cur.rowcount == 1 and logs:
                _insert_logs(db, job_id, logs)
            if cur.rowcount == 1 and usage is not None:
                add_usage(db, usage)
        if cur.rowcount == 1:
            self._secrets.pop(job_id, None)
        return cur.rowcount == 1

    def request_cancel(self, job_id: str) -> CancelResult:
        with self._tx() as db:
            row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return CancelResult.NOT_FOUND
            if row["status"] == Status.COMPLETED.value:
                return CancelResult.ALREADY_COMPLETED
            db.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))
        return CancelResult.CANCELLATION_REQUESTED

    def cancel_requested(self, job_id: str) -> bool:
        row = self._db().execute("SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row and row[0])

    # -- logs --------------------------------------------------------------------------------------------------
    def append_log(self, job_id: str, line: LogLine) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO logs (job_id, ts, level, source, message) VALUES (?,?,?,?,?)",
                (job_id, line.timestamp, line.level, line.source, line.message),
            )

    def append_logs(self, job_id: str, lines: list[LogLine]) -> None:
        if not lines:
            return
        with self._tx() as db:
            _insert_logs(db, job_id, lines)

    def logs(self, job_id: str, since: int = 0) -> list[LogLine]:
        rows = (
            self._db()
            .execute(
                "SELECT ts, level, source, message FROM logs WHERE job_id = ? ORDER BY id LIMIT -1 OFFSET ?",
                (job_id, since),
            )
            .fetchall()
        )
        return [LogLine(message=r["message"], level=r["level"], source=r["source"], timestamp=r["ts"]) for r in rows]

    # -- recovery ----------------------------------------------------------------------------------------------
    def requeue_expired(self, now: float) -> list[str]:
        with self._tx() as db:
            rows = db.execute(
                "UPDATE jobs SET status = 'IN_QUEUE', worker = NULL, lease_until = NULL"
                " WHERE status = 'IN_PROGRESS' AND lease_until < ? RETURNING id",
                (now,),
            ).fetchall()
        return [r[0] for r in rows]

    def requeue_all_running(self) -> list[str]:
        with self._tx() as db:
            rows = db.execute(
                "UPDATE jobs SET status = 'IN_QUEUE', worker = NULL, lease_until = NULL"
                " WHERE status = 'IN_PROGRESS' RETURNING id"
            ).fetchall()
        return [r[0] for r in rows]

    # -- history and housekeeping ------------------------------------------------------------------------------
    def history(self, owner: str | None, app_prefix: str | None, limit: int, before: float | None) -> list[Job]:
        clauses = ["in_history = 1"]
        params: list[Any] = []
        if owner is not None:
            clauses.append("owner = ?")
            params.append(owner)
        if app_prefix:
            clauses.append("app_id LIKE ?")
            params.append(app_prefix + "%")
        if before is not None:
            clauses.append("created_at < ?")
            params.append(before)
        rows = (
            self._db()
            .execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE {' AND '.join(clauses)} ORDER BY created_at DESC LIMIT ?",
                (*params, limit),
            )
            .fetchall()
        )
        return [_row_to_job(r, self._secrets) for r in rows]

    def delete_expired(self, now: float, default_ttl: float) -> int:
        # A payload SQLite can not read as JSON (or a retention that is not a number) falls back to the default
        # instead of failing the whole statement, so one bad record never stops the sweep for everyone.
        retain = "json_extract(CASE WHEN json_valid(payload) THEN payload ELSE '{}' END, '$._retain_seconds')"
        ttl = f"COALESCE(CASE WHEN typeof({retain}) IN ('integer', 'real') THEN {retain} END, ?)"
        with self._tx() as db:
            rows = db.execute(
                "DELETE FROM jobs WHERE status = 'COMPLETED' AND webhook_next_at IS NULL"
                f" AND {ttl} > 0 AND finished_at + {ttl} < ? RETURNING id",
                (default_ttl, default_ttl, now),
            ).fetchall()
            ids = [r[0] for r in rows]
            db.executemany("DELETE FROM logs WHERE job_id = ?", [(i,) for i in ids])
        return len(ids)

    def delete(self, job_id: str) -> None:
        self._secrets.pop(job_id, None)
        with self._tx() as db:
            db.execute("DELETE FROM logs WHERE job_id = ?", (job_id,))
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def due_webhooks(self, now: float, limit: int = 20) -> list[Webhook]:
        rows = (
            self._db()
            .execute(
                "SELECT id, webhook_url, webhook_attempts, webhook_next_at FROM jobs"
                " WHERE webhook_next_at IS NOT NULL AND webhook_next_at <= ? ORDER BY webhook_next_at LIMIT ?",
                (now, limit),
            )
            .fetchall()
        )
        return [Webhook(job_id=r[0], url=r[1], attempts=r[2], next_at=r[3]) for r in rows]

    def webhook_done(self, job_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET webhook_next_at = NULL, webhook_attempts = webhook_attempts + 1 WHERE id = ?",
                (job_id,),
            )

    def webhook_retry(self, job_id: str, next_at: float) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET webhook_next_at = ?, webhook_attempts = webhook_attempts + 1 WHERE id = ?",
                (next_at, job_id),
            )

    def counts(self) -> dict[str, int]:
        rows = self._db().execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {r[0]: int(r[1]) for r in rows}
