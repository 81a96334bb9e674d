"""Queue control for the SQLite store: fair claiming across keys, per-key running limits, pause, hand-back.

Kept apart from the request lifecycle in ``store_sqlite.py`` because these are the rules operators tune.
Fairness is round-robin across keys within a priority: each key's turn is the claim counter at its last claim,
so a key with 500 queued jobs and a key with one alternate instead of queueing behind each other.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from .base import ClaimLimits, Job, Status, UsageRecord
from .queue_order import places

QUEUE_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (owner TEXT PRIMARY KEY, turn INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS control (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage (
    owner TEXT NOT NULL, day TEXT NOT NULL, requests INTEGER NOT NULL, images INTEGER NOT NULL,
    tokens INTEGER NOT NULL, cost REAL NOT NULL, PRIMARY KEY (owner, day)
);
"""

RowToJob = Callable[[sqlite3.Row], Job]


class SQLiteQueueMixin:
    """Needs ``_tx``, ``_db`` and ``_job_from_row`` from the store it is mixed into."""

    _tx: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _db: Callable[[], sqlite3.Connection]
    _job_from_row: RowToJob
    _columns: str

    # -- claiming ----------------------------------------------------------------------------------------------
    def claim(self, worker: str, lease_seconds: float, limits: ClaimLimits | None = None) -> Job | None:
        # Each worker slot asks again whenever it is idle: an empty queue is seen with a read (WAL readers take no
        # lock), so those asks do not queue up for the write lock with the submits and completions.
        if self._db().execute("SELECT 1 FROM jobs WHERE status = 'IN_QUEUE' LIMIT 1").fetchone() is None:
            return None
        now = time.time()
        with self._tx() as db:
            if _paused(db):
                return None
            full = _owners_at_limit(db, limits) if limits else []
            exclude = f" AND COALESCE(j.owner, '') NOT IN ({','.join('?' * len(full))})" if full else ""
            row = db.execute(
                "UPDATE jobs SET status = 'IN_PROGRESS', worker = ?, lease_until = ?,"
                " started_at = COALESCE(started_at, ?), attempts = attempts + 1"
                " WHERE seq = (SELECT j.seq FROM jobs j LEFT JOIN turns t ON t.owner = COALESCE(j.owner, '')"
                f" WHERE j.status = 'IN_QUEUE'{exclude}"
                " ORDER BY j.priority, COALESCE(t.turn, 0), j.seq LIMIT 1)"
                f" RETURNING {self._columns}",
                (worker, now + lease_seconds, now, *full),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "INSERT INTO turns (owner, turn) VALUES (?, (SELECT COALESCE(MAX(turn), 0) + 1 FROM turns))"
                " ON CONFLICT(owner) DO UPDATE SET turn = excluded.turn",
                (row["owner"] or "",),
            )
        return self._job_from_row(row)

    def queue_position(self, job_id: str) -> int | None:
        """Jobs that will start before this one under round-robin: higher priority, this key's earlier jobs,
        and, from each other key, at most one job per round up to this job's round."""
        db = self._db()
        row = db.execute("SELECT status, priority, seq, owner FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or row["status"] != Status.IN_QUEUE.value:
            return None
        owner = row["owner"] or ""
        higher = db.execute(
            "SELECT COUNT(*) FROM jobs WHERE status = 'IN_QUEUE' AND priority < ?", (row["priority"],)
        ).fetchone()[0]
        rank = db.execute(
            "SELECT COUNT(*) FROM jobs WHERE status = 'IN_QUEUE' AND priority = ? AND COALESCE(owner, '') = ?"
            " AND seq < ?",
            (row["priority"], owner, row["seq"]),
        ).fetchone()[0]
        others = db.execute(
            "SELECT COUNT(*) AS n FROM jobs WHERE status = 'IN_QUEUE' AND priority = ? AND COALESCE(owner, '') != ?"
            " GROUP BY COALESCE(owner, '')",
            (row["priority"], owner),
        ).fetchall()
        return int(higher + rank + sum(min(int(r["n"]), rank + 1) for r in others))

    def queue_positions(self) -> dict[str, int]:
        rows = self._db().execute(
            "SELECT id, priority, COALESCE(owner, '') FROM jobs WHERE status = 'IN_QUEUE' ORDER BY priority, seq"
        )
        return places((job_id, int(priority), owner) for job_id, priority, owner in rows)

    # -- operator controls -------------------------------------------------------------------------------------
    def set_paused(self, paused: bool) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO control (name, value) VALUES ('paused', ?)"
                " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                ("1" if paused else "0",),
            )

    def is_paused(self) -> bool:
        return _paused(self._db())

    def queued_count(self, owner: str | None = None) -> int:
        if owner is None:
            row = self._db().execute("SELECT COUNT(*) FROM jobs WHERE status = 'IN_QUEUE'").fetchone()
        else:
            row = (
                self._db()
                .execute("SELECT COUNT(*) FROM jobs WHERE owner IS ? AND status = 'IN_QUEUE'", (owner or None,))
                .fetchone()
            )
        return int(row[0])

    def active(self, limit: int = 500) -> list[Job]:
        rows = (
            self._db()
            .execute(
                f"SELECT {self._columns} FROM jobs WHERE status IN ('IN_QUEUE', 'IN_PROGRESS')"
                " ORDER BY status <> 'IN_PROGRESS', priority, seq LIMIT ?",  # running first
                (limit,),
            )
            .fetchall()
        )
        return [self._job_from_row(r) for r in rows]

    def release(self, job_id: str, worker: str, *, count_attempt: bool = False) -> bool:
        """Hands a running job back to the queue: a draining worker's (the attempt does not count), or one whose
        worker process died (``count_attempt``: so a job that kills every worker is not tried for ever)."""
        uncount = "" if count_attempt else ", attempts = attempts - 1"
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE jobs SET status = 'IN_QUEUE', worker = NULL, lease_until = NULL{uncount}"
                " WHERE id = ? AND worker = ? AND status = 'IN_PROGRESS'",
                (job_id, worker),
            )
        return cur.rowcount == 1

    # -- usage ledger ------------------------------------------------------------------------------------------
    def record_usage(self, owner: str | None, ts: float, images: int, tokens: int, cost: float) -> None:
        with self._tx() as db:
            add_usage(db, UsageRecord(owner, ts, images, tokens, cost))

    def usage_by_day(self, owner: str | None, since: float) -> list[dict[str, Any]]:
        first = time.strftime("%Y-%m-%d", time.gmtime(since))
        where, params = ("day >= ?", [first]) if owner is None else ("day >= ? AND owner = ?", [first, owner])
        rows = self._db().execute(
            "SELECT day, SUM(requests), SUM(images), SUM(tokens), SUM(cost) FROM usage"
            f" WHERE {where} GROUP BY day ORDER BY day",
            params,
        )
        return [
            {"day": r[0], "requests": int(r[1]), "images": int(r[2]), "tokens": int(r[3]), "cost": round(r[4], 6)}
            for r in rows
        ]


def add_usage(db: sqlite3.Connection, usage: UsageRecord) -> None:
    day = time.strftime("%Y-%m-%d", time.gmtime(usage.ts))
    db.execute(
        "INSERT INTO usage (owner, day, requests, images, tokens, cost) VALUES (?, ?, 1, ?, ?, ?)"
        " ON CONFLICT(owner, day) DO UPDATE SET requests = requests + 1, images = images + excluded.images,"
        " tokens = tokens + excluded.tokens, cost = cost + excluded.cost",
        (usage.owner or "", day, usage.images, usage.tokens, usage.cost),
    )


def _paused(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT value FROM control WHERE name = 'paused'").fetchone()
    return bool(row and row[0] == "1")


def _owners_at_limit(db: sqlite3.Connection, limits: ClaimLimits) -> list[str]:
    rows: Iterator[Any] = db.execute(
        "SELECT COALESCE(owner, '') AS owner, COUNT(*) AS n FROM jobs WHERE status = 'IN_PROGRESS' GROUP BY 1"
    )
    return [r["owner"] for r in rows if 0 < limits.running_limit(r["owner"]) <= r["n"]]
