"""At most N attempts of a task queue at once, locally: what an SQS event source's maximum
concurrency does for the deployed activity function (``max_concurrent_activities``).

The dispatcher asks how many messages a queue may take before it receives, takes a slot per
attempt it starts and gives it back when the attempt ends; a queue that was full is then
polled again, so its waiting messages start as slots free up, as Lambda's poller does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from durable._runtime.services import activity_queue_name

__all__ = ["QueueSlots", "task_queue_of"]

_ACTIVITY_QUEUE_PREFIX = activity_queue_name("")


def task_queue_of(queue_name: str) -> str | None:
    """The task queue an activity queue carries (None: not an activity queue)."""
    if not queue_name.startswith(_ACTIVITY_QUEUE_PREFIX):
        return None
    return queue_name.removeprefix(_ACTIVITY_QUEUE_PREFIX)


class QueueSlots:
    """Running attempts per activity queue, against each queue's limit (thread-safe)."""

    def __init__(self, limit_for: Callable[[str], int | None], *, batch: int = 10) -> None:
        """``limit_for``: queue name -> most attempts at once (None: no limit); ``batch``: most
        messages one receive takes."""
        self._limit_for = limit_for
        self._batch = batch
        self._running: dict[str, int] = {}
        self._full: set[str] = set()
        """Queues found full since their last attempt ended: their waiting messages need a poll."""
        self._lock = threading.Lock()

    def room(self, queue_name: str) -> int:
        """How many messages the queue may take now (0: it is full)."""
        limit = self._limit_for(queue_name)
        if limit is None:
            return self._batch
        with self._lock:
            room = max(0, min(self._batch, limit - self._running.get(queue_name, 0)))
            if not room:
                self._full.add(queue_name)
            return room

    def take(self, queue_name: str) -> None:
        """An attempt of the queue starts."""
        with self._lock:
            self._running[queue_name] = self._running.get(queue_name, 0) + 1

    def give(self, queue_name: str) -> bool:
        """An attempt of the queue ended; whether the queue was found full meanwhile (poll it
        again then: it may hold messages no new send will announce, even if its limit is gone)."""
        with self._lock:
            self._running[queue_name] -= 1
            if queue_name in self._full:
                self._full.discard(queue_name)
                return True
            return False
