"""The orchestrator: inbox message in, one committed decision and its dispatch out.

For each message: get the run's machine (warm from the cache, or replayed from the log),
turn the message into events (dropping duplicates and stale results), let the workflow
code decide, append the record with a conditional write, then dispatch what the record
asks for (activity tasks, timers, cancellations, the closing of the execution).

Crash safety: dispatch is derived from the committed record alone and every receiver is
idempotent, so a message redelivered after a crash between commit and dispatch finds
itself already consumed and dispatches that record again. Two orchestrators racing on
one run cannot both append at the same position; the loser reloads and retries.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from durable import _failure
from durable._limits import check_id
from durable._replay import events as ev
from durable._replay.children import ParentClosePolicy
from durable._replay.ledger import Ledger
from durable._replay.machine import HistoryMachine
from durable._replay.retry import backoff, next_retry
from durable._runtime.observability import log_context
from durable._runtime.ports import (
    CLOSED_STATUSES,
    ExecutionIdInUse,
    ExecutionNotFound,
    ExecutionRecord,
    HistoryConflict,
)
from durable._runtime.registry import Registry
from durable._runtime.services import INBOX, Services, UnknownTaskQueue, activity_queue_name, execution_key
from durable.common import WorkflowIDReusePolicy
from durable.exceptions import ApplicationError, CancelledError, RetryState, TerminatedError, TimeoutError, TimeoutType

__all__ = [
    "REPLACEABLE",
    "Orchestrator",
    "OrchestratorConflict",
    "begin_run",
    "execution_time",
    "finish_close",
    "inbox_body",
    "send_to_inbox",
    "terminate_run",
]

logger = logging.getLogger("durable.orchestrator")

_MAX_TASK_RETRY_DELAY = 600.0


_METRICS = {
    ev.WORKFLOW_STARTED: "WorkflowsStarted",
    ev.WORKFLOW_COMPLETED: "WorkflowsCompleted",
    ev.WORKFLOW_FAILED: "WorkflowsFailed",
    ev.WORKFLOW_CANCELED: "WorkflowsCanceled",
    ev.TASK_FAILED: "WorkflowTaskFailures",
    ev.ACTIVITY_SCHEDULED: "ActivitiesScheduled",
    ev.ACTIVITY_ATTEMPT_FAILED: "ActivityAttemptFailures",
    ev.ACTIVITY_FAILED: "ActivitiesFailed",
    ev.TIMER_STARTED: "TimersStarted",
}


@dataclass
class _Plan:
    """What a batch of messages amounts to for one run."""

    runtime_events: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    trigger: str | None = None  # dedup key of a message that asks for a decision by itself
    updates: list[dict[str, Any]] = field(default_factory=list)  # update requests, validated by the decision
    redispatch: set[int] = field(default_factory=set)
    ignored: int = 0
    cancel_requested: bool = False


class OrchestratorConflict(Exception):
    """Other writers kept winning the race for this run; the message is retried later."""


class Orchestrator:
    """Applies inbox messages to runs. One instance per Lambda container (or local env)."""

    def __init__(self, services: Services, registry: Registry, *, cache_size: int = 1000) -> None:
        self.services = services
        self.registry = registry
        # Imported here: the runner reuses the activity worker, which imports this module.
        from durable._runtime.local_activities import LocalActivityRunner

        self._local_activities = LocalActivityRunner(services, registry)
        self._cache: OrderedDict[str, HistoryMachine] = OrderedDict()
        self._cache_size = cache_size
        self._schedule_runner: Any = None

    # -- entry point ---------------------------------------------------------------------

    def handle(self, body: dict[str, Any]) -> None:
        """Apply one inbox message (see :meth:`handle_batch`)."""
        self.handle_batch([body])

    def handle_batch(self, bodies: list[dict[str, Any]]) -> None:
        """Apply consecutive inbox messages of one run as a single decision.

        A start and the signals sent right after it thus reach the first workflow task
        together, as in Temporal, and a batch costs one write instead of one per message.

        Raises:
            OrchestratorConflict: lost the race for the run three times in a row.
        """
        if bodies[0]["kind"] == "schedule_fire":
            for body in bodies:
                self.schedule_runner.fire(body["schedule_id"], body["nominal"])
            return
        starts = [i for i, b in enumerate(bodies) if b["kind"] == "start"]
        if starts and len(bodies) > starts[0] + 1:
            # The first workflow task goes to a worker as soon as the run starts: what
            # arrives after the start belongs to the next decision.
            self.handle_batch(bodies[: starts[0] + 1])
            self.handle_batch(bodies[starts[0] + 1 :])
            return
        key = execution_key(bodies[0]["workflow_id"], bodies[0]["run_id"])
        with log_context(workflow_id=bodies[0]["workflow_id"], run_id=bodies[0]["run_id"]):
            for _ in range(3):
                machine, warm = self._machine(key)
                try:
                    self._apply(key, machine, bodies, warm)
                    return
                except HistoryConflict:
                    logger.info("another orchestrator committed to %s first; reloading", key)
                    self.services.metrics.count("HistoryConflicts")
                    self._cache.pop(key, None)
            raise OrchestratorConflict(f"gave up applying messages to {key} after three conflicts")

    def engine_failed(self, workflow_id: str, run_id: str, err: BaseException) -> None:
        """Show on the run why its messages failed outside workflow code (an AWS error, a bug).

        The messages are retried; this makes the failing task visible in describe(), the
        CLI and the UI, and counted, instead of only in a log line. Best effort: the
        failure being recorded may be the very outage that failed the messages.
        """
        self.services.metrics.count("WorkflowTaskFailures")
        failure = _failure.from_exception(
            ApplicationError(
                f"the engine could not process this run's messages; retrying: {type(err).__name__}: {err}",
                type="EngineError",
            )
        )
        try:
            self.services.executions.set_task_failure(workflow_id, run_id, failure)
        except Exception:  # noqa: BLE001 - the retry is what matters; the log has the cause
            logger.warning("could not record the failure of %s on its execution record", workflow_id, exc_info=True)

    def engine_recovered(self, workflow_id: str, run_id: str) -> None:
        """Clear an engine failure once a retry went through (a workflow-code failure stays)."""
        try:
            shown = self.services.executions.get(workflow_id).task_failure or {}
        except ExecutionNotFound:
            return
        if (shown.get("application") or {}).get("type") == "EngineError":
            self.services.executions.set_task_failure(workflow_id, run_id, None)

    @property
    def schedule_runner(self) -> Any:
        """Takes schedules' actions (made on first use: most invocations never need it)."""
        if self._schedule_runner is None:
            from durable._runtime.schedules import ScheduleRunner  # it builds on this module

            self._schedule_runner = ScheduleRunner(self.services)
        return self._schedule_runner

    def load(self, key: str) -> HistoryMachine:
        """A machine replayed from the whole log (cold)."""
        machine = HistoryMachine(self.registry.workflow)
        machine.replay(self.services.history.load(key))
        return machine

    def _machine(self, key: str) -> tuple[HistoryMachine, bool]:
        machine = self._cache.get(key)
        if machine is not None and not machine.poisoned:
            self._cache.move_to_end(key)
            return machine, True
        machine = self.load(key)
        self._remember(key, machine)
        return machine, False

    def _remember(self, key: str, machine: HistoryMachine) -> None:
        self._cache[key] = machine
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _refresh(self, key: str, machine: HistoryMachine) -> None:
        """Catch a warm machine up with records other orchestrators committed."""
        machine.replay(self.services.history.load(key, after_event_id=machine.ledger.last_event_id))

    # -- one message ---------------------------------------------------------------------

    def _apply(self, key: str, machine: HistoryMachine, bodies: list[dict[str, Any]], warm: bool) -> None:
        now = self.services.clock.now()
        plan = self._plan(machine, bodies, now)
        if plan.ignored and warm:
            # Something looked stale to a warm machine: make sure it is not merely behind.
            self._refresh(key, machine)
            plan = self._plan(machine, bodies, now)
        for record_id in sorted(plan.redispatch):
            # Consumed before: a duplicate delivery, or a redelivery after a crash that
            # may have cut the dispatch short. Dispatching again is harmless.
            self._dispatch(key, machine, machine.ledger.records[record_id])
        if not (plan.runtime_events or plan.inputs or plan.trigger or plan.updates):
            return
        record = list(plan.runtime_events)
        if self._waiting_for_tick(machine, plan, now):
            # A cron run before its tick: as in Temporal, signals wait with the start for
            # the first workflow task (a cancellation does not: it starts the run at once).
            record += plan.inputs
            plan.inputs, plan.trigger = [], None
            plan.updates = []  # their callers ask again until the run has started
        if (plan.inputs or plan.trigger or plan.updates) and (
            start_update := self._start_update(machine, plan)
        ) is not None:
            plan.updates.insert(0, start_update)
        try:
            if plan.inputs or plan.trigger or plan.updates:
                record += machine.decide(
                    plan.inputs, now, dedup=plan.trigger, updates=plan.updates, run_local=self._local_activities.run
                )
                if not any(e["event_type"] in ev.TASK_MARKERS for e in record):
                    self._waiting_for_worker(machine)
            if _only_rejections(record):
                # As Temporal drops a speculative workflow task: a decision that only
                # rejected updates changed nothing, so the log gets nothing.
                record = []
            if not record:
                self._reject_updates(key, machine)
                return
            first = machine.ledger.last_event_id + 1
            for offset, event in enumerate(record):
                event["event_id"] = first + offset
            self.services.history.append(key, record)  # HistoryConflict: another orchestrator won
        except BaseException:
            # The instance ran ahead of a log that did not take the record: never reuse it.
            self._cache.pop(key, None)
            raise
        machine.committed(record)
        if machine.poisoned:
            self._cache.pop(key, None)
        self._reject_updates(key, machine)
        self._count(record)
        self._dispatch(key, machine, record)

    @staticmethod
    def _waiting_for_tick(machine: HistoryMachine, plan: _Plan, now: float) -> bool:
        ledger = machine.ledger
        return (
            ledger.started is not None
            and not ledger.decided
            and not plan.cancel_requested
            and plan.trigger != "start"
            and now < execution_time(ledger.started)
        )

    @staticmethod
    def _start_update(machine: HistoryMachine, plan: _Plan) -> dict[str, Any] | None:
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

    def decide_first_task(self, workflow_id: str, run_id: str) -> bool:
        """Make a new run's first decision now, in the caller (eager start); True if it was made.

        The same path as the start message's (``handle_batch``), so the record, its commit
        and its dispatch are what the inbox would have produced. False when no decision
        could be made here (no worker serves the task queue): the caller sends the start
        message instead.

        The machine is this call's own, loaded cold and never cached: the caller may be
        another thread than the inbox's (a client, an HTTP request), and a message for the
        same run (a signal to the new run) may be applied meanwhile; the conditional append
        decides between the two, as between two orchestrator invocations. (On AWS the API
        function decides here and the orchestrator function next, so a cached machine
        would never be used again.)

        Raises:
            OrchestratorConflict, or an AWS error: the caller sends the start message.
        """
        key = execution_key(workflow_id, run_id)
        body = json.loads(inbox_body(workflow_id, run_id, "start", "start"))
        with log_context(workflow_id=workflow_id, run_id=run_id):
            for _ in range(3):
                machine = self.load(key)
                try:
                    self._apply(key, machine, [body], warm=False)
                except HistoryConflict:
                    self.services.metrics.count("HistoryConflicts")
                    continue
                return "start" in machine.ledger.consumed
        raise OrchestratorConflict(f"gave up deciding the first task of {key} after three conflicts")

    def _reject_updates(self, key: str, machine: HistoryMachine) -> None:
        """Tell the callers of rejected updates, once the decision that rejected them stands.

        Written after the commit: a decision that lost the race is made again, and may
        then accept the update, so an earlier rejection would have been a lie.
        """
        for rejected in machine.rejected_updates:
            self.services.executions.reject_update(key, rejected["request_id"], rejected["failure"])
        machine.rejected_updates = []

    def _count(self, record: list[dict[str, Any]]) -> None:
        """Metrics of a newly committed record (a re-dispatch counts nothing twice)."""
        metrics = self.services.metrics
        metrics.count("WorkflowTasks")
        for event in record:
            name = _METRICS.get(event["event_type"])
            if name is not None:
                metrics.count(name)

    def _waiting_for_worker(self, machine: HistoryMachine) -> None:
        started = machine.ledger.started or {}
        failure = _failure.from_exception(
            ApplicationError(
                f"no worker serves task queue {started.get('task_queue')!r} yet; the workflow task waits for one",
                type="NoWorker",
            )
        )
        self.services.executions.set_task_failure(started["workflow_id"], started["run_id"], failure)

    def _plan(self, machine: HistoryMachine, bodies: list[dict[str, Any]], now: float) -> _Plan:
        plan = _Plan()
        seen: set[str] = set()
        for body in bodies:
            dedup = body["dedup"]
            if (record_id := machine.ledger.consumed.get(dedup)) is not None:
                plan.redispatch.add(record_id)
                continue
            if dedup in seen:
                continue
            seen.add(dedup)
            if body["kind"] == "update":
                if self._admit_update(machine, body, plan):
                    plan.updates.append(body)
                else:
                    plan.ignored += 1
                continue
            translated = self._translate(machine, body, now)
            if translated is None or (body["kind"] == "cancel" and plan.cancel_requested):
                plan.ignored += 1
                logger.debug("ignored %s message for %s (stale or closed run)", body["kind"], dedup)
                continue
            runtime_events, inputs, trigger = translated
            if any(e["event_type"] == ev.WORKFLOW_TERMINATED for e in runtime_events):
                plan.runtime_events, plan.inputs, plan.trigger = runtime_events, [], None
                return plan  # nothing after a termination matters
            plan.runtime_events += runtime_events
            plan.inputs += inputs
            plan.cancel_requested |= body["kind"] == "cancel"
            if trigger and plan.trigger is None:
                plan.trigger = dedup
        return plan

    @staticmethod
    def _admit_update(machine: HistoryMachine, body: dict[str, Any], plan: _Plan) -> bool:
        """Whether an update request goes to the decision: not for a closed run, and not
        for an update id already accepted (its caller reads that outcome, as Temporal
        deduplicates updates by id)."""
        ledger = machine.ledger
        if ledger.started is None or ledger.closed or body["update_id"] in ledger.updates:
            return False
        return all(u["update_id"] != body["update_id"] for u in plan.updates)

    def _translate(
        self, machine: HistoryMachine, body: dict[str, Any], now: float
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool] | None:
        """(engine events, workflow inputs, whether to decide without inputs), or None to ignore."""
        ledger = machine.ledger
        kind, dedup = body["kind"], body["dedup"]
        if kind == "start":
            if ledger.started is None:  # the start event is not in the log: write it now
                fields = _pick(body, "workflow_id", "run_id", "workflow_type", "task_queue", "input", "start_time")
                return [], [_event(ev.WORKFLOW_STARTED, now, dedup, **fields)], False
            if ledger.decided or ledger.closed or ledger.task_failure is not None:
                return None  # a duplicate, or a cron run terminated before its tick
            if now < execution_time(ledger.started):
                return None  # a duplicate, early: the cron run's start timer delivers the real one
            return [], [], True  # the first decision, on the start event the client logged
        if ledger.started is None or ledger.closed:
            if ledger.closed and body.get("follow") and kind in ("signal", "cancel"):
                self._follow_continuation(ledger, body)
            return None
        if kind == "signal":
            return [], [_event(ev.SIGNALED, now, dedup, signal_name=body["name"], input=body["input"])], False
        if kind == "cancel":
            if ledger.cancel_requested:
                return None
            return [], [_event(ev.CANCEL_REQUESTED, now, dedup, reason=body.get("reason", ""))], False
        if kind == "terminate":
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
        if kind == "timer":
            if body["seq"] not in ledger.timers:
                return None
            return [], [_event(ev.TIMER_FIRED, now, dedup, seq=body["seq"])], False
        if kind == "wake":  # a worker joined: decide on whatever waits
            if ledger.decided and not machine.pending_inputs and ledger.task_failure is None:
                return None
            return [], [], True
        if kind == "external_done":
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
        if kind == "child_started":
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
        if kind == "child_start_failed":
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
        if kind == "child_closed":
            return _child_closed(machine, body, now)
        if kind == "task_retry":
            if ledger.task_failure is None or ledger.task_attempt != body["attempt"]:
                return None
            return [], [], True
        if kind == "activity_result":
            return self._activity_result(machine, body, now)
        raise ValueError(f"unknown inbox message kind {kind!r}")

    def _activity_result(
        self, machine: HistoryMachine, body: dict[str, Any], now: float
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool] | None:
        act = machine.ledger.activities.get(body["seq"])
        if act is None or act.attempt != body["attempt"]:
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
        failure = body.get("failure") or _failure.from_exception(
            ApplicationError("activity reported cancellation unasked")
        )
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
            return [retry], [], False
        cause: BaseException = _failure.to_exception(failure)
        timed_out = isinstance(cause, TimeoutError)
        if state == RetryState.TIMEOUT:
            timeout = TimeoutError(
                "activity ScheduleToClose timeout", type=TimeoutType.SCHEDULE_TO_CLOSE, last_heartbeat_details=[]
            )
            timeout.__cause__ = cause
            cause, timed_out = timeout, True
        final = _failure.from_exception(cause)
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

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self, key: str, machine: HistoryMachine, record: list[dict[str, Any]]) -> None:
        """Do what a committed record asks of the world. Every step is idempotent."""
        ledger = machine.ledger
        started = ledger.started or {}
        wf, run = started.get("workflow_id", ""), started.get("run_id", "")
        s = self.services
        for event in record:
            kind, attrs = event["event_type"], event["attributes"]
            if kind == ev.ACTIVITY_SCHEDULED:
                if (act := ledger.activities.get(attrs["seq"])) is not None and act.attempt == 1:
                    self._send_activity_task(machine, attrs["seq"], at=None)
            elif kind == ev.ACTIVITY_ATTEMPT_FAILED:
                if (act := ledger.activities.get(attrs["seq"])) is not None and act.attempt == attrs["attempt"] + 1:
                    self._send_activity_task(machine, attrs["seq"], at=attrs["next_attempt_time"])
            elif kind == ev.ACTIVITY_CANCEL_REQUESTED:
                if (act := ledger.activities.get(attrs["seq"])) is not None:
                    s.executions.request_activity_cancel(key, act.scheduled["activity_id"])
            elif kind in (ev.SIGNAL_EXTERNAL_INITIATED, ev.CANCEL_EXTERNAL_INITIATED):
                which = "signal" if kind == ev.SIGNAL_EXTERNAL_INITIATED else "cancel"
                if (which, attrs["seq"]) in ledger.externals:
                    self._deliver_external(wf, run, which, attrs)
            elif kind == ev.TIMER_STARTED:
                if attrs["seq"] in ledger.timers:
                    self._to_inbox_at(
                        event["event_time"] + attrs["duration"],
                        wf,
                        run,
                        "timer",
                        f"timer:{attrs['seq']}",
                        seq=attrs["seq"],
                    )
            elif kind == ev.TASK_FAILED:
                attempt = attrs["attempt"]
                s.executions.set_task_failure(wf, run, {**attrs["failure"], "attempt": attempt})
                delay = backoff(1.0, 2.0, _MAX_TASK_RETRY_DELAY, attempt)
                self._to_inbox_at(
                    event["event_time"] + delay, wf, run, "task_retry", f"task_retry:{attempt}", attempt=attempt
                )
                logger.error(
                    "workflow task failed for %s (attempt %d): %s", key, attempt, attrs["failure"].get("message")
                )
            elif kind == ev.TASK_COMPLETED and attrs.get("recovered"):
                s.executions.set_task_failure(wf, run, None)
            elif kind == ev.START_CHILD_INITIATED:
                if (child := ledger.children.get(attrs["seq"])) is not None and not child.started:
                    self._start_child(wf, run, attrs)
                    if ledger.closed and not any(e["event_type"] in ev.TERMINAL_EVENTS for e in record):
                        # The run closed (terminated) before this start was dispatched:
                        # its close could not see the child, so apply the policy now.
                        _apply_parent_close_policy(s, ledger)
            elif kind == ev.UPSERT_SEARCH_ATTRIBUTES:
                # The whole current map, from the log: a late re-dispatch of an older record
                # writes the latest attributes too, never a stale set.
                s.executions.set_visibility(wf, run, ledger.search_attributes)
            elif kind in ev.TERMINAL_EVENTS:
                finish_close(s, ledger)
                if kind == ev.WORKFLOW_CONTINUED_AS_NEW:
                    self._continue(wf, run, attrs, parent=started.get("parent"), ledger=ledger)
                elif (retry := _retry_of(ledger)) is not None:
                    self._retry(ledger, *retry)

    def _deliver_external(self, wf: str, run: str, which: str, attrs: dict[str, Any]) -> None:
        """Signal or cancel another workflow, then tell this run how it went (idempotent)."""
        seq, target = attrs["seq"], attrs["workflow_id"]
        done = f"ext:{which}:{seq}"
        try:
            record = self.services.executions.get(target)
            if record.status != "RUNNING" or (attrs.get("run_id") and attrs["run_id"] != record.run_id):
                raise ExecutionNotFound(target)
        except ExecutionNotFound:
            failure = _failure.from_exception(
                ApplicationError(f"Unable to {which} external workflow because it was not found", type="NotFound")
            )
            self._to_inbox(wf, run, "external_done", done, which=which, seq=seq, failure=failure)
            return
        # Keyed by this run and command: a re-dispatch delivers nothing twice.
        key = f"ext:{run}:{which}:{seq}"
        if which == "signal":
            send_to_inbox(
                self.services, target, record.run_id, "signal", key, name=attrs["signal_name"], input=attrs["input"]
            )
        else:
            send_to_inbox(self.services, target, record.run_id, "cancel", key, reason=f"requested by workflow {wf}")
        self._to_inbox(wf, run, "external_done", done, which=which, seq=seq)

    def _start_child(self, wf: str, run: str, attrs: dict[str, Any]) -> None:
        """Start a child run, then tell this run whether it started (idempotent).

        The child's run id comes from the command, so a re-dispatch after a crash finds
        the run it began before (its log, then its record) and finishes that start.
        """
        s, seq = self.services, attrs["seq"]
        child_wf, child_run = attrs["workflow_id"], attrs["run_id"]
        replaceable = REPLACEABLE[WorkflowIDReusePolicy(attrs["id_reuse_policy"])]
        try:
            retry = {"retry_policy": attrs["retry_policy"], "attempt": 1} if attrs.get("retry_policy") else {}
            begin_run(
                s,
                workflow_type=attrs["workflow_type"],
                workflow_id=child_wf,
                run_id=child_run,
                task_queue=attrs["task_queue"],
                input=attrs["input"],
                replaceable=replaceable,
                carried={"parent": {"workflow_id": wf, "run_id": run, "seq": seq}, **retry},
            )
            in_use = None
        except HistoryConflict:
            in_use = self._resume_child_start(child_wf, child_run, replaceable)
        except ExecutionIdInUse as err:
            in_use = None if err.run_id == child_run else err
        if in_use is not None:
            self._to_inbox(wf, run, "child_start_failed", f"child:{seq}:start", seq=seq)
        else:
            self._to_inbox(wf, run, "child_started", f"child:{seq}:start", seq=seq, child_run_id=child_run)

    def _resume_child_start(
        self, child_wf: str, child_run: str, replaceable: frozenset[str]
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
                status="RUNNING",
                start_time=ledger.start_time,
            )
            try:
                s.executions.create(record, replaceable=replaceable)
            except ExecutionIdInUse as err:
                if err.run_id != child_run:
                    return err
        send_to_inbox(s, child_wf, child_run, "start", "start")
        return None

    def _retry(self, ledger: Ledger, delay: float, new_run_id: str) -> None:
        """Start the next attempt of a failed run that has a retry policy (as Temporal does)."""
        started = ledger.started or {}
        attrs = {
            "new_execution_run_id": new_run_id,
            "workflow_type": started["workflow_type"],
            "task_queue": started["task_queue"],
            "input": started["input"],
            "backoff_start_interval": delay,
            "first_execution_run_id": started.get("first_execution_run_id") or started["run_id"],
        }
        carry = {"retry_policy": started["retry_policy"], "attempt": started.get("attempt", 1) + 1}
        self._continue(
            started["workflow_id"], started["run_id"], attrs, parent=started.get("parent"), carry=carry, ledger=ledger
        )

    def _follow_continuation(self, ledger: Ledger, body: dict[str, Any]) -> None:
        """Hand a message sent to the workflow id on to the run this one continued as.

        The next run is begun first (idempotent: it usually is already), so the message
        never reaches a run that has no history yet; its dedup key stays the same, so a
        redelivery is applied once.
        """
        close = ledger.close_event
        if ledger.status != "CONTINUED_AS_NEW" or close is None:
            logger.warning("%s message %s reached closed run %s", body["kind"], body["dedup"], body["run_id"])
            return
        attrs = close["attributes"]
        started = ledger.started or {}
        self._continue(body["workflow_id"], body["run_id"], attrs, parent=started.get("parent"), ledger=ledger)
        fields = {k: v for k, v in body.items() if k not in ("kind", "workflow_id", "run_id", "dedup")}
        send_to_inbox(
            self.services, body["workflow_id"], attrs["new_execution_run_id"], body["kind"], body["dedup"], **fields
        )

    def _continue(
        self,
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
                self.services,
                workflow_type=attrs["workflow_type"],
                workflow_id=workflow_id,
                run_id=attrs["new_execution_run_id"],
                task_queue=attrs["task_queue"],
                input=attrs["input"],
                continued_run_id=run_id,
                cron_schedule=attrs.get("cron_schedule"),
                first_task_backoff=attrs.get("backoff_start_interval", 0.0),
                memo=(ledger.started or {}).get("memo") if ledger else None,
                search_attributes=ledger.search_attributes if ledger else None,
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
            started = Ledger.of(self.services.history.load(execution_key(workflow_id, new_run))).started or {}
            due = execution_time(started) if started else 0.0
            if due > self.services.clock.now():  # a cron run: its start waits for the tick
                body = inbox_body(workflow_id, new_run, "start", "start")
                self.services.timers.schedule(
                    due, INBOX, body, group_id=workflow_id, dedup_id=fifo_dedup(new_run, "start")
                )
            else:
                send_to_inbox(self.services, workflow_id, new_run, "start", "start")
        except ExecutionIdInUse as err:
            if err.run_id != attrs["new_execution_run_id"]:
                logger.error("workflow %s continued as new, but run %s holds its id", workflow_id, err.run_id)

    def _send_activity_task(self, machine: HistoryMachine, seq: int, *, at: float | None) -> None:
        ledger = machine.ledger
        act = ledger.activities[seq]
        started = ledger.started or {}
        sch = act.scheduled
        task = {
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
        body = json.dumps(task, separators=(",", ":"))
        try:
            if at is not None and at > self.services.clock.now():
                self.services.timers.schedule(at, activity_queue_name(sch["task_queue"]), body)
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
            self._to_inbox(
                started["workflow_id"],
                started["run_id"],
                "activity_result",
                f"act:{seq}:{act.attempt}",
                seq=seq,
                attempt=act.attempt,
                outcome="failed",
                failure=failure,
            )

    def _to_inbox(self, wf: str, run: str, kind: str, dedup: str, **fields: Any) -> None:
        send_to_inbox(self.services, wf, run, kind, dedup, **fields)

    def _to_inbox_at(self, at: float, wf: str, run: str, kind: str, dedup: str, **fields: Any) -> None:
        body = inbox_body(wf, run, kind, dedup, **fields)
        self.services.timers.schedule(at, INBOX, body, group_id=wf, dedup_id=fifo_dedup(run, dedup))


def _only_rejections(record: list[dict[str, Any]]) -> bool:
    """A record that is nothing but a plain ``WorkflowTaskCompleted``: no input, no command."""
    return (
        len(record) == 1
        and record[0]["event_type"] == ev.TASK_COMPLETED
        and not record[0]["attributes"].get("recovered")
        and "dedup" not in record[0]["attributes"]
    )


def begin_run(
    services: Services,
    *,
    workflow_type: str,
    workflow_id: str,
    run_id: str,
    task_queue: str,
    input: list[str],
    replaceable: frozenset[str] = CLOSED_STATUSES,
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
    :meth:`Orchestrator._start_update`). ``send_start=False`` leaves the start message to
    the caller, which decides the first workflow task itself (eager start).
    """
    # Before anything is written: an id AWS's keys or Temporal would refuse fails here, whole.
    check_id("workflow id", workflow_id)
    check_id("workflow type", workflow_type)
    check_id("task queue", task_queue)
    now = services.clock.now()
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
    )
    first = [started]
    if start_signal is not None:
        first.append(
            ev.make_event(
                ev.SIGNALED, now, signal_name=start_signal, input=start_signal_input or [], dedup="start-signal"
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
        status="RUNNING",
        start_time=now,
        memo=dict(memo or {}),
        search_attributes=dict(search_attributes or {}),
        request_id=request_id,
    )
    services.executions.create(record, replaceable=replaceable)
    fields = {"workflow_type": workflow_type, "task_queue": task_queue, "input": input, "start_time": now}
    if not send_start:
        return
    if first_task_backoff > 0:
        body = inbox_body(workflow_id, run_id, "start", "start", **fields)
        services.timers.schedule(
            now + first_task_backoff, INBOX, body, group_id=workflow_id, dedup_id=fifo_dedup(run_id, "start")
        )
    else:
        send_to_inbox(services, workflow_id, run_id, "start", "start", **fields)


REPLACEABLE = {
    WorkflowIDReusePolicy.ALLOW_DUPLICATE: CLOSED_STATUSES,
    WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY: frozenset({"FAILED", "CANCELED", "TERMINATED", "TIMED_OUT"}),
    WorkflowIDReusePolicy.REJECT_DUPLICATE: frozenset(),
    WorkflowIDReusePolicy.TERMINATE_IF_RUNNING: CLOSED_STATUSES,
}
"""Which closed runs a new run of the same workflow id may replace, per reuse policy."""


def finish_close(services: Services, ledger: Ledger) -> None:
    """What follows a run's terminal event: its record, its parent, its children (idempotent)."""
    started = ledger.started or {}
    wf, run = started["workflow_id"], started["run_id"]
    services.executions.close(wf, run, ledger.status, ledger.close_time or services.clock.now(), ledger.last_event_id)
    _report_to_parent(services, ledger)
    _apply_parent_close_policy(services, ledger)
    if started.get("scheduled_by_id") and ledger.status != "CONTINUED_AS_NEW" and _retry_of(ledger) is None:
        from durable._runtime.schedules import ScheduleRunner  # it builds on this module

        try:
            ScheduleRunner(services).workflow_closed(started["scheduled_by_id"], wf, ledger.status)
        except Exception:  # noqa: BLE001 - the close itself is done; the schedule catches up
            # A buffered start then waits for the schedule's next action (which drains the
            # buffer first); the close must not fail for it, nor the reconciler's pass.
            logger.exception("schedule %s was not told that %s closed", started["scheduled_by_id"], wf)


def _retry_of(ledger: Ledger) -> tuple[float, str] | None:
    """(back-off, run id) of the next attempt of a failed run with a retry policy, or None.

    A pure function of the closed log, so a re-dispatch decides the same.
    """
    started = ledger.started or {}
    if ledger.status != "FAILED" or not started.get("retry_policy") or ledger.close_event is None:
        return None
    attempt = started.get("attempt", 1)
    delay, _ = next_retry(
        started["retry_policy"],
        attempt,
        ledger.close_event["attributes"]["failure"],
        now=ledger.close_time or 0.0,
        scheduled_time=ledger.start_time,
        schedule_to_close_timeout=None,
    )
    if delay is None:
        return None
    return delay, str(uuid.uuid5(uuid.UUID(started["run_id"]), f"retry/{attempt + 1}"))


def _report_to_parent(services: Services, ledger: Ledger) -> None:
    started = ledger.started or {}
    parent = started.get("parent")
    if not parent or ledger.status == "CONTINUED_AS_NEW" or _retry_of(ledger) is not None:
        return  # the next run of the chain reports
    attrs = (ledger.close_event or {}).get("attributes", {})
    fields: dict[str, Any] = {"seq": parent["seq"], "status": ledger.status, "child_run_id": started["run_id"]}
    if ledger.status == "COMPLETED":
        fields["result"] = attrs["result"]
    elif ledger.status == "FAILED":
        fields["failure"] = attrs["failure"]
    send_to_inbox(
        services, parent["workflow_id"], parent["run_id"], "child_closed", f"child:{parent['seq']}:closed", **fields
    )


def _apply_parent_close_policy(services: Services, ledger: Ledger) -> None:
    started = ledger.started or {}
    wf, run = started["workflow_id"], started["run_id"]
    for seq, child in ledger.children.items():
        policy = child.initiated["parent_close_policy"]
        if policy == ParentClosePolicy.ABANDON:
            continue
        child_wf = child.initiated["workflow_id"]
        child_run = _current_run_of_child(services, child_wf, child.initiated["run_id"], wf, run)
        if child_run is None:
            continue  # closed already, or its id belongs to another workflow now
        dedup = f"parent-close:{run}:{seq}"
        if policy == ParentClosePolicy.REQUEST_CANCEL:
            send_to_inbox(services, child_wf, child_run, "cancel", dedup, reason=f"parent workflow {wf} closed")
        else:
            terminate_run(services, child_wf, child_run, reason="by parent close policy", details=[], dedup=dedup)


def _current_run_of_child(
    services: Services, child_wf: str, child_run: str, parent_wf: str, parent_run: str
) -> str | None:
    """The running run of a child: its first run, or a later one of its continue-as-new chain."""
    try:
        record = services.executions.get(child_wf)
    except ExecutionNotFound:
        return None
    if record.status != "RUNNING":
        return None
    if record.run_id == child_run:
        return child_run
    started = Ledger.of(services.history.load(execution_key(child_wf, record.run_id))).started or {}
    parent = started.get("parent") or {}
    return record.run_id if (parent.get("workflow_id"), parent.get("run_id")) == (parent_wf, parent_run) else None


def terminate_run(
    services: Services, workflow_id: str, run_id: str, *, reason: str, details: list[str], dedup: str
) -> bool:
    """Close a run as TERMINATED now; False if it had closed already.

    A repeat with the same ``dedup`` (a re-dispatch after a crash) finishes the close of
    the termination it made before.
    """
    key = execution_key(workflow_id, run_id)
    for _ in range(5):
        ledger = Ledger.of(services.history.load(key))
        if ledger.closed:
            if (ledger.close_event or {}).get("attributes", {}).get("dedup") == dedup:
                finish_close(services, ledger)
            return False
        now = services.clock.now()
        event = ev.make_event(ev.WORKFLOW_TERMINATED, now, reason=reason, details=details, dedup=dedup)
        event["event_id"] = ledger.last_event_id + 1
        try:
            services.history.append(key, [event])
        except HistoryConflict:
            continue  # the orchestrator committed meanwhile: look again
        ledger.observe([event])
        for act in ledger.activities.values():  # heartbeating activities learn they must stop
            services.executions.request_activity_cancel(key, act.scheduled["activity_id"])
        finish_close(services, ledger)
        return True
    raise HistoryConflict(f"workflow execution {workflow_id} kept changing; terminate again")


def _child_closed(
    machine: HistoryMachine, body: dict[str, Any], now: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool] | None:
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


def execution_time(started: dict[str, Any]) -> float:
    """When a run's first workflow task is due: its start, or a cron run's first tick."""
    return float(started["start_time"]) + float(started.get("first_workflow_task_backoff", 0.0))


def inbox_body(workflow_id: str, run_id: str, kind: str, dedup: str, **fields: Any) -> str:
    """The JSON of an inbox message."""
    return json.dumps(
        {"kind": kind, "workflow_id": workflow_id, "run_id": run_id, "dedup": dedup, **fields}, separators=(",", ":")
    )


def send_to_inbox(services: Services, workflow_id: str, run_id: str, kind: str, dedup: str, **fields: Any) -> None:
    """Send one message to a run's inbox (FIFO group = workflow id)."""
    services.inbox.send(
        inbox_body(workflow_id, run_id, kind, dedup, **fields), group_id=workflow_id, dedup_id=fifo_dedup(run_id, dedup)
    )


def fifo_dedup(run_id: str, dedup: str) -> str:
    """The deduplication id of a run's message: unique per run (Services derives the id SQS
    takes from it: a digest when it is long or has characters SQS refuses)."""
    return f"{run_id}:{dedup}"


def _event(kind: str, now: float, dedup: str, **attrs: Any) -> dict[str, Any]:
    return ev.make_event(kind, now, dedup=dedup, **attrs)


def _pick(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: body[n] for n in names}
