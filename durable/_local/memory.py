"""In-memory adapters: the same behaviour as the AWS ones, without the emulation's cost.

They pass the contract suite in ``tests/adapters`` against the DynamoDB and SQS
adapters on moto. Values are stored the way DynamoDB stores them (JSON strings for
events, failures and heartbeat details), so what goes in and comes out matches.
Every class is thread-safe: handlers and the dispatcher may run on several threads.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from durable._aws.executions import execution_item, heartbeat_item, rejection_item
from durable._aws.history import history_item, record_events
from durable._limits import check_message
from durable._replay.events import Event
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import (
    CLOSED_STATUSES,
    ExecutionAlreadyRunning,
    ExecutionIdInUse,
    ExecutionNotFound,
    ExecutionRecord,
    HeartbeatRecord,
    HistoryConflict,
    Message,
    Selection,
    start_key,
)
from durable._statuses import WorkflowExecutionStatus

__all__ = [
    "DEDUP_WINDOW_SECONDS",
    "MAX_BATCH",
    "MemoryExecutionStore",
    "MemoryHistoryStore",
    "MemoryQueue",
    "refuse_replacing",
]

_RUNNING = WorkflowExecutionStatus.RUNNING
MAX_BATCH = 10  # SQS's limit per receive; kept so batches look the same
DEDUP_WINDOW_SECONDS = 300.0  # SQS FIFO's deduplication interval


def refuse_replacing(old: ExecutionRecord | None, replaceable: frozenset[WorkflowExecutionStatus]) -> None:
    """Raise as a start over ``old`` (the workflow id's latest run) must, unless it may replace it.

    Raises:
        ExecutionAlreadyRunning: ``old`` is RUNNING.
        ExecutionIdInUse: ``old`` closed with a status not in ``replaceable``.
    """
    if old is not None and old.status not in (replaceable - {_RUNNING}):
        error = ExecutionAlreadyRunning if old.status == _RUNNING else ExecutionIdInUse
        raise error(old.workflow_id, old.run_id, old.workflow_type, old.status)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class MemoryHistoryStore:
    """:class:`~durable._runtime.ports.HistoryStore` in a dict of records, each the very
    item the DynamoDB adapter would write (so the twin refuses what DynamoDB refuses)."""

    def __init__(self, *, claims: ClaimCheck | None = None) -> None:
        """An empty store; ``claims`` holds records too large to inline."""
        self._lock = threading.Lock()
        self.claims = claims or ClaimCheck(None)
        # execution -> {first event id: the record's item}
        self._records: dict[str, dict[int, dict[str, Any]]] = {}

    def append(self, execution: str, events: list[Event]) -> None:
        """Write one record keyed by its first event id; HistoryConflict if it exists."""
        item = history_item(execution, events, self.claims)
        first = int(events[0]["event_id"])
        with self._lock:
            records = self._records.setdefault(execution, {})
            if first in records:
                raise HistoryConflict(f"history of {execution!r} already has a record at event {first}")
            records[first] = item

    def load(self, execution: str, after_event_id: int = 0) -> list[Event]:
        """Events of the records that start after ``after_event_id``, in order."""
        with self._lock:
            records = dict(self._records.get(execution, {}))
        events: list[Event] = []
        for first in sorted(k for k in records if k > after_event_id):
            events.extend(record_events(records[first], self.claims))
        return events

    def expire(self, execution: str, expires_at: int) -> None:
        """Set ``expires_at`` on every record of the run, as the DynamoDB adapter does."""
        with self._lock:
            for item in self._records.get(execution, {}).values():
                item["expires_at"] = {"N": str(int(expires_at))}

    def sweep(self, now: float) -> int:
        """Remove the records whose ``expires_at`` has passed (DynamoDB's TTL); how many."""
        removed = 0
        with self._lock:
            for execution, records in list(self._records.items()):
                for first, item in list(records.items()):
                    if "expires_at" in item and int(item["expires_at"]["N"]) <= now:
                        del records[first]
                        removed += 1
                if not records:
                    del self._records[execution]
        return removed


class MemoryExecutionStore:
    """:class:`~durable._runtime.ports.ExecutionStore` in dicts."""

    def __init__(self, *, claims: ClaimCheck | None = None, retention_seconds: float = 30 * 24 * 3600) -> None:
        """An empty store; ``claims`` holds memos, failures and details too large to inline.

        Each write builds the item the DynamoDB adapter would write, so the twin refuses
        (WriteTooLarge) what DynamoDB would refuse. Closed runs expire ``retention_seconds``
        after their close (:meth:`sweep` removes them, as the table's TTL does).
        """
        self.retention_seconds = retention_seconds
        self._expires: dict[tuple[str, str], int] = {}  # (workflow id, run id) -> expires_at
        self._lock = threading.Lock()
        self.claims = claims or ClaimCheck(None)
        self._executions: dict[str, ExecutionRecord] = {}
        self._archived: dict[tuple[str, str], ExecutionRecord] = {}  # earlier runs, as they closed
        self._heartbeats: dict[tuple[str, str], HeartbeatRecord] = {}
        self._rejections: dict[tuple[str, str], str] = {}

    @staticmethod
    def _copy(record: ExecutionRecord) -> ExecutionRecord:
        failure = record.task_failure
        return dataclasses.replace(
            record,
            task_failure=None if failure is None else json.loads(_dumps(failure)),
            memo=dict(record.memo),
            search_attributes=json.loads(_dumps(record.search_attributes)),
        )

    def create(
        self, record: ExecutionRecord, *, replaceable: frozenset[WorkflowExecutionStatus] = CLOSED_STATUSES
    ) -> None:
        """Insert the record, replacing a previous run whose status is replaceable."""
        execution_item(record, self.claims)
        with self._lock:
            old = self._executions.get(record.workflow_id)
            refuse_replacing(old, replaceable)
            if old is not None and old.run_id != record.run_id:
                self._archived[(old.workflow_id, old.run_id)] = old
            self._executions[record.workflow_id] = self._copy(record)

    def get(self, workflow_id: str) -> ExecutionRecord:
        """The latest run of ``workflow_id``; ExecutionNotFound if there is none."""
        with self._lock:
            record = self._executions.get(workflow_id)
            if record is None:
                raise ExecutionNotFound(f"no execution with workflow id {workflow_id!r}")
            return self._copy(record)

    def close(
        self, workflow_id: str, run_id: str, status: WorkflowExecutionStatus, close_time: float, history_length: int
    ) -> None:
        """Mark the run closed; a no-op when that run is not the RUNNING one."""
        with self._lock:
            record = self._executions.get(workflow_id)
            if record is None or record.run_id != run_id or record.status != _RUNNING:
                return
            record.status = status
            record.close_time = close_time
            record.history_length = int(history_length)
            self._expires[(workflow_id, run_id)] = int(close_time + self.retention_seconds)

    def sweep(self, now: float) -> int:
        """Remove the closed runs whose expiry has passed (DynamoDB's TTL); how many."""
        removed = 0
        with self._lock:
            for (wf, run), at in list(self._expires.items()):
                if at > now:
                    continue
                del self._expires[(wf, run)]
                latest = self._executions.get(wf)
                if latest is not None and latest.run_id == run:
                    del self._executions[wf]
                    removed += 1
                if self._archived.pop((wf, run), None) is not None:
                    removed += 1
        return removed

    def set_task_failure(self, workflow_id: str, run_id: str, failure: dict[str, Any] | None) -> None:
        """Record (or clear, with None) the run's workflow-task failure; no-op for a stale run."""
        encoded = None if failure is None else json.loads(_dumps(failure))
        if failure is not None:
            self.claims.attribute(_dumps(failure), what="a task failure")
        with self._lock:
            record = self._executions.get(workflow_id)
            if record is not None and record.run_id == run_id:
                record.task_failure = encoded

    def accept_signal(self, workflow_id: str, run_id: str, dedup: str) -> bool:
        """Add ``dedup`` to the run's accepted signals; False when the run is not RUNNING or is fenced."""
        with self._lock:
            record = self._executions.get(workflow_id)
            if record is None or record.run_id != run_id or record.status != _RUNNING or record.closing is not None:
                return False
            changed = dataclasses.replace(record, accepted_signals=record.accepted_signals | {dedup})
            execution_item(changed, self.claims)  # WriteTooLarge past 400 KB, as the UpdateItem fails
            self._executions[workflow_id] = changed
            return True

    def fence_close(self, workflow_id: str, run_id: str, accepted: int, at: float) -> bool:
        """Fence the run's close if it holds exactly ``accepted`` accepted signals."""
        with self._lock:
            record = self._executions.get(workflow_id)
            if record is None or record.run_id != run_id or record.status != _RUNNING:
                return False
            if len(record.accepted_signals) != accepted:
                return False
            record.closing = at
            return True

    def clear_fence(self, workflow_id: str, run_id: str, at: float) -> None:
        """Remove the fence set ``at``; no-op if the run was fenced again or closed."""
        with self._lock:
            record = self._executions.get(workflow_id)
            if record is not None and record.run_id == run_id and record.status == _RUNNING and record.closing == at:
                record.closing = None

    def forget_signals(self, workflow_id: str, run_id: str, dedups: list[str]) -> None:
        """Drop applied signals from the run's accepted signals; no-op for a stale run."""
        with self._lock:
            record = self._executions.get(workflow_id)
            if record is not None and record.run_id == run_id:
                record.accepted_signals = record.accepted_signals - set(dedups)

    def set_visibility(self, workflow_id: str, run_id: str, search_attributes: dict[str, dict[str, Any]]) -> None:
        """Replace the run's search attributes; no-op for a stale run."""
        encoded = json.loads(_dumps(search_attributes))
        self.claims.attribute(_dumps(search_attributes), what="search attributes")
        with self._lock:
            record = self._executions.get(workflow_id)
            if record is not None and record.run_id == run_id:
                record.search_attributes = encoded

    def scan(
        self, selection: Selection, *, after: str | None = None, page_size: int = 100
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        """Runs the selection picks, in start order, each with its cursor (its start key)."""
        del page_size  # everything is at hand
        with self._lock:
            runs = [self._copy(r) for r in [*self._executions.values(), *self._archived.values()] if selection.picks(r)]
        runs.sort(key=start_key, reverse=not selection.ascending)
        for record in runs:
            key = start_key(record)
            if after is not None and (key <= after if selection.ascending else key >= after):
                continue
            yield record, key

    def record_heartbeat(self, execution: str, activity_id: str, attempt: int, details: list[Any], at: float) -> bool:
        """Store the attempt's heartbeat; returns whether cancellation was requested or the activity is paused."""
        encoded = json.loads(_dumps(details))
        heartbeat_item(details, self.claims)
        with self._lock:
            old = self._heartbeats.get((execution, activity_id))
            cancel = old.cancel_requested if old is not None else False
            paused = old.paused if old is not None else False
            self._heartbeats[(execution, activity_id)] = HeartbeatRecord(
                attempt=int(attempt),
                details=encoded,
                at=at,
                cancel_requested=cancel,
                paused=paused,
                stamp=old.stamp if old is not None else 0,
            )
            return cancel or paused

    def set_activity_paused(self, execution: str, activity_id: str, paused: bool, stamp: int) -> None:
        """Flag (or unflag) the activity as paused, with its current stamp: its next heartbeat
        learns it, and a retry that is paused or of an older stamp is not claimed."""
        with self._lock:
            record = self._heartbeats.setdefault((execution, activity_id), HeartbeatRecord(0))
            record.paused, record.stamp = paused, int(stamp)

    def request_activity_cancel(self, execution: str, activity_id: str) -> None:
        """Flag the activity so its next heartbeat learns it must cancel."""
        with self._lock:
            record = self._heartbeats.setdefault((execution, activity_id), HeartbeatRecord(0))
            record.cancel_requested = True

    def get_heartbeat(self, execution: str, activity_id: str) -> HeartbeatRecord | None:
        """The activity's heartbeat record, or None if it never heartbeated nor was cancelled."""
        with self._lock:
            record = self._heartbeats.get((execution, activity_id))
            return None if record is None else dataclasses.replace(record, details=json.loads(_dumps(record.details)))

    def reject_update(self, execution: str, request_id: str, failure: dict[str, Any]) -> None:
        """Keep the failure an update request was rejected with."""
        encoded = _dumps(failure)
        rejection_item(execution, request_id, failure, self.claims)
        with self._lock:
            self._rejections[(execution, request_id)] = encoded

    def get_update_rejection(self, execution: str, request_id: str) -> dict[str, Any] | None:
        """The failure an update request was rejected with, or None."""
        with self._lock:
            encoded = self._rejections.get((execution, request_id))
        return None if encoded is None else json.loads(encoded)

    # Last in the class: a method named ``list`` shadows the builtin for what follows.
    def list(self, *, status: WorkflowExecutionStatus | None = None, limit: int = 100) -> list[ExecutionRecord]:
        """Runs, newest start first, optionally by status."""
        return [r for r, _ in itertools.islice(self.scan(Selection(status=status)), max(0, limit))]


@dataclass
class _Stored:
    message_id: str
    body: str
    group_id: str | None
    receive_count: int = 0
    in_flight: bool = False
    sent_at: float = 0.0


class MemoryQueue:
    """:class:`~durable._runtime.ports.Queue` in a list, with SQS's FIFO and DLQ rules.

    FIFO when the name ends in ``.fifo``: messages of a group come in order, a group
    with a message in flight delivers nothing more until it is deleted or released,
    and a dedup id seen in its group in the last 5 minutes is dropped (the inbox's
    high-throughput mode deduplicates per message group). A received message stays in
    flight until deleted or released (there is no visibility timeout). A message
    released after ``max_receive_count`` receives goes to the dead-letter queue.
    """

    def __init__(self, name: str, max_receive_count: int = 5) -> None:
        """An empty queue named ``name``."""
        self.name = name
        self.fifo = name.endswith(".fifo")
        self.max_receive_count = max_receive_count
        self._lock = threading.Lock()
        self._messages: list[_Stored] = []  # in send order
        self._dead: list[_Stored] = []
        self._dedup: deque[tuple[float, tuple[str, str]]] = deque()  # (monotonic time sent, (group, dedup id))
        self._dedup_ids: set[tuple[str, str]] = set()
        self._receipts = itertools.count(1)

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        """Enqueue ``body``; FIFO queues need ``group_id`` and ``dedup_id``.

        Refuses what SQS refuses: a body over 256 KB (WriteTooLarge) or with characters
        SQS does not take, FIFO ids that are not 1-128 ASCII letters, digits or punctuation.
        """
        if self.fifo and (group_id is None or dedup_id is None):
            raise ValueError(f"FIFO queue {self.name!r} needs a group_id and a dedup_id")
        check_message(self.name, body, fifo=self.fifo, group_id=group_id, dedup_id=dedup_id)
        with self._lock:
            if self.fifo:
                assert group_id is not None and dedup_id is not None  # a FIFO send without them was refused above
                now = time.monotonic()
                while self._dedup and now - self._dedup[0][0] >= DEDUP_WINDOW_SECONDS:
                    self._dedup_ids.discard(self._dedup.popleft()[1])
                scoped = (group_id, dedup_id)  # DeduplicationScope messageGroup
                if scoped in self._dedup_ids:
                    return  # SQS accepts the send and drops the duplicate
                self._dedup.append((now, scoped))
                self._dedup_ids.add(scoped)
            self._messages.append(
                _Stored(str(uuid.uuid4()), body, group_id if self.fifo else None, sent_at=time.time())
            )

    def receive(self, max_messages: int = 10) -> list[Message]:
        """Up to ``min(max_messages, 10)`` visible messages, in order."""
        with self._lock:
            # Like SQS: groups in flight *before* this call are blocked; one call may
            # deliver several messages of a free group, in order.
            blocked = {m.group_id for m in self._messages if m.in_flight} if self.fifo else set()
            out: list[Message] = []
            for m in self._messages:
                if len(out) >= max(1, min(max_messages, MAX_BATCH)):
                    break
                if m.in_flight or m.group_id in blocked:
                    continue
                m.in_flight = True
                m.receive_count += 1
                receipt = f"{m.message_id}#{next(self._receipts)}"
                out.append(Message(m.message_id, m.body, receipt, m.receive_count, m.group_id, m.sent_at))
            return out

    def _find(self, receipt: str) -> _Stored | None:
        message_id = receipt.split("#", 1)[0]
        return next((m for m in self._messages if m.message_id == message_id), None)

    def delete(self, receipts: list[str]) -> None:
        """Acknowledge messages; receipts of gone messages are ignored."""
        with self._lock:
            for receipt in receipts:
                m = self._find(receipt)
                if m is not None:
                    self._messages.remove(m)

    def release(self, receipt: str) -> None:
        """Make a received message visible again at once (or dead-letter it); no-op if gone."""
        with self._lock:
            m = self._find(receipt)
            if m is None or not m.in_flight:
                return
            if m.receive_count >= self.max_receive_count:
                # SQS moves it when it would be received once more; here that is now.
                self._messages.remove(m)
                self._dead.append(m)
            else:
                m.in_flight = False

    def dead_letters(self) -> list[str]:
        """Bodies in this queue's dead-letter queue."""
        with self._lock:
            return [m.body for m in self._dead]

    def dead_letter_messages(self, limit: int = 1000) -> list[Message]:
        """Up to ``limit`` messages of the dead-letter queue, left there."""
        with self._lock:
            return [Message(m.message_id, m.body, "", m.receive_count, m.group_id) for m in self._dead[:limit]]

    def dead_letter_count(self) -> int:
        """How many messages the dead-letter queue holds."""
        with self._lock:
            return len(self._dead)

    def redrive(self) -> int:
        """Move the dead letters back to this queue, as :meth:`SqsQueue.redrive` does."""
        with self._lock:
            dead, self._dead = self._dead, []
        for m in dead:
            self.send(m.body, group_id=m.group_id, dedup_id=f"redrive-{m.message_id}" if self.fifo else None)
        return len(dead)
