"""How runs begin: a new run, and the next run of a chain (continue-as-new, cron, retry).

Beginning a run writes its start event, then its execution record, then sends its start
message; each step is idempotent on the run id, so whoever finds a begin cut short by a
crash (a re-dispatch, the reconciler) finishes it. How runs end is :mod:`.close`; the
schedules begin runs too, and a scheduled run's close tells its schedule, so beginning
sits below both.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from durable import _failure
from durable._limits import check_id
from durable._replay import events as ev
from durable._replay.ledger import Ledger
from durable._replay.retry import next_retry
from durable._runtime import signal_fence
from durable._runtime.deadlines import (
    StartedTimeouts,
    Timeouts,
    execution_time,
    inherited,
    send_deadline,
    started_timeouts,
)
from durable._runtime.inbox import CancelMessage, SignalMessage, send_to_inbox, send_to_inbox_at
from durable._runtime.ports import CLOSED_STATUSES, ExecutionIdInUse, ExecutionRecord, HistoryConflict
from durable._runtime.services import Services, execution_key
from durable._schedules.cron import CronExpression
from durable._statuses import WorkflowExecutionStatus
from durable.common import WorkflowIDReusePolicy
from durable.exceptions import TimeoutError, TimeoutType

__all__ = [
    "REPLACEABLE",
    "RUN_TIMED_OUT",
    "begin_run",
    "continue_run",
    "execution_time",
    "follow_continuation",
    "retry_of",
    "retry_run",
]

logger = logging.getLogger("durable.orchestrator")


REPLACEABLE = {
    WorkflowIDReusePolicy.ALLOW_DUPLICATE: CLOSED_STATUSES,
    WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY: frozenset(
        {
            WorkflowExecutionStatus.FAILED,
            WorkflowExecutionStatus.CANCELED,
            WorkflowExecutionStatus.TERMINATED,
            WorkflowExecutionStatus.TIMED_OUT,
        }
    ),
    WorkflowIDReusePolicy.REJECT_DUPLICATE: frozenset(),
    WorkflowIDReusePolicy.TERMINATE_IF_RUNNING: CLOSED_STATUSES,
}
"""Which closed runs a new run of the same workflow id may replace, per reuse policy."""

RUN_TIMED_OUT = TimeoutError("Workflow timed out", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[])
"""Why a run closed TIMED_OUT, as temporalio's client reports it (the cause of WorkflowFailureError)."""


def user_metadata(static_summary: str | None, static_details: str | None) -> dict[str, str]:
    """A start event's fields for temporalio's ``static_summary`` and ``static_details`` (those given)."""
    given = {"static_summary": static_summary, "static_details": static_details}
    return {k: v for k, v in given.items() if v is not None}


def first_tick_backoff(cron_schedule: str, now: float) -> float:
    """Seconds from ``now`` to a cron chain's first tick, when its first run's first task is due
    (0 for an expression that never fires: the run's close then ends the chain)."""
    tick = CronExpression.parse(cron_schedule).next_after(now)
    return 0.0 if tick is None else tick - now


def begin_run(
    services: Services,
    *,
    workflow_type: str,
    workflow_id: str,
    run_id: str,
    task_queue: str,
    input: list[str],
    replaceable: frozenset[WorkflowExecutionStatus] = CLOSED_STATUSES,
    start_signal: str | None = None,
    start_signal_input: list[str] | None = None,
    continued_run_id: str | None = None,
    cron_schedule: str | None = None,
    first_task_backoff: float = 0.0,
    carried: dict[str, Any] | None = None,
    memo: dict[str, str] | None = None,
    search_attributes: dict[str, dict[str, Any]] | None = None,
    request_id: str | None = None,
    start_update: dict[str, Any] | None = None,
    send_start: bool = True,
    timeouts: Timeouts | None = None,
    chain_timeouts: StartedTimeouts | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Make a new run: its start event, its execution record, its start message.

    The start event goes into the run's log first: a run that becomes visible always has
    it (describe and history see it at once, as in Temporal), and a crash before the record
    leaves only an unreachable log. A start signal is logged with it, so the first workflow
    task handles it before the run method starts. If the caller dies before the start
    message, the reconciler sends it. Raises ExecutionIdInUse from the record's put.

    A cron run waits ``first_task_backoff`` seconds (until its tick) for its first
    workflow task: its start message is a timer, and ``carried`` holds what the previous
    run of the chain hands on (first run id, last completion result). ``request_id`` is the
    client's start request id, kept on the record so that a retried start finds this run.

    ``start_update`` (update-with-start) is logged on the start event, so the run and its
    update exist together or not at all; the first workflow task takes it (see
    :func:`durable._runtime.translate.start_update`). ``send_start=False`` leaves the start
    message to the caller, which decides the first workflow task itself (eager start).

    ``timeouts`` are a new chain's; ``chain_timeouts`` what the previous run of the chain
    hands on (its execution deadline included). The run's deadline message is sent
    before its start message (see :mod:`.deadlines`), so a run whose start was sent has it.
    """
    # Before anything is written: an id AWS's keys or Temporal would refuse fails here, whole.
    check_id("workflow id", workflow_id)
    check_id("workflow type", workflow_type)
    check_id("task queue", task_queue)
    now = services.clock.now()
    timeout_fields = {**started_timeouts(timeouts, now + first_task_backoff), **(chain_timeouts or {})}
    started = ev.make_event(
        ev.WORKFLOW_STARTED,
        now,
        workflow_id=workflow_id,
        run_id=run_id,
        workflow_type=workflow_type,
        task_queue=task_queue,
        input=input,
        start_time=now,
        **({"continued_run_id": continued_run_id} if continued_run_id else {}),
        **(
            {"cron_schedule": cron_schedule, "first_workflow_task_backoff": first_task_backoff} if cron_schedule else {}
        ),
        **(carried or {}),
        **({"memo": memo} if memo else {}),
        **({"search_attributes": search_attributes} if search_attributes else {}),
        **({"start_update": start_update} if start_update else {}),
        **({"headers": headers} if headers else {}),
        **timeout_fields,
    )
    first = [started]
    if start_signal is not None:
        first.append(
            ev.make_event(
                ev.SIGNALED,
                now,
                signal_name=start_signal,
                input=start_signal_input or [],
                dedup="start-signal",
                **({"headers": headers} if headers else {}),
            )
        )
    for i, event in enumerate(first):
        event["event_id"] = i + 1
    services.history.append(execution_key(workflow_id, run_id), first)
    record = ExecutionRecord(
        workflow_id=workflow_id,
        run_id=run_id,
        workflow_type=workflow_type,
        task_queue=task_queue,
        status=WorkflowExecutionStatus.RUNNING,
        start_time=now,
        memo=dict(memo or {}),
        search_attributes=dict(search_attributes or {}),
        request_id=request_id,
    )
    services.executions.create(record, replaceable=replaceable)
    send_deadline(services, started["attributes"])
    fields = {"workflow_type": workflow_type, "task_queue": task_queue, "input": input, "start_time": now}
    if not send_start:
        return
    if first_task_backoff > 0:
        send_to_inbox_at(services, now + first_task_backoff, workflow_id, run_id, "start", "start", **fields)
    else:
        send_to_inbox(services, workflow_id, run_id, "start", "start", **fields)


def continue_run(
    services: Services,
    workflow_id: str,
    run_id: str,
    attrs: dict[str, Any],
    *,
    parent: dict[str, Any] | None = None,
    carry: dict[str, Any] | None = None,
    ledger: Ledger | None = None,
) -> None:
    """Start the run a continue-as-new asked for (again, harmlessly, on a re-dispatch).

    The new run keeps the memo and the search attributes of ``ledger``'s run, as in Temporal.
    """
    try:
        begin_run(
            services,
            workflow_type=attrs["workflow_type"],
            workflow_id=workflow_id,
            run_id=attrs["new_execution_run_id"],
            task_queue=attrs["task_queue"],
            input=attrs["input"],
            continued_run_id=run_id,
            cron_schedule=attrs.get("cron_schedule"),
            first_task_backoff=attrs.get("backoff_start_interval", 0.0),
            # What workflow.continue_as_new gave replaces what this run had (Temporal's rule).
            memo=attrs["memo"] if "memo" in attrs else (ledger.started or {}).get("memo") if ledger else None,
            chain_timeouts=_next_run_timeouts(inherited(ledger.started or {}) if ledger else {}, attrs),
            search_attributes=attrs["search_attributes"]
            if "search_attributes" in attrs
            else ledger.search_attributes
            if ledger
            else None,
            headers=attrs.get("headers"),
            carried={
                **{
                    k: attrs[k]
                    for k in ("first_execution_run_id", "last_completion_result")
                    if attrs.get(k) is not None
                },
                **({"last_failure": attrs["failure"]} if attrs.get("failure") else {}),
                **({"parent": parent} if parent else {}),
                **(carry or {}),
            },
        )
    except HistoryConflict:
        # Begun before (this is a re-dispatch): only the start message may be missing.
        new_run = attrs["new_execution_run_id"]
        started = Ledger.of(services.history.load(execution_key(workflow_id, new_run))).started or {}
        due = execution_time(started) if started else 0.0
        if started:
            send_deadline(services, started)
        if due > services.clock.now():  # a cron run: its start waits for the tick
            send_to_inbox_at(services, due, workflow_id, new_run, "start", "start")
        else:
            send_to_inbox(services, workflow_id, new_run, "start", "start")
    except ExecutionIdInUse as err:
        if err.run_id != attrs["new_execution_run_id"]:
            logger.error("workflow %s continued as new, but run %s holds its id", workflow_id, err.run_id)


def _next_run_timeouts(kept: StartedTimeouts, attrs: dict[str, Any]) -> StartedTimeouts | None:
    """This run's timeouts with the run and task timeouts a continue-as-new gave; a run
    timeout is capped by the chain's execution timeout, as at a start."""
    timeouts: StartedTimeouts = {**kept}
    if attrs.get("run_timeout"):
        run = float(attrs["run_timeout"])
        timeouts["run_timeout"] = min(run, timeouts["execution_timeout"]) if "execution_timeout" in timeouts else run
    if attrs.get("task_timeout"):
        timeouts["task_timeout"] = float(attrs["task_timeout"])
    return timeouts or None


def retry_of(ledger: Ledger) -> tuple[float, str] | None:
    """(back-off, run id) of the next attempt of a failed run with a retry policy, or None.

    A run that timed out is retried too, as Temporal retries it, unless it was the whole
    chain's execution timeout; no attempt begins after the chain's execution deadline.
    A pure function of the closed log, so a re-dispatch decides the same.
    """
    started = ledger.started or {}
    close = ledger.close_event
    if not started.get("retry_policy") or close is None:
        return None
    if ledger.status is WorkflowExecutionStatus.FAILED:
        failure = close["attributes"]["failure"]
    elif ledger.status is WorkflowExecutionStatus.TIMED_OUT and not close["attributes"].get("chain"):
        failure = _failure.from_exception(RUN_TIMED_OUT)
    else:
        return None
    attempt = started.get("attempt", 1)
    delay, _ = next_retry(
        started["retry_policy"],
        attempt,
        failure,
        now=ledger.close_time or 0.0,
        scheduled_time=ledger.start_time,
        schedule_to_close_timeout=None,
    )
    if delay is None:
        return None
    expiration = started.get("execution_expiration_time")
    if expiration is not None and (ledger.close_time or 0.0) + delay >= float(expiration):
        return None
    return delay, str(uuid.uuid5(uuid.UUID(started["run_id"]), f"retry/{attempt + 1}"))


def retry_run(services: Services, ledger: Ledger, delay: float, new_run_id: str) -> None:
    """Start the next attempt of a failed run that has a retry policy (as Temporal does)."""
    started = ledger.started or {}
    attrs = {
        "new_execution_run_id": new_run_id,
        "workflow_type": started["workflow_type"],
        "task_queue": started["task_queue"],
        "input": started["input"],
        "backoff_start_interval": delay,
        "first_execution_run_id": started.get("first_execution_run_id") or started["run_id"],
        **({"headers": started["headers"]} if started.get("headers") else {}),  # a retry keeps the start's
    }
    carry = {"retry_policy": started["retry_policy"], "attempt": started.get("attempt", 1) + 1}
    continue_run(
        services,
        started["workflow_id"],
        started["run_id"],
        attrs,
        parent=started.get("parent"),
        carry=carry,
        ledger=ledger,
    )


def follow_continuation(services: Services, ledger: Ledger, body: SignalMessage | CancelMessage) -> None:
    """Hand a message sent to the workflow id on to the run this one continued as.

    The next run is begun first (idempotent: it usually is already), so the message
    never reaches a run that has no history yet; its dedup key stays the same, so a
    redelivery is applied once.
    """
    close = ledger.close_event
    if ledger.status is not WorkflowExecutionStatus.CONTINUED_AS_NEW or close is None:
        logger.warning("%s message %s reached closed run %s", body["kind"], body["dedup"], body["run_id"])
        return
    attrs = close["attributes"]
    started = ledger.started or {}
    continue_run(services, body["workflow_id"], body["run_id"], attrs, parent=started.get("parent"), ledger=ledger)
    fields = {k: v for k, v in body.items() if k not in ("kind", "workflow_id", "run_id", "dedup")}
    signal_fence.hand_on(
        services, body["workflow_id"], attrs["new_execution_run_id"], body["kind"], body["dedup"], fields
    )
