"""The event log in the SQLite file: the items of :func:`durable._aws.history.history_item`."""

from __future__ import annotations

import json
import sqlite3

from durable._aws.history import history_item, record_events
from durable._local.sqlite.database import Database
from durable._replay.events import Event
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import HistoryConflict

__all__ = ["SqliteHistoryStore"]


class SqliteHistoryStore:
    """:class:`~durable._runtime.ports.HistoryStore`: one row per record, keyed as DynamoDB keys it."""

    def __init__(self, db: Database, *, claims: ClaimCheck | None = None) -> None:
        """A store in ``db``; ``claims`` holds records too large to inline."""
        self._db = db
        self.claims = claims or ClaimCheck(None)

    def append(self, execution: str, events: list[Event]) -> None:
        """Write one record keyed by its first event id; HistoryConflict if it exists."""
        item = history_item(execution, events, self.claims)
        first = int(events[0]["event_id"])
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO history (pk, sk, item) VALUES (?, ?, ?)", (execution, first, json.dumps(item))
                )
        except sqlite3.IntegrityError as e:
            raise HistoryConflict(f"history of {execution!r} already has a record at event {first}") from e

    def load(self, execution: str, after_event_id: int = 0) -> list[Event]:
        """Events of the records that start after ``after_event_id``, in order."""
        rows = self._db.read(
            "SELECT item FROM history WHERE pk = ? AND sk > ? ORDER BY sk", (execution, after_event_id)
        )
        events: list[Event] = []
        for (text,) in rows:
            events.extend(record_events(json.loads(text), self.claims))
        return events

    def expire(self, execution: str, expires_at: int) -> None:
        """Let every record of the run expire at ``expires_at``, as the DynamoDB adapter's TTL does."""
        with self._db.transaction() as conn:
            conn.execute("UPDATE history SET expires_at = ? WHERE pk = ?", (int(expires_at), execution))

    def sweep(self, now: float) -> int:
        """Remove the records whose expiry has passed (DynamoDB's TTL); how many."""
        with self._db.transaction() as conn:
            removed: int = conn.execute("DELETE FROM history WHERE expires_at <= ?", (now,)).rowcount
        return removed
