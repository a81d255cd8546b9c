"""Resetting a run: a new run from a prefix of its history, as Temporal's ResetWorkflowExecution.

The new run (same workflow id, new run id) holds the old run's events before the chosen
workflow task, then a ``WorkflowTaskFailed`` marker that names the reset (Temporal's cause
RESET_WORKFLOW, with the base and new run ids), then the signals the old run received after
that point (unless told not to): the next decision hands the task's inputs and those
signals to the code, which decides again from there. Activities that completed after the
point run again; those before it keep their results.

The steps, each idempotent, in this order:

1. the old run, if it still runs, is terminated by an event that carries the whole reset
   (new run id, point, reapply type): from then on its history is frozen, and whoever finds
   that event (a retry of the call, a signal that reached the old run too late) can finish
   the reset from the log alone (:func:`complete_reset`);
2. the new run's history is written record by record (a record that exists is skipped: its
   content is a pure function of the frozen old log);
3. its execution record is created, replacing the closed old one: the executions store's
   create rule is what makes two concurrent resets make one new run (the other finds it
   RUNNING and is refused);
4. what the prefix left pending is dispatched again (activities, timers), then a wake
   message asks for the first decision.

A signal sent to the old run before step 1 is either in its history (re-applied) or still in
the inbox: the orchestrator then finds the run closed by a reset and hands it on to the new
run (:func:`hand_on`), so it reaches exactly one of the runs.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from durable import _failure
from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.ledger import Ledger
from durable._runtime import signal_fence
from durable._runtime.close import finish_close, terminate_run
from durable._runtime.deadlines import send_deadline
from durable._runtime.dispatch import Dispatcher
from durable._runtime.inbox import CancelMessage, SignalMessage, send_to_inbox
from durable._runtime.lifecycle import follow_continuation
from durable._runtime.ports import CLOSED_STATUSES, ExecutionIdInUse, ExecutionRecord, HistoryConflict
from durable._runtime.services import Services, execution_key
from durable._statuses import WorkflowExecutionStatus
from durable.exceptions import ApplicationError

__all__ = [
    "InvalidResetPoint",
    "ResetConflict",
    "ResetReapplyType",
    "ResetRequest",
    "ResetType",
    "base_of",
    "complete_reset",
    "hand_on",
    "new_run_id_of",
    "reset_of",
    "reset_points",
    "reset_run",
    "retried_target",
]

logger = logging.getLogger("durable.reset")


class ResetType(enum.Enum):
    """Where to reset to without an event id (``temporal workflow reset --type``)."""

    FIRST_WORKFLOW_TASK = "FirstWorkflowTask"
    """The run's first workflow task: everything the code did runs again."""
    LAST_WORKFLOW_TASK = "LastWorkflowTask"
    """The run's last workflow task: only its decision is made again."""


class ResetReapplyType(enum.Enum):
    """What the old run received after the reset point that the new run gets again."""

    ALL = "All"
    """Temporal's default: signals (updates are not re-applied by this engine)."""
    SIGNAL = "Signal"
    """Signals, in the order the old run received them."""
    NONE = "None"
    """Nothing: the new run sees only the prefix."""


@dataclass(frozen=True)
class ResetRequest:
    """A reset as a client asks for it: the point (an event id, or a type), why, what to re-apply."""

    event_id: int | None = None
    """A ``WorkflowTaskCompleted`` or ``WorkflowTaskFailed`` event of the run (as its history shows it)."""
    reset_type: ResetType | None = None
    """Where to reset to when ``event_id`` is None."""
    reason: str = ""
    """Kept on the old run's termination and on the new run's reset event."""
    reapply_type: ResetReapplyType = ResetReapplyType.ALL
    """What the old run received after the point that the new run gets again."""
    request_id: str | None = None
    """Makes the call idempotent: a retry with the same id answers the same new run."""


class InvalidResetPoint(ValueError):
    """The event id does not designate a workflow task of the run (the message names those that do)."""


class ResetConflict(Exception):
    """Another reset or start got there first: the workflow id has another running run."""

    def __init__(self, message: str, *, holder: str | None = None) -> None:
        super().__init__(message)
        self.holder = holder
        """The run that holds the workflow id, when known."""


@dataclass(frozen=True)
class _Reset:
    """What the old run's terminating event records of its reset (enough to finish it)."""

    new_run_id: str
    event_id: int
    reapply: ResetReapplyType
    reason: str

    def to_attributes(self) -> dict[str, Any]:
        return {
            "new_run_id": self.new_run_id,
            "event_id": self.event_id,
            "reapply": self.reapply.value,
            "reason": self.reason,
        }

    @staticmethod
    def from_attributes(attrs: dict[str, Any]) -> _Reset:
        return _Reset(attrs["new_run_id"], int(attrs["event_id"]), ResetReapplyType(attrs["reapply"]), attrs["reason"])


def reset_points(events: list[Event]) -> list[int]:
    """The event ids a run can be reset to: its workflow tasks' ``WorkflowTaskCompleted`` or
    ``WorkflowTaskFailed`` events (Temporal's workflow task finish event ids)."""
    return [e["event_id"] for e in events if e["event_type"] in ev.TASK_MARKERS]


def reset_of(ledger: Ledger) -> str | None:
    """The run id a run was reset to, if a reset terminated it."""
    close = ledger.close_event
    if close is None or close["event_type"] != ev.WORKFLOW_TERMINATED or "reset" not in close["attributes"]:
        return None
    return str(close["attributes"]["reset"]["new_run_id"])


def base_of(ledger: Ledger) -> str | None:
    """The run a run was reset from, if a reset made it (its reset event names it)."""
    run_id = (ledger.started or {}).get("run_id")
    for record in reversed(ledger.records.values()):
        for event in record:
            attrs = event["attributes"]
            if event["event_type"] == ev.TASK_FAILED and attrs.get("new_run_id") == run_id:
                return str(attrs["base_run_id"])
    return None


def _point(events: list[Event], event_id: int | None, reset_type: ResetType | None) -> int:
    points = reset_points(events)
    if event_id is None:
        if reset_type is None:
            raise InvalidResetPoint("give an event id or a reset type (FirstWorkflowTask, LastWorkflowTask)")
        if not points:
            raise InvalidResetPoint("the run has no workflow task to reset to yet")
        return points[0] if reset_type is ResetType.FIRST_WORKFLOW_TASK else points[-1]
    if event_id not in points:
        shown = ", ".join(str(p) for p in points[:50]) + (", ..." if len(points) > 50 else "") or "none yet"
        raise InvalidResetPoint(
            f"event {event_id} is not a workflow task of this run: reset to the id of a WorkflowTaskCompleted "
            f"or WorkflowTaskFailed event ({shown})"
        )
    return event_id


def new_run_id_of(run_id: str, request_id: str) -> str:
    """The new run's id: the same for every retry of one reset request."""
    return str(uuid.uuid5(uuid.UUID(run_id), f"reset/{request_id}"))


def reset_run(
    services: Services,
    workflow_id: str,
    run_id: str,
    *,
    event_id: int | None = None,
    reset_type: ResetType | None = None,
    reason: str = "",
    reapply: ResetReapplyType = ResetReapplyType.ALL,
    request_id: str,
) -> str:
    """Reset ``run_id`` of ``workflow_id``; returns the new run's id.

    A retry with the same ``request_id`` finishes the same reset (and answers the same run id).

    Raises:
        InvalidResetPoint: ``event_id`` is not a workflow task's event of the run.
        ResetConflict: the workflow id has another running run (a concurrent reset or start).
        ExecutionNotFound: no such run (raised by the caller's lookup).
    """
    key = execution_key(workflow_id, run_id)
    events = services.history.load(key)
    point = _point(events, event_id, reset_type)
    reset = _Reset(new_run_id_of(run_id, request_id), point, reapply, reason)
    try:
        terminate_run(
            services,
            workflow_id,
            run_id,
            reason=f"reset to run {reset.new_run_id}" + (f": {reason}" if reason else ""),
            details=[],
            dedup=f"reset:{request_id}",
            extra={"reset": reset.to_attributes()},
        )
    except HistoryConflict as err:  # nothing was done: the caller may try again
        raise ResetConflict(
            f"workflow {workflow_id!r} run {run_id} kept changing during the reset: reset again"
        ) from err
    old = Ledger.of(services.history.load(key))
    closed_by = reset_of(old)
    if closed_by is not None:
        # This reset's termination (finished from the log, as anyone would), or another
        # reset's: that one is finished first, so its run exists before ours is created
        # (which then finds it running, or closed and replaceable).
        complete_reset(services, old)
        if closed_by == reset.new_run_id:
            return reset.new_run_id
    _build(services, old, reset, request_time=services.clock.now())
    return reset.new_run_id


def complete_reset(services: Services, old: Ledger) -> str:
    """Finish the reset that terminated ``old`` (idempotent); returns its new run id."""
    close = old.close_event
    assert close is not None and "reset" in close["attributes"], "not a run closed by a reset"
    reset = _Reset.from_attributes(close["attributes"]["reset"])
    started = old.started or {}
    new_log = services.history.load(execution_key(started["workflow_id"], reset.new_run_id))
    if _wake(reset.new_run_id) in Ledger.of(new_log).consumed:
        return reset.new_run_id  # its wake, the reset's last step, was taken: all done before it
    # The termination's own close first (its record, above all): a crash may have cut it short,
    # and the new run's record can replace the old one only once that one is closed.
    finish_close(services, old)
    _build(services, old, reset, request_time=close["event_time"])
    return reset.new_run_id


def _build(services: Services, old: Ledger, reset: _Reset, *, request_time: float) -> None:
    started = old.started or {}
    workflow_id, base_run_id = started["workflow_id"], started["run_id"]
    events = [e for record in old.records.values() for e in record]
    new_events = _new_history(events, base_run_id, reset, request_time)
    new_key = execution_key(workflow_id, reset.new_run_id)
    for chunk in ev.split_records(new_events):
        try:
            services.history.append(new_key, chunk)
        except HistoryConflict:
            pass  # written by an earlier attempt: the same record, derived from the same frozen log
    new = Ledger.of(new_events)
    new_started = new.started or {}
    visible = ExecutionRecord(
        workflow_id=workflow_id,
        run_id=reset.new_run_id,
        workflow_type=new_started["workflow_type"],
        task_queue=new_started["task_queue"],
        status=WorkflowExecutionStatus.RUNNING,
        start_time=request_time,
        memo=dict(new_started.get("memo") or {}),
        search_attributes=new.search_attributes,
    )
    try:
        services.executions.create(visible, replaceable=CLOSED_STATUSES)
    except ExecutionIdInUse as err:
        if err.run_id != reset.new_run_id:
            raise ResetConflict(
                f"workflow {workflow_id!r} has a running run {err.run_id} (another reset or start): "
                f"reset that run, or terminate it and reset {base_run_id} again",
                holder=err.run_id,
            ) from err
    send_deadline(services, new_started)
    dispatcher = Dispatcher(services)
    for first, record_events in new.records.items():
        # What the prefix left pending (activities, timers, external signals) is sent again
        # for the new run; its old workflow task failures are history, not to be retried.
        pending = [e for e in record_events if e["event_type"] != ev.TASK_FAILED]
        if pending and first < reset.event_id:
            dispatcher.dispatch(new_key, new, pending)
    send_to_inbox(services, workflow_id, reset.new_run_id, "wake", _wake(reset.new_run_id))


def _wake(new_run_id: str) -> str:
    """The deduplication key of the new run's first wake (consumed: the reset is complete)."""
    return f"reset:{new_run_id}"


def _new_history(events: list[Event], base_run_id: str, reset: _Reset, request_time: float) -> list[Event]:
    """The prefix before the reset point, the reset's failed workflow task, the re-applied signals."""
    prefix: list[Event] = []
    for event in events:
        if event["event_id"] >= reset.event_id:
            break
        if event["event_type"] == ev.WORKFLOW_STARTED:
            attrs = event["attributes"]
            # The code replays the prefix with the base run's random seed (the original run id's).
            original = attrs.get("original_execution_run_id") or attrs["run_id"]
            event = {
                **event,
                "attributes": {**attrs, "run_id": reset.new_run_id, "original_execution_run_id": original},
            }
        prefix.append(event)
    attempt = Ledger.of(prefix).task_attempt + 1
    failure = _failure.from_exception(ApplicationError(reset.reason or "reset", type="ResetWorkflow"))
    marker = ev.make_event(
        ev.TASK_FAILED,
        request_time,
        failure=failure,
        attempt=attempt,
        cause="ResetWorkflow",
        base_run_id=base_run_id,
        new_run_id=reset.new_run_id,
        reset_event_id=reset.event_id,
    )
    marker["event_id"] = reset.event_id
    new_events = [*prefix, marker]
    if reset.reapply is not ResetReapplyType.NONE:
        for event in events:
            if event["event_id"] > reset.event_id and event["event_type"] == ev.SIGNALED:
                new_events.append({**event, "event_id": new_events[-1]["event_id"] + 1})
    return new_events


def retried_target(services: Services, workflow_id: str, run_id: str, request_id: str) -> str:
    """The run a reset request addressed to the workflow id means: the latest run ``run_id``,
    unless that run is the one this very request made before (a retry after the call's
    answer was lost), whose base run it then is."""
    for event in reversed(services.history.load(execution_key(workflow_id, run_id))):
        attrs = event["attributes"]
        if event["event_type"] == ev.TASK_FAILED and attrs.get("new_run_id") == run_id:
            base = str(attrs["base_run_id"])
            return base if new_run_id_of(base, request_id) == run_id else run_id
    return run_id


def hand_on(services: Services, ledger: Ledger, body: SignalMessage | CancelMessage) -> None:
    """A signal or cancel that found its run closed goes on to the run that followed it:
    the run a reset made (a signal the old run had accepted, or one sent to the workflow id),
    else the next run of a continue-as-new chain."""
    new_run_id = reset_of(ledger)
    if new_run_id is None:
        follow_continuation(services, ledger, body)
        return
    reset = _Reset.from_attributes((ledger.close_event or {"attributes": {}})["attributes"]["reset"])
    # Sent to the workflow id: the new run is its run now. Sent to this run: a signal it had
    # accepted before the reset is one of those the reset re-applies (unless told not to).
    if not body.get("follow") and (body["kind"] != "signal" or reset.reapply is ResetReapplyType.NONE):
        logger.info("%s message %s not handed on to reset run %s", body["kind"], body["dedup"], new_run_id)
        return
    fields = {k: v for k, v in body.items() if k not in ("kind", "workflow_id", "run_id", "dedup")}
    try:
        complete_reset(services, ledger)
    except ResetConflict as conflict:
        if not body.get("follow") or conflict.holder is None:
            # Accepted by this run before its reset, whose new run cannot be made: like any
            # message that reaches a run after it closed, it has no run to go to.
            logger.warning(
                "%s message %s: reset run %s could not be made (%s); not applied",
                body["kind"],
                body["dedup"],
                new_run_id,
                conflict,
            )
            return
        # Sent to the workflow id: the run that holds the id now is the one it addresses,
        # as a signal to a workflow id goes to its current run.
        signal_fence.hand_on(services, body["workflow_id"], conflict.holder, body["kind"], body["dedup"], fields)
        return
    signal_fence.hand_on(services, body["workflow_id"], new_run_id, body["kind"], body["dedup"], fields)
