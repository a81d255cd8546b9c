"""One SQLite file, one connection, one writer process.

The connection is shared by every adapter of a backend and guarded by a re-entrant lock:
a call is one transaction, and a call made inside another's transaction (a timer firing
into a queue) joins it. Write-ahead logging with ``synchronous=NORMAL`` keeps every
committed transaction across a crash of the process (kill -9); only a power loss may lose
the last ones. The file is opened in exclusive locking mode: a second process fails at
once (:class:`DatabaseInUse`) instead of two engines dispatching the same messages.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["APPLICATION_ID", "Database", "DatabaseInUse", "DatabaseUnusable", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1

APPLICATION_ID = 0x64757231  # "dur1": marks a file as this backend's (SQLite's application_id)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS history (
    pk TEXT NOT NULL, sk INTEGER NOT NULL, item TEXT NOT NULL, expires_at INTEGER, PRIMARY KEY (pk, sk)
);
CREATE TABLE IF NOT EXISTS executions (
    workflow_id TEXT NOT NULL, run_id TEXT NOT NULL, latest INTEGER NOT NULL,
    status TEXT NOT NULL, workflow_type TEXT NOT NULL, start_key TEXT NOT NULL, item TEXT NOT NULL,
    expires_at INTEGER, PRIMARY KEY (workflow_id, run_id)
);
CREATE INDEX IF NOT EXISTS executions_latest ON executions (workflow_id, latest);
CREATE INDEX IF NOT EXISTS executions_by_start ON executions (start_key);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions (status, start_key);
CREATE INDEX IF NOT EXISTS executions_by_type ON executions (workflow_type, start_key);
CREATE TABLE IF NOT EXISTS heartbeats (
    execution TEXT NOT NULL, activity_id TEXT NOT NULL, attempt INTEGER NOT NULL, details TEXT NOT NULL,
    at REAL, cancel_requested INTEGER NOT NULL, paused INTEGER NOT NULL DEFAULT 0, stamp INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (execution, activity_id)
);
CREATE TABLE IF NOT EXISTS rejections (
    execution TEXT NOT NULL, request_id TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (execution, request_id)
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL, group_id TEXT, receive_count INTEGER NOT NULL DEFAULT 0,
    in_flight INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0, sent_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages (queue, dead, seq);
CREATE TABLE IF NOT EXISTS dedup (
    queue TEXT NOT NULL, dedup_id TEXT NOT NULL, sent_at REAL NOT NULL, PRIMARY KEY (queue, dedup_id)
);
CREATE INDEX IF NOT EXISTS dedup_by_time ON dedup (queue, sent_at);
CREATE TABLE IF NOT EXISTS payloads (key TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (schedule_id TEXT PRIMARY KEY, version INTEGER NOT NULL, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS archive_objects (key TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rate_slots (key TEXT PRIMARY KEY, next_free REAL NOT NULL);
CREATE TABLE IF NOT EXISTS timers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, fire_at REAL NOT NULL, queue TEXT NOT NULL, body TEXT NOT NULL,
    group_id TEXT, dedup_id TEXT
);
CREATE INDEX IF NOT EXISTS timers_by_time ON timers (fire_at, id);
CREATE TABLE IF NOT EXISTS timer_schedules (
    name TEXT PRIMARY KEY, fire_at REAL NOT NULL, queue TEXT NOT NULL, body TEXT NOT NULL, group_id TEXT
);
CREATE INDEX IF NOT EXISTS timer_schedules_by_time ON timer_schedules (fire_at);
"""


class DatabaseUnusable(RuntimeError):
    """The file cannot be this backend's: not SQLite, written by a newer release, or unreadable."""


class DatabaseInUse(DatabaseUnusable):
    """Another process has the file open (one dev server per file)."""


class Database:
    """The connection every SQLite adapter of one backend shares."""

    def __init__(self, path: str | Path) -> None:
        """Open (creating if needed) the file at ``path`` and take it for this process.

        Messages that were in flight when the last process stopped (received, not deleted)
        become visible again, as SQS makes them once their visibility timeout passes.

        Raises:
            DatabaseInUse: another process has the file.
            DatabaseUnusable: the file is not SQLite, was written by a newer release, or cannot be opened.
        """
        self.path = Path(path)
        self.lock = threading.RLock()
        self._depth = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0)
        except (OSError, sqlite3.Error) as e:
            raise DatabaseUnusable(f"cannot open {self.path}: {e}") from e
        try:
            self._take()
        except sqlite3.Error as e:
            self._conn.close()
            if "locked" in str(e):
                raise DatabaseInUse(
                    f"{self.path} is in use by another process (is a durable dev server already running on it?): "
                    "stop it, or choose another --db-filename"
                ) from e
            raise DatabaseUnusable(f"cannot use {self.path}: {e}") from e
        except DatabaseUnusable:
            self._conn.close()
            raise

    def _take(self) -> None:
        # Exclusive locking mode first, so WAL needs no shared memory and the lock taken by the
        # first write is held until the connection closes (or the process dies).
        self._conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self.transaction():
            owner = self._conn.execute("PRAGMA application_id").fetchone()[0]
            tables = self._conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
            if owner != APPLICATION_ID and (owner != 0 or tables):
                # Another application's database: adding our tables to it would be a surprise.
                raise DatabaseUnusable(f"{self.path} is a SQLite database of another application: choose another file")
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise DatabaseUnusable(
                    f"{self.path} has schema {version}, newer than this release's {SCHEMA_VERSION}: upgrade durable"
                )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self._conn.execute("UPDATE messages SET in_flight = 0 WHERE in_flight = 1")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction (joined by any opened inside it on this thread); committed on exit."""
        with self.lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, for several reads without a transaction (no other process writes)."""
        with self.lock:
            yield self._conn

    def read(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """Rows of one query (no transaction needed: this process is the only writer)."""
        with self.lock:
            return self._conn.execute(sql, parameters).fetchall()

    def close(self) -> None:
        """Close the connection (the file is free for another process)."""
        with self.lock:
            self._conn.close()
