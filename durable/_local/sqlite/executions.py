"""Executions, heartbeats and update rejections in the SQLite file.

An execution row holds the item :func:`durable._aws.executions.execution_item` builds (so
a record DynamoDB would refuse is refused here too), with the columns a listing selects and
orders by beside it, indexed as the executions table's GSIs are.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from durable._aws.executions import execution_item, execution_record, heartbeat_item, rejection_item
from durable._local.memory import refuse_replacing
from durable._local.sqlite.database import Database
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import (
    CLOSED_STATUSES,
    ExecutionNotFound,
    ExecutionRecord,
    HeartbeatRecord,
    Selection,
    start_key,
)
from durable._statuses import WorkflowExecutionStatus

__all__ = ["SqliteExecutionStore"]

_RUNNING = WorkflowExecutionStatus.RUNNING


class SqliteExecutionStore:
    """:class:`~durable._runtime.ports.ExecutionStore` in tables."""

    def __init__(
        self, db: Database, *, claims: ClaimCheck | None = None, retention_seconds: float = 30 * 24 * 3600
    ) -> None:
        """A store in ``db``; ``claims`` holds memos, failures and details too large to inline.

        Closed runs expire ``retention_seconds`` after their close (:meth:`sweep` removes them,
        as the table's TTL does).
        """
        self._db = db
        self.claims = claims or ClaimCheck(None)
        self.retention_seconds = retention_seconds

    def _latest(self, conn: sqlite3.Connection, workflow_id: str) -> ExecutionRecord | None:
        row = conn.execute(
            "SELECT item FROM executions WHERE workflow_id = ? AND latest = 1", (workflow_id,)
        ).fetchone()
        return None if row is None else execution_record(json.loads(row[0]), self.claims)

    def _write(self, conn: sqlite3.Connection, record: ExecutionRecord, item: dict[str, Any]) -> None:
        """Upsert the run's row as the latest; its expiry is kept (an update leaves the TTL attribute)."""
        conn.execute(
            "INSERT INTO executions (workflow_id, run_id, latest, status, workflow_type, start_key, item)"
            " VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (workflow_id, run_id) DO UPDATE SET latest = 1,"
            " status = excluded.status, workflow_type = excluded.workflow_type, start_key = excluded.start_key,"
            " item = excluded.item",
            (
                record.workflow_id,
                record.run_id,
                record.status.name,
                record.workflow_type,
                start_key(record),
                json.dumps(item),
            ),
        )

    def create(
        self, record: ExecutionRecord, *, replaceable: frozenset[WorkflowExecutionStatus] = CLOSED_STATUSES
    ) -> None:
        """Insert the record, replacing a previous run whose status is replaceable (kept as an earlier run)."""
        item = execution_item(record, self.claims)
        with self._db.transaction() as conn:
            refuse_replacing(self._latest(conn, record.workflow_id), replaceable)
            conn.execute("UPDATE executions SET latest = 0 WHERE workflow_id = ?", (record.workflow_id,))
            # A start writes the whole item (a PutItem): no expiry left from a run of the same id.
            conn.execute(
                "DELETE FROM executions WHERE workflow_id = ? AND run_id = ?", (record.workflow_id, record.run_id)
            )
            self._write(conn, record, item)

    def get(self, workflow_id: str) -> ExecutionRecord:
        """The latest run of ``workflow_id``; ExecutionNotFound if there is none."""
        with self._db.reading() as conn:
            record = self._latest(conn, workflow_id)
        if record is None:
            raise ExecutionNotFound(f"no execution with workflow id {workflow_id!r}")
        return record

    def _change_latest(self, workflow_id: str, run_id: str, change: dict[str, Any], *, running: bool = False) -> bool:
        return self._update_run(workflow_id, run_id, lambda r: not running or r.status == _RUNNING, lambda r: change)

    def close(
        self, workflow_id: str, run_id: str, status: WorkflowExecutionStatus, close_time: float, history_length: int
    ) -> None:
        """Mark the run closed; a no-op when that run is not the RUNNING one."""
        change = {"status": status, "close_time": close_time, "history_length": int(history_length)}
        with self._db.transaction() as conn:
            if self._change_latest(workflow_id, run_id, change, running=True):
                # The table's TTL attribute, so closed runs age out (an earlier run keeps it).
                conn.execute(
                    "UPDATE executions SET expires_at = ? WHERE workflow_id = ? AND run_id = ?",
                    (int(close_time + self.retention_seconds), workflow_id, run_id),
                )

    def accept_signal(self, workflow_id: str, run_id: str, dedup: str) -> bool:
        """Add ``dedup`` to the run's accepted signals; False when the run is not RUNNING or is fenced."""
        return self._update_run(
            workflow_id,
            run_id,
            lambda r: r.status == _RUNNING and r.closing is None,
            lambda r: {"accepted_signals": r.accepted_signals | {dedup}},
        )

    def fence_close(self, workflow_id: str, run_id: str, accepted: int, at: float) -> bool:
        """Fence the run's close if it holds exactly ``accepted`` accepted signals."""
        return self._update_run(
            workflow_id,
            run_id,
            lambda r: r.status == _RUNNING and len(r.accepted_signals) == accepted,
            lambda r: {"closing": at},
        )

    def clear_fence(self, workflow_id: str, run_id: str, at: float) -> None:
        """Remove the fence set ``at``; no-op if the run was fenced again or closed."""
        self._update_run(
            workflow_id, run_id, lambda r: r.status == _RUNNING and r.closing == at, lambda r: {"closing": None}
        )

    def forget_signals(self, workflow_id: str, run_id: str, dedups: list[str]) -> None:
        """Drop applied signals from the run's accepted signals; no-op for a stale run."""
        self._update_run(
            workflow_id, run_id, lambda r: True, lambda r: {"accepted_signals": r.accepted_signals - set(dedups)}
        )

    def _update_run(
        self,
        workflow_id: str,
        run_id: str,
        condition: Callable[[ExecutionRecord], bool],
        change: Callable[[ExecutionRecord], dict[str, Any]],
    ) -> bool:
        """Change the run's record if it is the latest and ``condition`` holds (a conditional UpdateItem)."""
        with self._db.transaction() as conn:
            record = self._latest(conn, workflow_id)
            if record is None or record.run_id != run_id or not condition(record):
                return False
            changed = dataclasses.replace(record, **change(record))
            self._write(conn, changed, execution_item(changed, self.claims))
            return True

    def sweep(self, now: float) -> int:
        """Remove the closed runs whose expiry has passed (DynamoDB's TTL); how many."""
        with self._db.transaction() as conn:
            removed: int = conn.execute("DELETE FROM executions WHERE expires_at <= ?", (now,)).rowcount
        return removed

    def set_task_failure(self, workflow_id: str, run_id: str, failure: dict[str, Any] | None) -> None:
        """Record (or clear, with None) the run's workflow-task failure; no-op for a stale run."""
        self._change_latest(workflow_id, run_id, {"task_failure": failure})

    def set_visibility(self, workflow_id: str, run_id: str, search_attributes: dict[str, dict[str, Any]]) -> None:
        """Replace the run's search attributes; no-op for a stale run."""
        self._change_latest(workflow_id, run_id, {"search_attributes": search_attributes})

    def scan(
        self, selection: Selection, *, after: str | None = None, page_size: int = 100
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        """Runs the selection picks, in start order, each with its cursor (its start key); one query per page."""
        conditions, parameters = _where(selection)
        order = "ASC" if selection.ascending else "DESC"
        cursor = after
        while True:
            page_conditions, page_parameters = list(conditions), list(parameters)
            if cursor is not None:
                page_conditions.append("start_key > ?" if selection.ascending else "start_key < ?")
                page_parameters.append(cursor)
            where = " AND ".join(page_conditions) or "1"
            rows = self._db.read(
                f"SELECT item, start_key FROM executions WHERE {where} ORDER BY start_key {order} LIMIT ?",
                [*page_parameters, max(1, page_size)],
            )
            for text, key in rows:
                yield execution_record(json.loads(text), self.claims), key
            if len(rows) < max(1, page_size):
                return
            cursor = rows[-1][1]

    def record_heartbeat(self, execution: str, activity_id: str, attempt: int, details: list[Any], at: float) -> bool:
        """Store the attempt's heartbeat; returns whether cancellation was requested or the activity is paused."""
        attribute = json.dumps(heartbeat_item(details, self.claims))
        with self._db.transaction() as conn:
            # An update of the attempt's fields: the cancel and pause flags (and the stamp) stay.
            conn.execute(
                "INSERT INTO heartbeats (execution, activity_id, attempt, details, at, cancel_requested)"
                " VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (execution, activity_id) DO UPDATE SET"
                " attempt = excluded.attempt, details = excluded.details, at = excluded.at",
                (execution, activity_id, int(attempt), attribute, at),
            )
            cancel, paused = conn.execute(
                "SELECT cancel_requested, paused FROM heartbeats WHERE execution = ? AND activity_id = ?",
                (execution, activity_id),
            ).fetchone()
        return bool(cancel) or bool(paused)

    def _flag(self, execution: str, activity_id: str, assignments: str, values: tuple[Any, ...]) -> None:
        """Set flags of the activity's heartbeat row, making the row (attempt 0, no details) if there is none."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO heartbeats (execution, activity_id, attempt, details, at, cancel_requested)"
                " VALUES (?, ?, 0, ?, NULL, 0)",
                (execution, activity_id, json.dumps(heartbeat_item([], self.claims))),
            )
            conn.execute(
                f"UPDATE heartbeats SET {assignments} WHERE execution = ? AND activity_id = ?",
                (*values, execution, activity_id),
            )

    def request_activity_cancel(self, execution: str, activity_id: str) -> None:
        """Flag the activity so its next heartbeat learns it must cancel."""
        self._flag(execution, activity_id, "cancel_requested = 1", ())

    def set_activity_paused(self, execution: str, activity_id: str, paused: bool, stamp: int) -> None:
        """Flag (or unflag) the activity as paused, with its current stamp: its next heartbeat
        learns it, and a retry that is paused or of an older stamp is not claimed."""
        self._flag(execution, activity_id, "paused = ?, stamp = ?", (int(bool(paused)), int(stamp)))

    def get_heartbeat(self, execution: str, activity_id: str) -> HeartbeatRecord | None:
        """The activity's heartbeat record, or None if it never heartbeated nor was flagged."""
        rows = self._db.read(
            "SELECT attempt, details, at, cancel_requested, paused, stamp FROM heartbeats"
            " WHERE execution = ? AND activity_id = ?",
            (execution, activity_id),
        )
        if not rows:
            return None
        attempt, details, at, cancel, paused, stamp = rows[0]
        return HeartbeatRecord(
            attempt=int(attempt),
            details=json.loads(self.claims.text(json.loads(details))),
            at=at,
            cancel_requested=bool(cancel),
            paused=bool(paused),
            stamp=int(stamp),
        )

    def reject_update(self, execution: str, request_id: str, failure: dict[str, Any]) -> None:
        """Keep the failure an update request was rejected with."""
        item = rejection_item(execution, request_id, failure, self.claims)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO rejections (execution, request_id, item) VALUES (?, ?, ?)",
                (execution, request_id, json.dumps(item)),
            )

    def get_update_rejection(self, execution: str, request_id: str) -> dict[str, Any] | None:
        """The failure an update request was rejected with, or None."""
        rows = self._db.read(
            "SELECT item FROM rejections WHERE execution = ? AND request_id = ?", (execution, request_id)
        )
        if not rows:
            return None
        failure: dict[str, Any] = json.loads(self.claims.text(json.loads(rows[0][0])["failure"]))
        return failure

    # Last in the class: a method named ``list`` shadows the builtin for what follows.
    def list(self, *, status: WorkflowExecutionStatus | None = None, limit: int = 100) -> list[ExecutionRecord]:
        """Runs, newest start first, optionally by status."""
        records: list[ExecutionRecord] = []
        for record, _ in self.scan(Selection(status=status), page_size=max(1, limit)):
            if len(records) >= limit:
                break
            records.append(record)
        return records


def _where(selection: Selection) -> tuple[list[str], list[Any]]:
    """SQL conditions that pick what :meth:`Selection.picks` picks (the same start key bounds)."""
    conditions: list[str] = []
    parameters: list[Any] = []
    for column, value in (
        ("workflow_id", selection.workflow_id),
        ("status", None if selection.status is None else selection.status.name),
        ("workflow_type", selection.workflow_type),
    ):
        if value is not None:
            conditions.append(f"{column} = ?")
            parameters.append(value)
    low, high = selection.start_key_bounds()
    if low is not None:
        conditions.append("start_key >= ?")
        parameters.append(low)
    if high is not None:
        conditions.append("start_key <= ?")
        parameters.append(high)
    return conditions, parameters
