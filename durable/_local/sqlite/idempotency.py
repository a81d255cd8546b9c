"""powertools' idempotency records in the SQLite file, with DynamoDB's conditional semantics."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from durable._local.idempotency import MemoryPersistenceLayer
from durable._local.sqlite.database import Database

__all__ = ["SqlitePersistenceLayer"]


class SqlitePersistenceLayer(MemoryPersistenceLayer):
    """The in-memory layer's conditions, its items kept in a table.

    The database's lock is the layer's: a put's check and its write are one transaction.
    """

    def __init__(self, db: Database) -> None:
        """Records in ``db``."""
        super().__init__()
        self._db = db
        self._lock = _EachUseATransaction(db)

    def _load_item(self, key: str) -> dict[str, Any] | None:
        rows = self._db.read("SELECT item FROM idempotency WHERE key = ?", (key,))
        return None if not rows else dict(json.loads(rows[0][0]))

    def _store_item(self, key: str, item: dict[str, Any]) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO idempotency (key, item) VALUES (?, ?)", (key, json.dumps(item)))

    def _remove_item(self, key: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM idempotency WHERE key = ?", (key,))


class _EachUseATransaction:
    """A reusable ``with`` block that is one database transaction each time it is entered."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # Entered transactions, innermost last (entries of other threads wait on the db's lock).
        self._open: list[AbstractContextManager[Any]] = []

    def __enter__(self) -> None:
        transaction = self._db.transaction()
        transaction.__enter__()
        self._open.append(transaction)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._open.pop().__exit__(kind, error, traceback)
