"""The orchestrator: inbox message in, one committed decision and its dispatch out.

For each message: get the run's machine (warm from the cache, or replayed from the log),
turn the message into events (dropping duplicates and stale results), let the workflow
code decide, append the record with a conditional write, then dispatch what the record
asks for (activity tasks, timers, cancellations, the closing of the execution).

Crash safety: dispatch is derived from the committed record alone and every receiver is
idempotent, so a message redelivered after a crash between commit and dispatch finds
itself already consumed and dispatches that record again. Two orchestrators racing on
one run cannot both append at the same position; the loser reloads and retries.

The orchestrator coordinates; each job is a module of its own: the message shapes and
their sends (:mod:`.inbox`), messages into events (:mod:`.translate`, pure), the
dispatch of a committed record (:mod:`.dispatch`), how runs begin and end
(:mod:`.lifecycle`, :mod:`.close`), local activities (:mod:`.local_activities`).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from typing import cast

from durable import _failure
from durable._build_ids import stamp_build_id
from durable._codec.engine import decoded_messages
from durable._metrics.workflow_meter import metric_meter_of_workflows
from durable._replay import events as ev
from durable._replay.events import Event
from durable._replay.machine import HistoryMachine
from durable._runtime import run_metrics, signal_fence, translate
from durable._runtime.dispatch import Dispatcher
from durable._runtime.inbox import InboxMessage, RunMessage, ScheduleFireMessage, inbox_body
from durable._runtime.local_activities import LocalActivityRunner
from durable._runtime.observability import log_context
from durable._runtime.ports import ExecutionNotFound, HistoryConflict
from durable._runtime.registry import Registry
from durable._runtime.reset import hand_on
from durable._runtime.schedules import ScheduleRunner
from durable._runtime.services import Services, execution_key
from durable.exceptions import ApplicationError

__all__ = ["Orchestrator", "OrchestratorConflict"]

logger = logging.getLogger("durable.orchestrator")


_METRICS = {
    # Closes are counted under Temporal's names (temporal_workflow_completed, ...: run_metrics).
    ev.WORKFLOW_STARTED: "WorkflowsStarted",
    ev.TASK_FAILED: "WorkflowTaskFailures",
    ev.ACTIVITY_SCHEDULED: "ActivitiesScheduled",
    ev.ACTIVITY_ATTEMPT_FAILED: "ActivityAttemptFailures",
    ev.ACTIVITY_FAILED: "ActivitiesFailed",
    ev.TIMER_STARTED: "TimersStarted",
}


class OrchestratorConflict(Exception):
    """Other writers kept winning the race for this run; the message is retried later."""


class Orchestrator:
    """Applies inbox messages to runs. One instance per Lambda container (or local env)."""

    def __init__(self, services: Services, registry: Registry, *, cache_size: int = 1000) -> None:
        self.services = services
        self.registry = registry
        self._local_activities = LocalActivityRunner(services, registry)
        self._dispatcher = Dispatcher(services)
        self._cache: OrderedDict[str, HistoryMachine] = OrderedDict()
        self._cache_size = cache_size
        self._schedule_runner: ScheduleRunner | None = None
        self._read_ahead: dict[str, list[Event]] = {}

    # -- entry point ---------------------------------------------------------------------

    def handle(self, body: InboxMessage) -> None:
        """Apply one inbox message (see :meth:`handle_batch`)."""
        self.handle_batch([body])

    def handle_batch(self, bodies: list[InboxMessage], *, sent_at: float | None = None, together: bool = False) -> None:
        """Apply consecutive inbox messages of one run as a single decision.

        A start and the signals sent right after it thus reach the first workflow task
        together, as in Temporal, and a batch costs one write instead of one per message.
        ``sent_at`` (epoch seconds) is when the batch's first message was sent: the workflow
        task's schedule-to-start latency is measured from it. ``together``: a start and what
        follows it make one decision (see below).

        Raises:
            OrchestratorConflict: lost the race for the run three times in a row.
        """
        bodies = decoded_messages(self.services, bodies)  # a codec's failure is this run's task's
        if bodies[0]["kind"] == "schedule_fire":
            for fire in cast(list[ScheduleFireMessage], bodies):
                self.schedule_runner.fire(fire["schedule_id"], fire["nominal"])
            return
        starts = [i for i, b in enumerate(bodies) if b["kind"] == "start"]
        if starts and len(bodies) > starts[0] + 1 and not together:
            # The first workflow task goes to a worker as soon as the run starts: what
            # arrives after the start belongs to the next decision...
            try:
                self.handle_batch(bodies[: starts[0] + 1], sent_at=sent_at)
            except signal_fence.SignalsInFlight:
                # ...unless that first task closes the run while signals sent after the start
                # wait: as Temporal fails such a completion, the first task takes them.
                self.handle_batch(bodies, sent_at=sent_at, together=True)
                return
            self.handle_batch(bodies[starts[0] + 1 :], sent_at=sent_at)
            return
        key = execution_key(bodies[0]["workflow_id"], bodies[0]["run_id"])
        with log_context(workflow_id=bodies[0]["workflow_id"], run_id=bodies[0]["run_id"]):
            for _ in range(3):
                machine, warm = self._machine(key)
                try:
                    self._apply(key, machine, cast(list[RunMessage], bodies), warm, sent_at=sent_at)
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
    def schedule_runner(self) -> ScheduleRunner:
        """Takes schedules' actions (made on first use: most invocations never need it)."""
        if self._schedule_runner is None:
            self._schedule_runner = ScheduleRunner(self.services)
        return self._schedule_runner

    def load(self, key: str, events: list[Event] | None = None) -> HistoryMachine:
        """A machine replayed from the whole log (cold): ``events``, when the caller read it."""
        machine = HistoryMachine(self.registry.workflow)
        if events is None:
            events = self._read_ahead.pop(key, None) or self.services.history.load(key)
        began = time.perf_counter()
        with metric_meter_of_workflows(self.services.metrics.meter):
            machine.replay(events)
        run_metrics.record_replay(self.services.metrics, machine.ledger, time.perf_counter() - began)
        return machine

    def cached(self, key: str) -> HistoryMachine | None:
        """The run's warm machine, if this container has one (nothing is read)."""
        return self._cache.get(key)

    def read_ahead(self, key: str, events: list[Event]) -> None:
        """A run's whole log, which the caller just read: the next cold load of the run replays it
        instead of reading it again (one that went stale loses the append race and is read anew)."""
        self._read_ahead[key] = events

    def _machine(self, key: str) -> tuple[HistoryMachine, bool]:
        machine = self._cache.get(key)
        if machine is not None and not machine.poisoned:
            self._cache.move_to_end(key)
            run_metrics.record_cache_lookup(self.services.metrics, machine.ledger, hit=True)
            return machine, True
        machine = self.load(key)
        run_metrics.record_cache_lookup(self.services.metrics, machine.ledger, hit=False)
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

    def _apply(
        self, key: str, machine: HistoryMachine, bodies: list[RunMessage], warm: bool, *, sent_at: float | None = None
    ) -> None:
        now = self.services.clock.now()
        plan = translate.plan(machine, bodies, now)
        if plan.ignored and warm:
            # Something looked stale to a warm machine: make sure it is not merely behind.
            self._refresh(key, machine)
            plan = translate.plan(machine, bodies, now)
        for body in plan.handed_on:
            hand_on(self.services, machine.ledger, body)
        for record_id in sorted(plan.redispatch):
            # Consumed before: a duplicate delivery, or a redelivery after a crash that
            # may have cut the dispatch short. Dispatching again is harmless.
            self._dispatcher.dispatch(key, machine.ledger, machine.ledger.records[record_id])
        if not (plan.runtime_events or plan.inputs or plan.trigger or plan.updates):
            return
        record = list(plan.runtime_events)
        if translate.waiting_for_tick(machine, plan, now):
            # A cron run before its tick: as in Temporal, signals wait with the start for
            # the first workflow task (a cancellation does not: it starts the run at once).
            record += plan.inputs
            plan.inputs, plan.trigger = [], None
            plan.updates = []  # their callers ask again until the run has started
        if (plan.inputs or plan.trigger or plan.updates) and (
            start_update := translate.start_update(machine, plan)
        ) is not None:
            plan.updates.insert(0, start_update)
        try:
            if plan.inputs or plan.trigger or plan.updates:
                began = time.perf_counter()
                with metric_meter_of_workflows(self.services.metrics.meter):
                    record += machine.decide(
                        plan.inputs, now, dedup=plan.trigger, updates=plan.updates, run_local=self._local_activities.run
                    )
                task_queue = (machine.ledger.started or {}).get("task_queue", "")
                stamp_build_id(record, self.registry.build_id(task_queue))  # the code that decided
                run_metrics.record_task(
                    self.services.metrics,
                    machine.ledger,
                    time.perf_counter() - began,
                    None if sent_at is None else max(0.0, time.time() - sent_at),
                )
                if not any(e["event_type"] in ev.TASK_MARKERS for e in record):
                    self._waiting_for_worker(machine)
            if translate.only_rejections(record):
                # As Temporal drops a speculative workflow task: a decision that only
                # rejected updates changed nothing, so the log gets nothing.
                record = []
            if not record:
                self._reject_updates(key, machine)
                return
            first = machine.ledger.last_event_id + 1
            for offset, event in enumerate(record):
                event["event_id"] = first + offset
            if signal_fence.closes(record):
                signal_fence.fence_close(self.services, machine.ledger, record, now)  # or SignalsInFlight
            self.services.history.append(key, record)  # HistoryConflict: another orchestrator won
        except BaseException:
            # The instance ran ahead of a log that did not take the record: never reuse it.
            self._cache.pop(key, None)
            raise
        machine.committed(record)
        if machine.poisoned:
            self._cache.pop(key, None)
        signal_fence.forget_applied(self.services, machine.ledger, record)
        self._reject_updates(key, machine)
        self._count(record)
        run_metrics.record_committed(self.services.metrics, machine.ledger, record, now)
        self._dispatcher.dispatch(key, machine.ledger, record)

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
        body: RunMessage = json.loads(inbox_body(workflow_id, run_id, "start", "start"))
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

    def _count(self, record: list[Event]) -> None:
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
