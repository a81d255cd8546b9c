"""Task queue rates in memory: one next free slot per key, under a lock."""

from __future__ import annotations

import threading

from durable._limits import DYNAMODB_PARTITION_KEY_BYTES

__all__ = ["MemoryRateLimitStore", "check_rate_key"]


def check_rate_key(key: str) -> None:
    """Refuse a key DynamoDB would (the twins are as strict as the table the slots live in).

    Raises:
        ValueError: the key is empty or over DynamoDB's partition key limit.
    """
    size = len(key.encode("utf-8", "surrogatepass"))
    if not 0 < size <= DYNAMODB_PARTITION_KEY_BYTES:
        raise ValueError(f"rate key of {size} bytes: DynamoDB takes 1 to {DYNAMODB_PARTITION_KEY_BYTES}")


class MemoryRateLimitStore:
    """:class:`~durable._workers.ports.RateLimitStore` in one process."""

    def __init__(self) -> None:
        self._next_free: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, interval: float, now: float) -> float:
        """The key's next slot, not before ``now``; the one after it is ``interval`` later."""
        check_rate_key(key)
        with self._lock:
            slot = max(now, self._next_free.get(key, now))
            self._next_free[key] = slot + interval
        return slot
