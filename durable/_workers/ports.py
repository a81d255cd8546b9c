"""The store port of task queue rates (adapters: memory, SQLite, DynamoDB)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["RateLimitStore"]


class RateLimitStore(Protocol):
    """Admission slots per key, shared by every process of a deployment."""

    def reserve(self, key: str, interval: float, now: float) -> float:
        """Reserve the key's next slot: ``interval`` seconds after the previous one reserved,
        and not before ``now`` (epoch seconds); returns it. Two callers never get one slot."""
        ...
