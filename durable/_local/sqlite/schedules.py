"""Schedules in the SQLite file: the items of :func:`durable._aws.schedules.schedule_item`."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from durable._aws.schedules import schedule_item, stored_schedule
from durable._local.sqlite.database import Database
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import ScheduleAlreadyExists, ScheduleConflict, ScheduleNotFound, StoredSchedule

__all__ = ["SqliteScheduleStore"]


class SqliteScheduleStore:
    """:class:`~durable._runtime.ports.ScheduleStore`, with optimistic concurrency on ``version``."""

    def __init__(self, db: Database, *, claims: ClaimCheck | None = None) -> None:
        """A store in ``db``; each write builds the item DynamoDB would get, and refuses what it would."""
        self._db = db
        self.claims = claims or ClaimCheck(None)

    def create(self, schedule_id: str, doc: dict[str, Any]) -> None:
        """Insert at version 1; ScheduleAlreadyExists if the id is taken."""
        item = schedule_item(schedule_id, doc, 1, self.claims)
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO schedules (schedule_id, version, item) VALUES (?, 1, ?)",
                    (schedule_id, json.dumps(item)),
                )
        except sqlite3.IntegrityError as e:
            raise ScheduleAlreadyExists(schedule_id) from e

    def get(self, schedule_id: str) -> StoredSchedule:
        """Read one; ScheduleNotFound if absent."""
        rows = self._db.read("SELECT item FROM schedules WHERE schedule_id = ?", (schedule_id,))
        if not rows:
            raise ScheduleNotFound(schedule_id)
        return stored_schedule(json.loads(rows[0][0]), self.claims)

    def put(self, schedule_id: str, doc: dict[str, Any], *, version: int) -> None:
        """Replace if still at ``version``; ScheduleConflict otherwise."""
        item = schedule_item(schedule_id, doc, version + 1, self.claims)
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE schedules SET version = ?, item = ? WHERE schedule_id = ? AND version = ?",
                (version + 1, json.dumps(item), schedule_id, version),
            ).rowcount
        if changed != 1:
            raise ScheduleConflict(schedule_id)

    def delete(self, schedule_id: str) -> None:
        """Remove it, if there."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM schedules WHERE schedule_id = ?", (schedule_id,))

    def list(self) -> list[StoredSchedule]:
        """Every schedule, by id."""
        rows = self._db.read("SELECT item FROM schedules ORDER BY schedule_id")
        return [stored_schedule(json.loads(text), self.claims) for (text,) in rows]
