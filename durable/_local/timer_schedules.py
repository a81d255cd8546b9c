"""EventBridge Scheduler's one-time schedules in the local environment, fired by its clock.

Nothing local ever fires a schedule by itself (moto stores them and never invokes one), so
the local dispatcher does: :class:`LocallyFiredTimers` is the environment's timer service,
SQS-delay timers as before and long timers as one-time schedules held by a twin of Scheduler
(in memory, in the SQLite file) or by moto itself through the AWS adapter. A schedule fires
at the timer's own time (Temporal's test server's semantics; AWS fires within the minute of
its ``at()`` time), sends what it holds to its queue, and is deleted, as
``ActionAfterCompletion=DELETE`` deletes it on AWS. A cancelled timer's schedule is gone,
so nothing fires.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable
from typing import Protocol

from durable._aws.timer_schedules import EventBridgeTimerSchedules
from durable._local.timers import DispatchedTimers
from durable._runtime.ports import Clock, Queue
from durable._runtime.timer_schedules import (
    SCHEDULES_QUOTA,
    OneTimeSchedules,
    RoutedTimers,
    ScheduleQuotaExceeded,
    TimerSchedule,
    check_timer_schedule,
)

__all__ = [
    "FiredTimerSchedules",
    "LocallyFiredTimers",
    "MemoryTimerSchedules",
    "MotoTimerSchedules",
    "content_dedup_id",
]

Deliver = Callable[[TimerSchedule], None]


def content_dedup_id(body: str) -> str:
    """The deduplication id SQS's content-based deduplication gives a FIFO message: the
    SHA-256 of its body (Scheduler passes none, so the inbox deduplicates this way)."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


class FiredTimerSchedules(OneTimeSchedules, Protocol):
    """One-time schedules that the local dispatcher fires from the environment's clock."""

    def next_due(self) -> float | None:
        """When the earliest schedule fires, if any."""
        ...

    def fire_due(self, now: float, deliver: Deliver) -> int:
        """Deliver every schedule due by ``now`` and delete it; returns how many fired."""
        ...

    def pending(self) -> int:
        """Schedules not fired yet."""
        ...


class MemoryTimerSchedules:
    """:class:`FiredTimerSchedules` in memory: refuses what Scheduler refuses."""

    def __init__(self, clock: Clock, quota: int = SCHEDULES_QUOTA) -> None:
        """``clock``: the environment's, against which an ``at()`` time must be in the future;
        ``quota``: how many schedules there may be at once (Scheduler's default)."""
        self._clock = clock
        self._quota = quota
        self._schedules: dict[str, TimerSchedule] = {}
        self._lock = threading.Lock()

    def create(self, schedule: TimerSchedule) -> None:
        """Create it; one of that name already there stays as it is (ConflictException on AWS)."""
        check_timer_schedule(schedule, self._clock.now())
        with self._lock:
            if schedule.name not in self._schedules and len(self._schedules) >= self._quota:
                raise ScheduleQuotaExceeded(f"schedule {schedule.name!r}: {self._quota} schedules already")
            self._schedules.setdefault(schedule.name, schedule)

    def delete(self, name: str) -> None:
        """Delete it, if there."""
        with self._lock:
            self._schedules.pop(name, None)

    def get(self, name: str) -> TimerSchedule | None:
        """The schedule of that name, if there."""
        with self._lock:
            return self._schedules.get(name)

    def next_due(self) -> float | None:
        """When the earliest schedule fires, if any."""
        with self._lock:
            return min((s.fire_at for s in self._schedules.values()), default=None)

    def fire_due(self, now: float, deliver: Deliver) -> int:
        """Deliver and delete every schedule due by ``now``, earliest first."""
        with self._lock:
            due = sorted((s for s in self._schedules.values() if s.fire_at <= now), key=lambda s: (s.fire_at, s.name))
            for schedule in due:
                del self._schedules[schedule.name]
        for schedule in due:
            deliver(schedule)
        return len(due)

    def pending(self) -> int:
        """Schedules not fired yet."""
        with self._lock:
            return len(self._schedules)


class MotoTimerSchedules:
    """:class:`FiredTimerSchedules` on moto's Scheduler through the AWS adapter.

    What fires is what moto holds when it is due (a deleted schedule fires nothing); the
    times are kept here too, since moto's ``at()`` is rounded to the minute and the local
    environment fires at the timer's own time.
    """

    def __init__(self, adapter: EventBridgeTimerSchedules) -> None:
        """Schedules made, read and deleted through ``adapter`` (its client on moto)."""
        self.adapter = adapter
        self._times: dict[str, float] = {}
        self._lock = threading.Lock()

    def create(self, schedule: TimerSchedule) -> None:
        """Create it in moto (a repeat is a ConflictException there, and success)."""
        self.adapter.create(schedule)
        with self._lock:
            self._times.setdefault(schedule.name, schedule.fire_at)

    def delete(self, name: str) -> None:
        """Delete it from moto, if there."""
        self.adapter.delete(name)
        with self._lock:
            self._times.pop(name, None)

    def get(self, name: str) -> TimerSchedule | None:
        """The schedule as moto holds it, if there."""
        return self.adapter.get(name)

    def next_due(self) -> float | None:
        """When the earliest schedule fires, if any."""
        with self._lock:
            return min(self._times.values(), default=None)

    def fire_due(self, now: float, deliver: Deliver) -> int:
        """Deliver what moto holds for each due schedule, then delete it there."""
        with self._lock:
            due = sorted((at, name) for name, at in self._times.items() if at <= now)
            for _, name in due:
                del self._times[name]
        fired = 0
        for at, name in due:
            schedule = self.adapter.get(name)
            if schedule is None:
                continue  # deleted behind our back: nothing to fire, as on AWS
            deliver(dataclasses.replace(schedule, fire_at=at))
            self.adapter.delete(name)
            fired += 1
        return fired

    def pending(self) -> int:
        """Schedules not fired yet."""
        with self._lock:
            return len(self._times)


class LocallyFiredTimers:
    """The local environment's timer service: SQS-delay timers in ``short``, longer ones as
    one-time schedules in ``schedules``, both fired by the dispatcher from the clock."""

    def __init__(
        self,
        short: DispatchedTimers,
        schedules: FiredTimerSchedules,
        clock: Clock,
        queue_for: Callable[[str], Queue],
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        """Long timers delivered through ``queue_for``; ``on_change`` wakes the dispatcher."""
        self.short = short
        self.schedules = schedules
        self._routed = RoutedTimers(short, schedules, clock)
        self._clock = clock
        self._queue_for = queue_for
        self._on_change = on_change

    def schedule(
        self, fire_at: float, queue: str, body: str, *, group_id: str | None = None, dedup_id: str | None = None
    ) -> None:
        """Deliver ``body`` to ``queue`` at ``fire_at`` (a schedule when beyond 15 minutes)."""
        self._routed.schedule(fire_at, queue, body, group_id=group_id, dedup_id=dedup_id)
        self._on_change()

    def cancel(self, queue: str, *, dedup_id: str) -> None:
        """Delete the timer's schedule, if it has one."""
        self._routed.cancel(queue, dedup_id=dedup_id)

    def next_due(self) -> float | None:
        """When the earliest timer fires, if any."""
        times = [t for t in (self.short.next_due(), self.schedules.next_due()) if t is not None]
        return min(times, default=None)

    def fire_due(self) -> int:
        """Send every timer that is due; returns how many fired."""
        return self.short.fire_due() + self.schedules.fire_due(self._clock.now(), self._deliver)

    def pending(self) -> int:
        """Timers not fired yet."""
        return self.short.pending() + self.schedules.pending()

    def _deliver(self, schedule: TimerSchedule) -> None:
        # What Scheduler's SendMessage does: a FIFO target deduplicates by content.
        queue = self._queue_for(schedule.queue)
        dedup = content_dedup_id(schedule.body) if queue.fifo else None
        queue.send(schedule.body, group_id=schedule.group_id, dedup_id=dedup)
