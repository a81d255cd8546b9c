"""Task queue rates in the SQLite file: one row per key, its next free slot."""

from __future__ import annotations

from durable._local.rate_limits import check_rate_key
from durable._local.sqlite.database import Database

__all__ = ["SqliteRateLimitStore"]


class SqliteRateLimitStore:
    """:class:`~durable._workers.ports.RateLimitStore` in a SQLite file (the dev server's)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def reserve(self, key: str, interval: float, now: float) -> float:
        """The key's next slot, not before ``now``; the one after it is ``interval`` later."""
        check_rate_key(key)
        with self._db.transaction() as conn:  # BEGIN IMMEDIATE: one reserver at a time
            row = conn.execute("SELECT next_free FROM rate_slots WHERE key = ?", (key,)).fetchone()
            slot = max(now, float(row[0])) if row else now
            conn.execute(
                "INSERT INTO rate_slots (key, next_free) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET next_free = excluded.next_free",
                (key, slot + interval),
            )
        return slot
