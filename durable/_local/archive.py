"""The archive's object store in memory: a dict of keys to bytes, as a bucket holds them."""

from __future__ import annotations

import threading
from collections.abc import Iterator

__all__ = ["MemoryObjectStore"]


class MemoryObjectStore:
    """:class:`~durable._runtime.archive.ObjectStore` in a dict."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key``."""
        if not 0 < len(key.encode()) <= 1024:
            raise ValueError(f"an S3 key is 1 to 1,024 bytes: {key[:80]!r}... is {len(key.encode())}")
        with self._lock:
            self._objects[key] = bytes(data)

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        """The bytes under ``key`` (the first ``max_bytes``, if given); KeyError if none."""
        with self._lock:
            data = self._objects[key]
        return data if max_bytes is None else data[:max_bytes]

    def keys(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix``, ascending (as S3 lists them)."""
        with self._lock:
            found = sorted(k for k in self._objects if k.startswith(prefix))
        yield from found

    def folders(self, prefix: str) -> list[str]:
        """``prefix<name>/`` one level down, ascending (S3's common prefixes)."""
        with self._lock:
            names = {k[len(prefix) :].split("/", 1)[0] for k in self._objects if k.startswith(prefix)}
            return sorted(
                f"{prefix}{name}/" for name in names if any(k.startswith(f"{prefix}{name}/") for k in self._objects)
            )
