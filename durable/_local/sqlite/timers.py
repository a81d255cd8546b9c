"""Timers kept in the SQLite file, fired by the local dispatcher from the environment's clock.

A pending timer survives a restart; one that fell due while no process ran fires at once.
Firing moves the due rows into their queues in one transaction, so a timer is never both
lost and deleted, nor sent twice.
"""

from __future__ import annotations

from collections.abc import Callable

from durable._local.sqlite.database import Database
from durable._runtime.ports import Clock, Queue

__all__ = ["SqliteTimerService"]


class SqliteTimerService:
    """:class:`~durable._local.timers.DispatchedTimers` on the ``timers`` table."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        queue_for: Callable[[str], Queue],
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        """Timers of ``db``, sent through ``queue_for`` (queues of the same file) when ``clock`` reaches them."""
        self._db = db
        self._clock = clock
        self._queue_for = queue_for
        self._on_change = on_change

    def schedule(
        self, fire_at: float, queue: str, body: str, *, group_id: str | None = None, dedup_id: str | None = None
    ) -> None:
        """Deliver ``body`` to ``queue`` once the clock reaches ``fire_at``."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO timers (fire_at, queue, body, group_id, dedup_id) VALUES (?, ?, ?, ?, ?)",
                (fire_at, queue, body, group_id, dedup_id),
            )
        self._on_change()

    def cancel(self, queue: str, *, dedup_id: str) -> None:
        """Nothing to do, as on SQS: a delayed message cannot be recalled; its run ignores it."""
        del queue, dedup_id

    def next_due(self) -> float | None:
        """When the earliest timer fires, if any."""
        due: float | None = self._db.read("SELECT MIN(fire_at) FROM timers")[0][0]
        return due

    def fire_due(self) -> int:
        """Send every timer that is due; returns how many fired."""
        now = self._clock.now()
        with self._db.transaction() as conn:
            due = conn.execute(
                "SELECT id, queue, body, group_id, dedup_id FROM timers WHERE fire_at <= ? ORDER BY fire_at, id", (now,)
            ).fetchall()
            for timer_id, queue, body, group_id, dedup_id in due:
                self._queue_for(queue).send(body, group_id=group_id, dedup_id=dedup_id)
                conn.execute("DELETE FROM timers WHERE id = ?", (timer_id,))
        return len(due)

    def pending(self) -> int:
        """Timers not fired yet."""
        count: int = self._db.read("SELECT COUNT(*) FROM timers")[0][0]
        return count
