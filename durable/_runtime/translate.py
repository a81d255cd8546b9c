"""Inbox messages into events: what a batch of messages amounts to for one run. Pure.

A message becomes engine events (logged without asking the workflow code: an activity
attempt that will be retried, a termination), workflow inputs (events the next decision
hands to the code), or a request to decide without inputs (a start, a wake, a retried
task). Duplicates (a dedup key the log consumed) and stale messages (the late result of
a settled attempt, a timer that was cancelled, anything for a closed run) are set
aside; a signal or cancel for a run that continued as new is handed on by the caller.
Nothing here writes or sends: the orchestrator commits what this decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from durable import _converter, _failure
from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.machine import HistoryMachine
from durable._replay.retry import next_retry
from durable._runtime.activity_pause import pause_event, unpause_event
from durable._runtime.inbox import (
    ActivityResultMessage,
    CancelMessage,
    ChildClosedMessage,
    RunMessage,
    SignalMessage,
    UpdateMessage,
)
from durable._runtime.lifecycle import execution_time
from durable._runtime.reset import reset_of
from durable.exceptions import ApplicationError, CancelledError, RetryState, TerminatedError, TimeoutError, TimeoutType

__all__ = ["Plan", "Translation", "only_rejections", "plan", "start_update", "waiting_for_tick"]

logger = logging.getLogger("durable.orchestrator")

Translation = tuple[list[Event], list[Event], bool]
"""(engine events, workflow inputs, whether to decide without inputs)."""


@dataclass
class Plan:
    """What a batch of messages amounts to for one run."""

    runtime_events: list[Event] = field(default_factory=list)
    inputs: list[Event] = field(default_factory=list)
    trigger: str | None = None  # dedup key of a message that asks for a decision by itself
    updates: list[dict[str, Any]] = field(default_factory=list)  # update requests, validated by the decision
    redispatch: set[int] = field(default_factory=set)
    ignored: int = 0
    cancel_requested: bool = False
    handed_on: list[SignalMessage | CancelMessage] = field(default_factory=list)
    """Sent to the workflow id and found the run closed: for the run it continued as."""


def plan(machine: HistoryMachine, bodies: list[RunMessage], now: float) -> Plan:
    """What ``bodies`` (consecutive messages of one run) ask of its next decision."""
    result = Plan()
    seen: set[str] = set()
    for body in bodies:
        dedup = body["dedup"]
        if (record_id := machine.ledger.consumed.get(dedup)) is not None:
            result.redispatch.add(record_id)
            continue
        if dedup in seen:
            continue
        seen.add(dedup)
        if body["kind"] == "update":
            if _admit_update(machine, body, result):
                result.updates.append(dict(body))
            else:
                result.ignored += 1
            continue
        translated = translate(machine, body, now)
        if translated is None and _to_follow(machine, body):
            assert body["kind"] in ("signal", "cancel")
            result.handed_on.append(body)
        if translated is None or (body["kind"] == "cancel" and result.cancel_requested):
            result.ignored += 1
            logger.debug("ignored %s message for %s (stale or closed run)", body["kind"], dedup)
            continue
        runtime_events, inputs, trigger = translated
        if any(e["event_type"] in ev.TERMINAL_EVENTS for e in runtime_events):
            result.runtime_events, result.inputs, result.trigger = runtime_events, [], None
            return result  # nothing after a termination or a timeout matters
        result.runtime_events += runtime_events
        result.inputs += inputs
        result.cancel_requested |= body["kind"] == "cancel"
        if trigger and result.trigger is None:
            result.trigger = dedup
    return result


def _to_follow(machine: HistoryMachine, body: RunMessage) -> bool:
    """A signal or cancel sent to the workflow id, for a run that closed: it may go on."""
    ledger = machine.ledger
    if ledger.closed and body["kind"] == "signal" and reset_of(ledger) is not None:
        return True  # accepted by a run that a reset closed since: it may go on to the new run
    return ledger.closed and body["kind"] in ("signal", "cancel") and bool(body.get("follow"))


def _admit_update(machine: HistoryMachine, body: UpdateMessage, plan: Plan) -> bool:
    """Whether an update request goes to the decision: not for a closed run, and not
    for an update id already accepted (its caller reads that outcome, as Temporal
    deduplicates updates by id)."""
    ledger = machine.ledger
    if ledger.started is None or ledger.closed or body["update_id"] in ledger.updates:
        return False
    return all(u["update_id"] != body["update_id"] for u in plan.updates)


def translate(machine: HistoryMachine, body: RunMessage, now: float) -> Translation | None:
    """(engine events, workflow inputs, whether to decide without inputs), or None to ignore."""
    ledger = machine.ledger
    dedup = body["dedup"]
    if body["kind"] == "start":
        if ledger.started is None:  # the start event is not in the log: write it now
            fields = {
                n: body[n] for n in ("workflow_id", "run_id", "workflow_type", "task_queue", "input", "start_time")
            }
            return [], [_event(ev.WORKFLOW_STARTED, now, dedup, **fields)], False
        if ledger.decided or ledger.closed or ledger.task_failure is not None:
            return None  # a duplicate, or a cron run terminated before its tick
        if now < execution_time(ledger.started):
            return None  # a duplicate, early: the cron run's start timer delivers the real one
        return [], [], True  # the first decision, on the start event the client logged
    if ledger.started is None or ledger.closed:
        return None
    if body["kind"] == "signal":
        headers = {"headers": body["headers"]} if body.get("headers") else {}
        return [], [_event(ev.SIGNALED, now, dedup, signal_name=body["name"], input=body["input"], **headers)], False
    if body["kind"] == "cancel":
        if ledger.cancel_requested:
            return None
        return [], [_event(ev.CANCEL_REQUESTED, now, dedup, reason=body.get("reason", ""))], False
    if body["kind"] == "terminate":
        return (
            [
                _event(
                    ev.WORKFLOW_TERMINATED,
                    now,
                    dedup,
                    reason=body.get("reason", ""),
                    details=body.get("details", []),
                )
            ],
            [],
            False,
        )
    if body["kind"] == "timeout":
        # The run is open (checked above): its deadline closes it, whatever it was doing.
        # Whether the run is retried is decided from the closed log (lifecycle.retry_of).
        timed_out = _event(ev.WORKFLOW_TIMED_OUT, now, dedup, chain=body["chain"], retry_state=int(RetryState.TIMEOUT))
        return [timed_out], [], False
    if body["kind"] == "timer":
        if body["seq"] not in ledger.timers:
            return None
        return [], [_event(ev.TIMER_FIRED, now, dedup, seq=body["seq"])], False
    if body["kind"] == "wake":  # a worker joined: decide on whatever waits
        if ledger.decided and not machine.pending_inputs and ledger.task_failure is None:
            return None
        return [], [], True
    if body["kind"] == "external_done":
        if (body["which"], body["seq"]) not in ledger.externals:
            return None
        failed = "failure" in body
        outcome = {
            ("signal", False): ev.EXTERNAL_SIGNALED,
            ("signal", True): ev.EXTERNAL_SIGNAL_FAILED,
            ("cancel", False): ev.EXTERNAL_CANCEL_REQUESTED,
            ("cancel", True): ev.EXTERNAL_CANCEL_FAILED,
        }[(body["which"], failed)]
        extra = {"failure": body["failure"]} if failed else {}
        return [], [_event(outcome, now, dedup, seq=body["seq"], **extra)], False
    if body["kind"] == "child_started":
        child = ledger.children.get(body["seq"])
        if child is None or child.started:
            return None
        attrs = child.initiated
        return (
            [],
            [
                _event(
                    ev.CHILD_STARTED,
                    now,
                    dedup,
                    seq=body["seq"],
                    workflow_id=attrs["workflow_id"],
                    run_id=body["child_run_id"],
                    workflow_type=attrs["workflow_type"],
                    initiated_event_id=child.initiated_event_id,
                )
            ],
            False,
        )
    if body["kind"] == "child_start_failed":
        child = ledger.children.get(body["seq"])
        if child is None or child.started:
            return None
        attrs = child.initiated
        return (
            [],
            [
                _event(
                    ev.CHILD_START_FAILED,
                    now,
                    dedup,
                    seq=body["seq"],
                    workflow_id=attrs["workflow_id"],
                    workflow_type=attrs["workflow_type"],
                    cause="WORKFLOW_ALREADY_EXISTS",
                    initiated_event_id=child.initiated_event_id,
                )
            ],
            False,
        )
    if body["kind"] == "child_closed":
        return _child_closed(machine, body, now)
    if body["kind"] == "task_retry":
        if ledger.task_failure is None or ledger.task_attempt != body["attempt"]:
            return None
        return [], [], True
    if body["kind"] == "activity_result":
        return _activity_result(machine, body, now)
    if body["kind"] in ("activity_pause", "activity_unpause"):
        operated = (
            pause_event(ledger, body, now) if body["kind"] == "activity_pause" else unpause_event(ledger, body, now)
        )
        return ([operated], [], False) if operated is not None else None
    raise ValueError(f"unknown inbox message kind {body['kind']!r}")


def _activity_result(machine: HistoryMachine, body: ActivityResultMessage, now: float) -> Translation | None:
    act = machine.ledger.activities.get(body["seq"])
    if act is None or act.attempt != body["attempt"] or act.stamp != body.get("stamp", 0):
        return None  # a late result of an attempt that was already settled
    seq, dedup, outcome = body["seq"], body["dedup"], body["outcome"]
    if outcome == "completed":
        return (
            [],
            [_event(ev.ACTIVITY_COMPLETED, now, dedup, seq=seq, attempt=act.attempt, result=body["result"])],
            False,
        )
    if outcome == "canceled" and act.cancel_requested:
        return [], [_event(ev.ACTIVITY_CANCELED, now, dedup, seq=seq, attempt=act.attempt)], False
    failure = body.get("failure") or _failure.from_exception(ApplicationError("activity reported cancellation unasked"))
    scheduled = act.scheduled
    delay, state = next_retry(
        scheduled["retry_policy"],
        act.attempt,
        failure,
        now=now,
        scheduled_time=act.scheduled_time,
        schedule_to_close_timeout=scheduled.get("schedule_to_close_timeout"),
    )
    if act.cancel_requested:
        delay, state = None, RetryState.CANCEL_REQUESTED
    if delay is not None:
        retry = _event(
            ev.ACTIVITY_ATTEMPT_FAILED,
            now,
            dedup,
            seq=seq,
            attempt=act.attempt,
            failure=failure,
            next_attempt_time=now + delay,
            heartbeat_details=body.get("heartbeat_details", []),
        )
        if act.paused is not None:
            # Paused: the next attempt is held (not dispatched) until an unpause.
            retry["attributes"].update(next_attempt_time=now, paused=True)
        return [retry], [], False
    cause: BaseException = _failure.to_exception(failure, _converter.keep_payloads)  # details as they were
    timed_out = isinstance(cause, TimeoutError)
    never_started = isinstance(cause, TimeoutError) and cause.type == TimeoutType.SCHEDULE_TO_START
    if state == RetryState.TIMEOUT and not never_started:
        timeout = TimeoutError(
            "activity ScheduleToClose timeout", type=TimeoutType.SCHEDULE_TO_CLOSE, last_heartbeat_details=[]
        )
        timeout.__cause__ = cause
        cause, timed_out = timeout, True
    final = _failure.from_exception(cause, _converter.keep_payloads)
    wrapped = {
        "message": "Activity task timed out" if timed_out else "Activity task failed",
        "stack_trace": "",
        "activity": {
            "scheduled_event_id": act.scheduled_event_id,
            "started_event_id": 0,
            "identity": body.get("identity", ""),
            "activity_type": scheduled["activity_type"],
            "activity_id": scheduled["activity_id"],
            "retry_state": int(state),
        },
        "cause": final,
    }
    return (
        [],
        [
            _event(
                ev.ACTIVITY_FAILED,
                now,
                dedup,
                seq=seq,
                attempt=act.attempt,
                failure=wrapped,
                retry_state=int(state),
            )
        ],
        False,
    )


def _child_closed(machine: HistoryMachine, body: ChildClosedMessage, now: float) -> Translation | None:
    """The parent's event for a child's close, with temporalio's ChildWorkflowError around the cause."""
    child = machine.ledger.children.get(body["seq"])
    if child is None:
        return None
    status, seq, dedup = body["status"], body["seq"], body["dedup"]
    attrs = child.initiated
    common = {"seq": seq, "workflow_id": attrs["workflow_id"], "run_id": body["child_run_id"]}
    if status == "COMPLETED":
        return [], [_event(ev.CHILD_COMPLETED, now, dedup, result=body["result"], **common)], False
    kind, message, state = _CHILD_CLOSES[status]
    if status == "FAILED":
        cause = body["failure"]
    elif status == "CANCELED":
        cause = _failure.from_exception(CancelledError("Cancelled"))
    elif status == "TERMINATED":
        cause = _failure.from_exception(TerminatedError("Terminated"))
    else:
        cause = _failure.from_exception(
            TimeoutError("Timed out", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[])
        )
    failure = {
        "message": message,
        "stack_trace": "",
        "child_workflow": {
            "namespace": "default",
            "workflow_id": attrs["workflow_id"],
            "run_id": child.initiated["run_id"],
            "workflow_type": attrs["workflow_type"],
            "initiated_event_id": child.initiated_event_id,
            "started_event_id": child.started_event_id,
            "retry_state": int(state) if state else None,
        },
        "cause": cause,
    }
    return [], [_event(kind, now, dedup, failure=failure, **common)], False


_CHILD_CLOSES = {
    "FAILED": (ev.CHILD_FAILED, "Child Workflow execution failed", None),
    "CANCELED": (ev.CHILD_CANCELED, "Child Workflow execution cancelled", RetryState.NON_RETRYABLE_FAILURE),
    "TERMINATED": (ev.CHILD_TERMINATED, "Child Workflow execution terminated", RetryState.NON_RETRYABLE_FAILURE),
    "TIMED_OUT": (ev.CHILD_TIMED_OUT, "Child Workflow execution timed out", RetryState.TIMEOUT),
}
"""Child close status -> (parent's event, ChildWorkflowError message, retry state), as Temporal reports them."""


def waiting_for_tick(machine: HistoryMachine, plan: Plan, now: float) -> bool:
    """A cron run before its first tick: what arrives waits with the start for the first task."""
    ledger = machine.ledger
    return (
        ledger.started is not None
        and not ledger.decided
        and not plan.cancel_requested
        and plan.trigger != "start"
        and now < execution_time(ledger.started)
    )


def start_update(machine: HistoryMachine, plan: Plan) -> dict[str, Any] | None:
    """The update of an update-with-start, for every decision until a workflow task completes.

    It is logged on the start event (see ``begin_run``), so the first workflow task
    takes it with the start, in one task as in Temporal, whichever message makes that
    task (the start, a redelivery, the reconciler's, a wake when a worker comes). A task
    that fails, or finds no worker, drops it; the next attempt takes it again. Its
    deduplication key is the first attempt's of an ordinary update with its request id.
    """
    ledger = machine.ledger
    update = (ledger.started or {}).get("start_update")
    if not update or ledger.decided or ledger.closed or update["update_id"] in ledger.updates:
        return None
    if any(u["update_id"] == update["update_id"] for u in plan.updates):
        return None
    return {"kind": "update", **update, "dedup": f"update:{update['request_id']}:1"}


def only_rejections(record: list[Event]) -> bool:
    """A record that is nothing but a plain ``WorkflowTaskCompleted``: no input, no command."""
    return (
        len(record) == 1
        and record[0]["event_type"] == ev.TASK_COMPLETED
        and not record[0]["attributes"].get("recovered")
        and "dedup" not in record[0]["attributes"]
    )


def _event(kind: str, now: float, dedup: str, **attrs: Any) -> Event:
    return ev.make_event(kind, now, dedup=dedup, **attrs)
