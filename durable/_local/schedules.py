"""Schedules in the local environment: an in-memory store, and firing by the environment's clock.

moto never fires an EventBridge Scheduler schedule, so locally each schedule's next
action is a timer of the local timer service: time skipping and ``env.sleep()`` drive it.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from durable._aws.schedules import schedule_item
from durable._limits import fifo_id
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import (
    ScheduleAlreadyExists,
    ScheduleConflict,
    ScheduleNotFound,
    StoredSchedule,
    TimerService,
)
from durable._runtime.services import INBOX, schedule_group

__all__ = ["LocalScheduleFiring", "MemoryScheduleStore"]


class MemoryScheduleStore:
    """:class:`~durable._runtime.ports.ScheduleStore` in a dict (documents kept as JSON, as DynamoDB keeps them)."""

    def __init__(self, *, claims: ClaimCheck | None = None) -> None:
        """An empty store; each write builds the item DynamoDB would get, and refuses what it would."""
        self._lock = threading.Lock()
        self.claims = claims or ClaimCheck(None)
        self._items: dict[str, tuple[str, int]] = {}

    def create(self, schedule_id: str, doc: dict[str, Any]) -> None:
        """Insert at version 1; ScheduleAlreadyExists if the id is taken."""
        schedule_item(schedule_id, doc, 1, self.claims)
        with self._lock:
            if schedule_id in self._items:
                raise ScheduleAlreadyExists(schedule_id)
            self._items[schedule_id] = (json.dumps(doc), 1)

    def get(self, schedule_id: str) -> StoredSchedule:
        """Read one; ScheduleNotFound if absent."""
        with self._lock:
            if schedule_id not in self._items:
                raise ScheduleNotFound(schedule_id)
            text, version = self._items[schedule_id]
        return StoredSchedule(schedule_id, json.loads(text), version)

    def put(self, schedule_id: str, doc: dict[str, Any], *, version: int) -> None:
        """Replace if still at ``version``; ScheduleConflict otherwise."""
        schedule_item(schedule_id, doc, version + 1, self.claims)
        with self._lock:
            current = self._items.get(schedule_id)
            if current is None or current[1] != version:
                raise ScheduleConflict(schedule_id)
            self._items[schedule_id] = (json.dumps(doc), version + 1)

    def delete(self, schedule_id: str) -> None:
        """Remove it, if there."""
        with self._lock:
            self._items.pop(schedule_id, None)

    def list(self) -> list[StoredSchedule]:
        """Every schedule, by id."""
        with self._lock:
            items = sorted(self._items.items())
        return [StoredSchedule(sid, json.loads(text), version) for sid, (text, version) in items]


class LocalScheduleFiring:
    """:class:`~durable._runtime.ports.ScheduleFiring` on the local timer service."""

    def __init__(self, timers: TimerService) -> None:
        """Fire through ``timers`` (fired by the environment's clock)."""
        self._timers = timers

    def arm(self, schedule_id: str, fire_at: float, body: str) -> None:
        """A timer to the inbox; the dedup id is the body's, so a re-arm of one time sends one message."""
        dedup = json.loads(body)["dedup"]
        self._timers.schedule(fire_at, INBOX, body, group_id=schedule_group(schedule_id), dedup_id=fifo_id(dedup))

    def disarm(self, schedule_id: str) -> None:
        """Nothing to do: a timer that fires anyway is no longer the armed time and is ignored."""
