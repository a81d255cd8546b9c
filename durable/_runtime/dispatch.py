"""Dispatching a committed record: what its events ask of the world.

Activity tasks to their queues, timers to the timer service, signals and cancels to
other workflows, children started, a failed workflow task retried, a closed run's
record, parent and children told, the next run of a chain begun. Derived from the
record and the log alone, and every step idempotent: a redelivered message finds its
record consumed and dispatches it again, harmlessly, after a crash cut a dispatch short.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from durable import _failure
from durable._build_ids import with_build_ids
from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.ledger import Ledger
from durable._replay.retry import backoff
from durable._runtime.activity_pause import attempt_dedup, cancel_if_held, send_held_deadline
from durable._runtime.attempt import ActivityTask
from durable._runtime.close import apply_parent_close_policy, finish_close
from durable._runtime.deadlines import Timeouts, execution_time, send_deadline
from durable._runtime.inbox import fifo_dedup, send_to_inbox, send_to_inbox_at
from durable._runtime.lifecycle import (
    REPLACEABLE,
    begin_run,
    continue_run,
    first_tick_backoff,
    retry_of,
    retry_run,
    user_metadata,
)
from durable._runtime.ports import ExecutionIdInUse, ExecutionNotFound, ExecutionRecord, HistoryConflict
from durable._runtime.services import Services, UnknownTaskQueue, activity_queue_name, execution_key
from durable._runtime.timer_cancel import cancel_timer
from durable._statuses import WorkflowExecutionStatus
from durable.common import WorkflowIDReusePolicy
from durable.exceptions import ApplicationError

__all__ = ["Dispatcher"]

logger = logging.getLogger("durable.orchestrator")

_MAX_TASK_RETRY_DELAY = 600.0


class Dispatcher:
    """Does what committed records ask, for the runs of one deployment."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def dispatch(self, key: str, ledger: Ledger, record: list[Event]) -> None:
        """Do what a committed record asks of the world. Every step is idempotent."""
        started = ledger.started or {}
        wf, run = started.get("workflow_id", ""), started.get("run_id", "")
        s = self.services
        for event in record:
            kind, attrs = event["event_type"], event["attributes"]
            if kind == ev.ACTIVITY_SCHEDULED:
                if (act := ledger.activities.get(attrs["seq"])) is not None and act.attempt == 1:
                    self._send_activity_task(ledger, attrs["seq"], at=None)
            elif kind == ev.ACTIVITY_ATTEMPT_FAILED:
                if (act := ledger.activities.get(attrs["seq"])) is not None and act.attempt == attrs["attempt"] + 1:
                    if attrs.get("paused"):
                        send_held_deadline(s, ledger, attrs["seq"])
                    else:
                        self._send_activity_task(ledger, attrs["seq"], at=attrs["next_attempt_time"])
            elif kind == ev.ACTIVITY_PAUSED:
                if (act := ledger.activities.get(attrs["seq"])) is not None and act.paused is not None:
                    s.executions.set_activity_paused(key, act.scheduled["activity_id"], True, act.stamp)
                    send_held_deadline(s, ledger, attrs["seq"])  # its retry may be waiting already
                    cancel_if_held(s, ledger, attrs["seq"])  # asked to cancel while waiting: it will not run
            elif kind == ev.ACTIVITY_UNPAUSED:
                if (act := ledger.activities.get(attrs["seq"])) is not None and act.paused is None:
                    # The flag first: the task sent next must not be taken for a retry to drop.
                    s.executions.set_activity_paused(key, act.scheduled["activity_id"], False, act.stamp)
                    self._send_activity_task(ledger, attrs["seq"], at=act.attempt_time)
            elif kind == ev.ACTIVITY_CANCEL_REQUESTED:
                if (act := ledger.activities.get(attrs["seq"])) is not None:
                    s.executions.request_activity_cancel(key, act.scheduled["activity_id"])
                    cancel_if_held(s, ledger, attrs["seq"])
            elif kind in (ev.SIGNAL_EXTERNAL_INITIATED, ev.CANCEL_EXTERNAL_INITIATED):
                which = "signal" if kind == ev.SIGNAL_EXTERNAL_INITIATED else "cancel"
                if (which, attrs["seq"]) in ledger.externals:
                    self._deliver_external(wf, run, which, attrs)
            elif kind == ev.TIMER_STARTED:
                if attrs["seq"] in ledger.timers:
                    send_to_inbox_at(
                        s,
                        event["event_time"] + attrs["duration"],
                        wf,
                        run,
                        "timer",
                        f"timer:{attrs['seq']}",
                        seq=attrs["seq"],
                    )
            elif kind == ev.TIMER_CANCELED:
                cancel_timer(s, run, attrs["seq"])
            elif kind == ev.TASK_FAILED:
                attempt = attrs["attempt"]
                s.executions.set_task_failure(wf, run, {**attrs["failure"], "attempt": attempt})
                delay = backoff(1.0, 2.0, _MAX_TASK_RETRY_DELAY, attempt)
                send_to_inbox_at(
                    s, event["event_time"] + delay, wf, run, "task_retry", f"task_retry:{attempt}", attempt=attempt
                )
                logger.error(
                    "workflow task failed for %s (attempt %d): %s", key, attempt, attrs["failure"].get("message")
                )
            elif kind == ev.TASK_COMPLETED:
                if attrs.get("recovered"):
                    s.executions.set_task_failure(wf, run, None)
                if ledger.build_ids.get(attrs.get("build_id", "")) == event["event_id"]:
                    # The first task this build completed: the run's BuildIds gains it (once per build).
                    s.executions.set_visibility(wf, run, with_build_ids(ledger.search_attributes, ledger.build_ids))
            elif kind == ev.START_CHILD_INITIATED:
                if (child := ledger.children.get(attrs["seq"])) is not None and not child.started:
                    self._start_child(wf, run, attrs)
                    if ledger.closed and not any(e["event_type"] in ev.TERMINAL_EVENTS for e in record):
                        # The run closed (terminated) before this start was dispatched:
                        # its close could not see the child, so apply the policy now.
                        apply_parent_close_policy(s, ledger)
            elif kind == ev.UPSERT_SEARCH_ATTRIBUTES:
                # The whole current map, from the log: a late re-dispatch of an older record
                # writes the latest attributes too, never a stale set.
                s.executions.set_visibility(wf, run, with_build_ids(ledger.search_attributes, ledger.build_ids))
            elif kind in ev.TERMINAL_EVENTS:
                finish_close(s, ledger)
                if kind == ev.WORKFLOW_CONTINUED_AS_NEW:
                    continue_run(s, wf, run, attrs, parent=started.get("parent"), ledger=ledger)
                elif (retry := retry_of(ledger)) is not None:
                    retry_run(s, ledger, *retry)

    def _deliver_external(self, wf: str, run: str, which: str, attrs: dict[str, Any]) -> None:
        """Signal or cancel another workflow, then tell this run how it went (idempotent)."""
        seq, target = attrs["seq"], attrs["workflow_id"]
        done = f"ext:{which}:{seq}"
        # Sent to the workflow id (no run id): should the run continue as new before it
        # takes the message, the orchestrator hands it on to the next run (as for a client's
        # signal), so it is never dropped by a run that closed meanwhile.
        follow = not attrs.get("run_id")
        try:
            record = self.services.executions.get(target)
            if follow:
                # A run that continued as new: its next run is on the way.
                reachable = record.status in (
                    WorkflowExecutionStatus.RUNNING,
                    WorkflowExecutionStatus.CONTINUED_AS_NEW,
                )
            else:
                reachable = record.status is WorkflowExecutionStatus.RUNNING and attrs["run_id"] == record.run_id
            if not reachable:
                raise ExecutionNotFound(target)
        except ExecutionNotFound:
            failure = _failure.from_exception(
                ApplicationError(f"Unable to {which} external workflow because it was not found", type="NotFound")
            )
            send_to_inbox(self.services, wf, run, "external_done", done, which=which, seq=seq, failure=failure)
            return
        # Keyed by this run and command: a re-dispatch delivers nothing twice.
        key = f"ext:{run}:{which}:{seq}"
        following: dict[str, Any] = {"follow": True} if follow else {}
        if which == "signal":
            send_to_inbox(
                self.services,
                target,
                record.run_id,
                "signal",
                key,
                name=attrs["signal_name"],
                input=attrs["input"],
                **following,
                **({"headers": attrs["headers"]} if attrs.get("headers") else {}),
            )
        else:
            send_to_inbox(
                self.services, target, record.run_id, "cancel", key, reason=f"requested by workflow {wf}", **following
            )
        send_to_inbox(self.services, wf, run, "external_done", done, which=which, seq=seq)

    def _start_child(self, wf: str, run: str, attrs: dict[str, Any]) -> None:
        """Start a child run, then tell this run whether it started (idempotent).

        The child's run id comes from the command, so a re-dispatch after a crash finds
        the run it began before (its log, then its record) and finishes that start.
        """
        s, seq = self.services, attrs["seq"]
        child_wf, child_run = attrs["workflow_id"], attrs["run_id"]
        replaceable = REPLACEABLE[WorkflowIDReusePolicy(attrs["id_reuse_policy"])]
        in_use: ExecutionIdInUse | None
        try:
            retry = {"retry_policy": attrs["retry_policy"], "attempt": 1} if attrs.get("retry_policy") else {}
            metadata = user_metadata(attrs.get("static_summary"), attrs.get("static_details"))
            cron = attrs.get("cron_schedule") or None
            begin_run(
                s,
                workflow_type=attrs["workflow_type"],
                workflow_id=child_wf,
                run_id=child_run,
                task_queue=attrs["task_queue"],
                input=attrs["input"],
                replaceable=replaceable,
                cron_schedule=cron,
                first_task_backoff=first_tick_backoff(cron, s.clock.now()) if cron else 0.0,
                memo=attrs.get("memo"),
                search_attributes=attrs.get("search_attributes"),
                carried={"parent": {"workflow_id": wf, "run_id": run, "seq": seq}, **retry, **metadata},
                timeouts=Timeouts(
                    execution=attrs.get("execution_timeout"),
                    run=attrs.get("run_timeout"),
                    task=attrs.get("task_timeout"),
                ),
                headers=attrs.get("headers"),
            )
            in_use = None
        except HistoryConflict:
            in_use = self._resume_child_start(child_wf, child_run, replaceable)
        except ExecutionIdInUse as err:
            in_use = None if err.run_id == child_run else err
        if in_use is not None:
            send_to_inbox(s, wf, run, "child_start_failed", f"child:{seq}:start", seq=seq)
        else:
            send_to_inbox(s, wf, run, "child_started", f"child:{seq}:start", seq=seq, child_run_id=child_run)

    def _resume_child_start(
        self, child_wf: str, child_run: str, replaceable: frozenset[WorkflowExecutionStatus]
    ) -> ExecutionIdInUse | None:
        """Finish a child start a crash cut short after its log was written."""
        s = self.services
        ledger = Ledger.of(s.history.load(execution_key(child_wf, child_run)))
        if ledger.decided or ledger.closed or ledger.started is None:
            return None  # it ran already: its record and start message did their work
        try:
            current = s.executions.get(child_wf).run_id
        except ExecutionNotFound:
            current = None
        if current != child_run:
            record = ExecutionRecord(
                workflow_id=child_wf,
                run_id=child_run,
                workflow_type=ledger.started["workflow_type"],
                task_queue=ledger.started["task_queue"],
                status=WorkflowExecutionStatus.RUNNING,
                start_time=ledger.start_time,
            )
            try:
                s.executions.create(record, replaceable=replaceable)
            except ExecutionIdInUse as err:
                if err.run_id != child_run:
                    return err
        send_deadline(s, ledger.started)
        due = execution_time(ledger.started)
        if due > s.clock.now():  # a cron child: its first task waits for the tick
            send_to_inbox_at(s, due, child_wf, child_run, "start", "start")
        else:
            send_to_inbox(s, child_wf, child_run, "start", "start")
        return None

    def _send_activity_task(self, ledger: Ledger, seq: int, *, at: float | None) -> None:
        act = ledger.activities[seq]
        started = ledger.started or {}
        sch = act.scheduled
        task: ActivityTask = {
            "workflow_id": started["workflow_id"],
            "run_id": started["run_id"],
            "workflow_type": started["workflow_type"],
            "workflow_task_queue": started["task_queue"],
            "seq": seq,
            "activity_id": sch["activity_id"],
            "activity_type": sch["activity_type"],
            "task_queue": sch["task_queue"],
            "input": sch["input"],
            "attempt": act.attempt,
            "heartbeat_details": act.heartbeat_details,
            "scheduled_time": act.scheduled_time,
            "attempt_scheduled_time": act.attempt_time,
            "schedule_to_close_timeout": sch.get("schedule_to_close_timeout"),
            "start_to_close_timeout": sch.get("start_to_close_timeout"),
            "heartbeat_timeout": sch.get("heartbeat_timeout"),
            "retry_policy": sch["retry_policy"],
        }
        if act.stamp:
            task["stamp"] = act.stamp
        if sch.get("schedule_to_start_timeout"):
            task["schedule_to_start_timeout"] = sch["schedule_to_start_timeout"]
        if sch.get("headers"):
            task["headers"] = sch["headers"]
        body = json.dumps(task, separators=(",", ":"))
        try:
            if at is not None and at > self.services.clock.now():
                # Under the attempt's key, so a re-dispatch names the same one-time schedule.
                dedup = fifo_dedup(started["run_id"], attempt_dedup(seq, act.attempt, act.stamp))
                self.services.timers.schedule(at, activity_queue_name(sch["task_queue"]), body, dedup_id=dedup)
            else:
                self.services.activity_queue(sch["task_queue"]).send(body)
        except UnknownTaskQueue as err:
            # Nothing would ever run it: fail the attempt for good, loudly, through the inbox.
            failure = _failure.from_exception(
                ApplicationError(
                    f"no activity queue for task queue {sch['task_queue']!r}: {err}",
                    type="UnknownTaskQueue",
                    non_retryable=True,
                )
            )
            send_to_inbox(
                self.services,
                started["workflow_id"],
                started["run_id"],
                "activity_result",
                attempt_dedup(seq, act.attempt, act.stamp),
                seq=seq,
                attempt=act.attempt,
                outcome="failed",
                failure=failure,
                **({"stamp": act.stamp} if act.stamp else {}),
            )
