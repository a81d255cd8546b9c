"""The interfaces the runtime needs from the outside world.

Each port has two implementations that pass one contract test suite
(``tests/adapters/``): the AWS one in :mod:`durable._aws` (boto3, run against moto in
tests) and the in-memory one in :mod:`durable._local.memory` (for fast time skipping).
The runtime only ever talks to these protocols; boto3 lives below them.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from durable._limits import WriteTooLarge, short_key
from durable._replay.events import Event
from durable._statuses import CLOSED_STATUSES, WorkflowExecutionStatus

__all__ = [
    "Clock",
    "CLOSED_STATUSES",
    "ExecutionAlreadyRunning",
    "ExecutionIdInUse",
    "ExecutionNotFound",
    "ExecutionRecord",
    "ExecutionStore",
    "HeartbeatRecord",
    "HistoryConflict",
    "HistoryStore",
    "Message",
    "PayloadStore",
    "Queue",
    "Selection",
    "ScheduleAlreadyExists",
    "ScheduleConflict",
    "ScheduleFiring",
    "ScheduleNotFound",
    "ScheduleStore",
    "StoredSchedule",
    "TimerService",
    "WriteTooLarge",
    "start_key",
]


# -- errors the adapters translate AWS errors into --------------------------------------


class HistoryConflict(Exception):
    """Another writer already committed events at this position of the log."""


class ExecutionIdInUse(Exception):
    """A start found a run of the same workflow id that it may not replace.

    ``status`` is that run's, or None when it kept changing under the start.
    """

    def __init__(
        self,
        workflow_id: str,
        run_id: str,
        workflow_type: str,
        status: WorkflowExecutionStatus | None = WorkflowExecutionStatus.RUNNING,
    ) -> None:
        seen = "changing" if status is None else status.name
        super().__init__(f"workflow {workflow_id!r} has a {seen} run {run_id} that this start may not replace")
        self.workflow_id = workflow_id
        self.run_id = run_id
        self.workflow_type = workflow_type
        self.status = status


class ExecutionAlreadyRunning(ExecutionIdInUse):
    """A start found a running execution with the same workflow id."""


class ExecutionNotFound(Exception):
    """No execution with this workflow id (and run id, when given)."""


class ScheduleAlreadyExists(Exception):
    """A schedule with this id exists."""


class ScheduleNotFound(Exception):
    """No schedule with this id."""


class ScheduleConflict(Exception):
    """The schedule changed since it was read (another writer won): read it again."""


# -- values ----------------------------------------------------------------------------


@dataclass
class ExecutionRecord:
    """Visibility record of one run (the latest run of a workflow id, or an archived one)."""

    workflow_id: str
    run_id: str
    workflow_type: str
    task_queue: str
    status: WorkflowExecutionStatus  # stored as the member's name: RUNNING, COMPLETED, FAILED, ...
    start_time: float  # epoch seconds
    close_time: float | None = None
    history_length: int = 0
    # Last failure of a workflow *task* (non-determinism, a bug in workflow code),
    # shown by describe() while the task is being retried; None when healthy.
    task_failure: dict[str, Any] | None = None
    memo: dict[str, str] = field(default_factory=dict)
    """Memo fields as encoded payloads (JSON text), set at start."""
    search_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Typed search attributes: name -> ``{"type": "Keyword", "value": ...}`` (JSON-able;
    datetimes as RFC 3339 text)."""
    request_id: str | None = None
    """The request id of the start that made this run: a start retried with the same id
    answers with this run (Temporal's start request id) instead of starting another."""
    accepted_signals: frozenset[str] = frozenset()
    """Dedup keys of the client signals accepted and perhaps not yet applied (pruned as the
    run applies them): a run does not close while one of them is in flight
    (:mod:`durable._runtime.signal_fence`)."""
    closing: float | None = None
    """When the run's close was fenced (epoch seconds): from then on no signal is accepted."""


def start_key(record: ExecutionRecord) -> str:
    """Sort key of a run in listings: start time, then workflow id and run id (unique).

    Fixed-width text so that text order is time order (on DynamoDB and in memory alike).
    """
    # A digest stands in for a long workflow id: the key is a GSI sort key (1,024 bytes at most).
    return f"{record.start_time:020.6f}#{short_key(record.workflow_id)}#{record.run_id}"


@dataclass(frozen=True)
class Selection:
    """What an index of the executions store narrows a listing to by itself.

    Bounds on the start time may be loose (a superset); the caller filters exactly.
    """

    workflow_id: str | None = None
    status: WorkflowExecutionStatus | None = None
    workflow_type: str | None = None
    start_from: float | None = None
    start_to: float | None = None
    ascending: bool = False

    def start_key_bounds(self) -> tuple[str | None, str | None]:
        """Inclusive bounds on :func:`start_key` that hold every run of the start time range."""
        low = None if self.start_from is None else f"{self.start_from:020.6f}"
        # '$' sorts after the '#' that follows the time: every key of that instant is below.
        high = None if self.start_to is None else f"{self.start_to:020.6f}$"
        return low, high

    def picks(self, record: ExecutionRecord) -> bool:
        """Whether the run is in the selection (start time bounds as loose as the index's)."""
        low, high = self.start_key_bounds()
        key = start_key(record)
        return (
            (self.workflow_id is None or record.workflow_id == self.workflow_id)
            and (self.status is None or record.status == self.status)
            and (self.workflow_type is None or record.workflow_type == self.workflow_type)
            and (low is None or key >= low)
            and (high is None or key <= high)
        )


@dataclass
class HeartbeatRecord:
    """What an activity attempt last reported, and whether it was asked to cancel."""

    attempt: int
    details: list[Any] = field(default_factory=list)
    at: float | None = None
    cancel_requested: bool = False
    paused: bool = False
    """An operator paused the activity (``durable._runtime.activity_pause``)."""
    stamp: int = 0
    """The activity's current stamp: a task of an older one is not run."""


@dataclass
class Message:
    """One received queue message."""

    message_id: str
    body: str
    receipt: str
    receive_count: int
    group_id: str | None = None
    sent_at: float | None = None
    """When it was sent (epoch seconds), where the queue tells."""


# -- ports -----------------------------------------------------------------------------


class Clock(Protocol):
    """Wall time for the runtime: real on AWS, real or virtual locally."""

    def now(self) -> float:
        """Epoch seconds."""
        ...


class HistoryStore(Protocol):
    """The event log: one partition per execution, records of contiguous events.

    A record is the list of events one decision produced. Its key is the id of its
    first event, and writing a key that exists fails: the log itself is the lock
    that keeps two racing orchestrators from both committing.
    """

    def append(self, execution: str, events: list[Event]) -> None:
        """Write one record; ``events[0]["event_id"]`` is its key.

        Raises:
            HistoryConflict: a record with that key exists already.
        """
        ...

    def load(self, execution: str, after_event_id: int = 0) -> list[Event]:
        """All events with an id above ``after_event_id``, in order (whole records)."""
        ...

    def expire(self, execution: str, expires_at: int) -> None:
        """Let the whole log of a closed run expire at ``expires_at`` (epoch seconds), as its
        execution record does (the table's TTL deletes both). Called once the run is archived.
        """
        ...


class ExecutionStore(Protocol):
    """Executions (visibility), per-activity heartbeat records and update rejections."""

    def create(
        self, record: ExecutionRecord, *, replaceable: frozenset[WorkflowExecutionStatus] = CLOSED_STATUSES
    ) -> None:
        """Insert the record, replacing the workflow id's previous run if its status is replaceable.

        The replaced run stays listable (:meth:`scan`) as it was when it closed.

        Raises:
            ExecutionAlreadyRunning: a run of that workflow id is RUNNING.
            ExecutionIdInUse: a closed run whose status is not in ``replaceable``.
        """
        ...

    def get(self, workflow_id: str) -> ExecutionRecord:
        """The latest run of a workflow id.

        Raises:
            ExecutionNotFound: no such workflow id.
        """
        ...

    def close(
        self, workflow_id: str, run_id: str, status: WorkflowExecutionStatus, close_time: float, history_length: int
    ) -> None:
        """Mark a run closed. Does nothing if that run is no longer the RUNNING one."""
        ...

    def set_task_failure(self, workflow_id: str, run_id: str, failure: dict[str, Any] | None) -> None:
        """Record (or clear, with None) the failure of the run's latest workflow task."""
        ...

    def set_visibility(self, workflow_id: str, run_id: str, search_attributes: dict[str, dict[str, Any]]) -> None:
        """Replace the run's search attributes (the whole map); no-op for a stale run."""
        ...

    def accept_signal(self, workflow_id: str, run_id: str, dedup: str) -> bool:
        """Add ``dedup`` to the run's accepted signals (a repeat changes nothing); False,
        writing nothing, when that run is not the RUNNING one or its close is fenced."""
        ...

    def fence_close(self, workflow_id: str, run_id: str, accepted: int, at: float) -> bool:
        """Accept no more signals for the run, which is about to close: True if it is the
        RUNNING run and holds exactly ``accepted`` accepted signals (none came since they
        were read), else False and nothing written."""
        ...

    def clear_fence(self, workflow_id: str, run_id: str, at: float) -> None:
        """Accept signals again (a fence set ``at`` whose close never came); no-op if the
        run was fenced again since, or closed."""
        ...

    def forget_signals(self, workflow_id: str, run_id: str, dedups: builtins.list[str]) -> None:
        """Drop signals the run applied from its accepted signals; no-op for a stale run."""
        ...

    def scan(
        self, selection: Selection, *, after: str | None = None, page_size: int = 100
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        """Runs (latest and earlier ones of each workflow id) that ``selection`` picks, in
        start order (:func:`start_key`; newest first unless ascending), each with an
        opaque cursor; ``after=cursor`` resumes after that run. ``page_size`` is how many
        to read per request; the iterator reads on as it is consumed.
        """
        ...

    def list(self, *, status: WorkflowExecutionStatus | None = None, limit: int = 100) -> list[ExecutionRecord]:
        """Runs, newest start first, optionally filtered by status."""
        ...

    # builtins.list: inside this class, `list` names the method above.
    def record_heartbeat(
        self, execution: str, activity_id: str, attempt: int, details: builtins.list[Any], at: float
    ) -> bool:
        """Store an attempt's heartbeat; returns whether cancellation was requested or the activity is paused."""
        ...

    def set_activity_paused(self, execution: str, activity_id: str, paused: bool, stamp: int) -> None:
        """Flag (or unflag) the activity as paused, with its current stamp: its next heartbeat
        learns it, and a retry that is paused or of an older stamp is not claimed."""
        ...

    def request_activity_cancel(self, execution: str, activity_id: str) -> None:
        """Flag the activity so its next heartbeat learns it must cancel."""
        ...

    def get_heartbeat(self, execution: str, activity_id: str) -> HeartbeatRecord | None:
        """The activity's heartbeat record, if it ever heartbeated or was cancelled."""
        ...

    def reject_update(self, execution: str, request_id: str, failure: dict[str, Any]) -> None:
        """Keep why a run's code rejected an update request, for its caller to read.

        A rejection leaves no event in the history (as in Temporal), so it lives here.
        """
        ...

    def get_update_rejection(self, execution: str, request_id: str) -> dict[str, Any] | None:
        """The failure an update request was rejected with, or None."""
        ...


class Queue(Protocol):
    """An SQS queue: FIFO (group ordering, deduplication) or standard."""

    name: str
    fifo: bool

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        """Enqueue one message. FIFO queues need both ``group_id`` and ``dedup_id``."""
        ...

    def receive(self, max_messages: int = 10) -> list[Message]:
        """Up to ``max_messages`` visible messages; they stay invisible until deleted or released."""
        ...

    def delete(self, receipts: list[str]) -> None:
        """Acknowledge messages."""
        ...

    def release(self, receipt: str) -> None:
        """Make a received message visible again at once (a failed delivery)."""
        ...

    def dead_letters(self) -> list[str]:
        """Bodies in this queue's dead-letter queue (after the maximum receive count)."""
        ...

    def dead_letter_messages(self, limit: int = 1000) -> list[Message]:
        """Up to ``limit`` messages of the dead-letter queue, left there (for operators)."""
        ...

    def dead_letter_count(self) -> int:
        """How many messages the dead-letter queue holds."""
        ...

    def redrive(self) -> int:
        """Move the dead letters back to this queue (same body; on FIFO the same group);
        returns how many moved."""
        ...


class OrchestratorInvoker(Protocol):
    """Starts asynchronous invocations of the orchestrator function (Lambda's ``Event`` invoke).

    Once Lambda accepts an event it keeps it: it retries a failed invocation twice, then
    sends the event to the function's dead-letter queue (see :mod:`durable._runtime.delivery`).
    """

    def deliver(self, bodies: list[str]) -> None:
        """One invocation that applies these inbox message bodies; raises if it was not accepted."""
        ...


class PayloadStore(Protocol):
    """Large values by reference (claim check): S3 on AWS, a dict in memory.

    Keys are content addresses (the SHA-256 of the bytes), so a write is idempotent and
    a crash between the write and the item that refers to it leaves only an orphan that
    the bucket's lifecycle removes.
    """

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its key."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key`` (KeyError if there are none)."""
        ...


class TimerService(Protocol):
    """Delivers a message to a queue at a given time, however far ahead."""

    def schedule(
        self,
        fire_at: float,
        queue: str,
        body: str,
        *,
        group_id: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        """Send ``body`` to the queue named ``queue`` at ``fire_at`` (epoch seconds).

        A re-dispatch of the same timer (same queue and ``dedup_id``) delivers it once more at
        most, which its receiver ignores, as any repeated message.
        """
        ...

    def cancel(self, queue: str, *, dedup_id: str) -> None:
        """Best effort: the timer sent to ``queue`` under ``dedup_id`` should not fire.

        What can be recalled is (a long timer's schedule is deleted); a timer within SQS's
        delay cannot be, and its receiver ignores it as it ignores any cancelled timer.
        """
        ...


@dataclass
class StoredSchedule:
    """A schedule as stored: its JSON-able document and the version a write must match."""

    schedule_id: str
    doc: dict[str, Any]
    version: int


class ScheduleStore(Protocol):
    """Schedules: one item each, written with optimistic concurrency on ``version``."""

    def create(self, schedule_id: str, doc: dict[str, Any]) -> None:
        """Insert at version 1.

        Raises:
            ScheduleAlreadyExists: the id is taken.
        """
        ...

    def get(self, schedule_id: str) -> StoredSchedule:
        """Read one (consistently).

        Raises:
            ScheduleNotFound: no such schedule.
        """
        ...

    def put(self, schedule_id: str, doc: dict[str, Any], *, version: int) -> None:
        """Replace the document if the stored version is ``version``; it becomes ``version + 1``.

        Raises:
            ScheduleConflict: the version moved on (or the schedule was deleted).
        """
        ...

    def delete(self, schedule_id: str) -> None:
        """Remove it (no error if it is gone already)."""
        ...

    def list(self) -> list[StoredSchedule]:
        """Every schedule, ordered by id."""
        ...


class ScheduleFiring(Protocol):
    """Delivers a schedule's next due action to the inbox at its time.

    One armed time per schedule: arming again replaces it (on AWS, the schedule's
    EventBridge Scheduler entry), and a delivery that is not the armed time any more is
    ignored by the schedule runner, so a replaced or disarmed time that still arrives is
    harmless.
    """

    def arm(self, schedule_id: str, fire_at: float, body: str) -> None:
        """Send ``body`` to the inbox (message group of the schedule) at ``fire_at``."""
        ...

    def disarm(self, schedule_id: str) -> None:
        """Fire nothing more for this schedule (until armed again)."""
        ...
