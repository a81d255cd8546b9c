"""The archive's object store in the SQLite file: keys to bytes, listed as a bucket lists them."""

from __future__ import annotations

from collections.abc import Iterator

from durable._local.sqlite.database import Database

__all__ = ["SqliteObjectStore"]


class SqliteObjectStore:
    """:class:`~durable._runtime.archive.ObjectStore` in a table (the dev server's archive)."""

    def __init__(self, db: Database) -> None:
        """Objects in ``db``."""
        self._db = db

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key`` (S3's key limit holds)."""
        if not 0 < len(key.encode()) <= 1024:
            raise ValueError(f"an S3 key is 1 to 1,024 bytes: {key[:80]!r}... is {len(key.encode())}")
        with self._db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO archive_objects (key, data) VALUES (?, ?)", (key, bytes(data)))

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        """The bytes under ``key`` (the first ``max_bytes``, if given); KeyError if none."""
        rows = self._db.read("SELECT data FROM archive_objects WHERE key = ?", (key,))
        if not rows:
            raise KeyError(key)
        data: bytes = rows[0][0]
        return data if max_bytes is None else data[:max_bytes]

    def _keys(self, prefix: str) -> list[str]:
        # substr compares the prefix exactly (LIKE would read % and _ in it as wildcards).
        rows = self._db.read(
            "SELECT key FROM archive_objects WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key", (prefix,)
        )
        return [key for (key,) in rows]

    def keys(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix``, ascending (as S3 lists them)."""
        yield from self._keys(prefix)

    def folders(self, prefix: str) -> list[str]:
        """``prefix<name>/`` one level down, ascending (S3's common prefixes)."""
        found = {
            f"{prefix}{rest.split('/', 1)[0]}/"
            for rest in (k[len(prefix) :] for k in self._keys(prefix))
            if "/" in rest
        }
        return sorted(found)
