"""Timers for the local environment: a heap fired by the environment's clock.

Stands in for the SQS delay queue, timer relay and long-timer hops of a deployment
(``durable._aws.timers``): moto never delivers a delayed message on virtual time.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from typing import Any, Protocol

from durable._runtime.ports import Clock, Queue, TimerService

__all__ = ["DispatchedTimers", "LocalTimerService", "TimersFactory"]


class DispatchedTimers(TimerService, Protocol):
    """A timer service the local dispatcher fires (in memory, or kept in a file)."""

    def next_due(self) -> float | None:
        """When the earliest timer fires, if any."""
        ...

    def fire_due(self) -> int:
        """Send every timer that is due; returns how many fired."""
        ...

    def pending(self) -> int:
        """Timers not fired yet."""
        ...


TimersFactory = Callable[[Clock, Callable[[str], Queue], Callable[[], None]], DispatchedTimers]
"""Makes a backend's timers from its clock, its ``queue_for`` and what to call on a change."""


class LocalTimerService:
    """:class:`~durable._runtime.ports.TimerService` that the local dispatcher fires."""

    def __init__(
        self, clock: Clock, queue_for: Callable[[str], Queue], on_change: Callable[[], None] = lambda: None
    ) -> None:
        self._clock = clock
        self._queue_for = queue_for
        self._on_change = on_change
        self._heap: list[tuple[float, int, str, str, str | None, str | None]] = []
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def schedule(
        self, fire_at: float, queue: str, body: str, *, group_id: str | None = None, dedup_id: str | None = None
    ) -> None:
        """Deliver ``body`` to ``queue`` once the clock reaches ``fire_at``."""
        with self._lock:
            heapq.heappush(self._heap, (fire_at, next(self._counter), queue, body, group_id, dedup_id))
        self._on_change()

    def cancel(self, queue: str, *, dedup_id: str) -> None:
        """Nothing to do, as on SQS: a delayed message cannot be recalled; its run ignores it."""
        del queue, dedup_id

    def next_due(self) -> float | None:
        """When the earliest timer fires, if any."""
        with self._lock:
            return self._heap[0][0] if self._heap else None

    def fire_due(self) -> int:
        """Send every timer that is due; returns how many fired."""
        fired: list[tuple[Any, ...]] = []
        now = self._clock.now()
        with self._lock:
            while self._heap and self._heap[0][0] <= now:
                fired.append(heapq.heappop(self._heap))
        for _, _, queue, body, group_id, dedup_id in fired:
            self._queue_for(queue).send(body, group_id=group_id, dedup_id=dedup_id)
        return len(fired)

    def pending(self) -> int:
        """Timers not fired yet."""
        with self._lock:
            return len(self._heap)
