"""Long timers' one-time schedules kept in the SQLite file (the dev server's twin of Scheduler).

A schedule survives a restart; one that fell due while no process ran fires at once. Firing
sends its message into its queue (in the same file) and deletes it in one transaction, so a
schedule is never both lost and deleted, nor fired twice.
"""

from __future__ import annotations

from durable._local.sqlite.database import Database
from durable._local.timer_schedules import Deliver
from durable._runtime.ports import Clock
from durable._runtime.timer_schedules import (
    SCHEDULES_QUOTA,
    ScheduleQuotaExceeded,
    TimerSchedule,
    check_timer_schedule,
)

__all__ = ["SqliteTimerSchedules"]

_COLUMNS = "name, fire_at, queue, body, group_id"


class SqliteTimerSchedules:
    """:class:`~durable._local.timer_schedules.FiredTimerSchedules` on the ``timer_schedules`` table."""

    def __init__(self, db: Database, clock: Clock, quota: int = SCHEDULES_QUOTA) -> None:
        """Schedules of ``db``; an ``at()`` time must be in the future by ``clock``; at most
        ``quota`` at once (Scheduler's default)."""
        self._db = db
        self._clock = clock
        self._quota = quota

    def create(self, schedule: TimerSchedule) -> None:
        """Create it; one of that name already there stays as it is (ConflictException on AWS)."""
        check_timer_schedule(schedule, self._clock.now())
        with self._db.transaction() as conn:
            there = conn.execute("SELECT 1 FROM timer_schedules WHERE name = ?", (schedule.name,)).fetchone()
            if there is None and conn.execute("SELECT COUNT(*) FROM timer_schedules").fetchone()[0] >= self._quota:
                raise ScheduleQuotaExceeded(f"schedule {schedule.name!r}: {self._quota} schedules already")
            conn.execute(
                f"INSERT OR IGNORE INTO timer_schedules ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                (schedule.name, schedule.fire_at, schedule.queue, schedule.body, schedule.group_id),
            )

    def delete(self, name: str) -> None:
        """Delete it, if there."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM timer_schedules WHERE name = ?", (name,))

    def get(self, name: str) -> TimerSchedule | None:
        """The schedule of that name, if there."""
        rows = self._db.read(f"SELECT {_COLUMNS} FROM timer_schedules WHERE name = ?", (name,))
        return TimerSchedule(*rows[0]) if rows else None

    def next_due(self) -> float | None:
        """When the earliest schedule fires, if any."""
        due: float | None = self._db.read("SELECT MIN(fire_at) FROM timer_schedules")[0][0]
        return due

    def fire_due(self, now: float, deliver: Deliver) -> int:
        """Deliver and delete every schedule due by ``now``, in one transaction."""
        with self._db.transaction() as conn:
            due = conn.execute(
                f"SELECT {_COLUMNS} FROM timer_schedules WHERE fire_at <= ? ORDER BY fire_at, name", (now,)
            ).fetchall()
            for row in due:
                deliver(TimerSchedule(*row))
                conn.execute("DELETE FROM timer_schedules WHERE name = ?", (row[0],))
        return len(due)

    def pending(self) -> int:
        """Schedules not fired yet."""
        count: int = self._db.read("SELECT COUNT(*) FROM timer_schedules")[0][0]
        return count
