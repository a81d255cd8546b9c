"""Claim-checked payloads in the SQLite file, keyed as on S3 (content addresses)."""

from __future__ import annotations

from durable._aws.payloads import payload_key
from durable._local.sqlite.database import Database

__all__ = ["SqlitePayloadStore"]


class SqlitePayloadStore:
    """:class:`~durable._runtime.ports.PayloadStore` in a table."""

    def __init__(self, db: Database) -> None:
        """A store in ``db``."""
        self._db = db

    def put(self, data: bytes) -> str:
        """Store ``data`` under its content address (a second put of the same bytes is a no-op)."""
        key = payload_key(data)
        with self._db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO payloads (key, data) VALUES (?, ?)", (key, bytes(data)))
        return key

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; KeyError if there are none."""
        rows = self._db.read("SELECT data FROM payloads WHERE key = ?", (key,))
        if not rows:
            raise KeyError(f"payload {key} is not in the store")
        data: bytes = rows[0][0]
        return data
