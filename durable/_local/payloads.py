"""The payload store in memory: the in-memory twin of :mod:`durable._aws.payloads`."""

from __future__ import annotations

import threading

from durable._aws.payloads import payload_key

__all__ = ["MemoryPayloadStore"]


class MemoryPayloadStore:
    """:class:`~durable._runtime.ports.PayloadStore` in a dict, keyed as on S3."""

    def __init__(self) -> None:
        """An empty store."""
        self._lock = threading.Lock()
        self._objects: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        """Store ``data`` under its content address; returns the key."""
        key = payload_key(data)
        with self._lock:
            self._objects[key] = bytes(data)
        return key

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; KeyError if there are none."""
        with self._lock:
            try:
                return self._objects[key]
            except KeyError:
                raise KeyError(f"payload {key} is not in the store") from None

    def __len__(self) -> int:
        with self._lock:
            return len(self._objects)
