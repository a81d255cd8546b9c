"""Replays a run's history into a workflow instance, and makes its next decision.

The machine reads records in order. A record that ends its inputs with
``WorkflowTaskCompleted`` is re-activated on the instance, and the commands the code
issues now must match the command events the record holds: otherwise the code is not
deterministic and the workflow *task* fails (the workflow itself is untouched). A
record ending in ``WorkflowTaskFailed`` holds inputs that no decision consumed yet;
they are delivered with the next successful one, as Temporal does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from durable import _failure
from durable._headers import from_wire
from durable._replay import events as ev
from durable._replay.commands import (
    LOCAL_ACTIVITY_MARKER,
    Command,
    CompleteWorkflow,
    CronContinueAsNew,
    FailWorkflow,
    command_key,
)
from durable._replay.context import Info, ParentInfo
from durable._replay.definition import WorkflowDefinition
from durable._replay.events import Event
from durable._replay.instance import LocalActivityOutcome, LocalActivityRequest, WorkflowInstance, WorkflowTaskError
from durable._replay.ledger import Ledger
from durable._replay.nondeterminism import NondeterminismError
from durable._sandbox.runner import sandbox_of
from durable._schedules.cron import CronExpression
from durable._search_attributes import from_stored, untyped
from durable.common import RetryPolicy

__all__ = ["HistoryMachine", "NoWorker", "NondeterminismError", "UnknownWorkflowType"]


class UnknownWorkflowType(WorkflowTaskError):
    """No registered workflow class has the history's workflow type."""


class NoWorker(UnknownWorkflowType):
    """Nothing serves the run's task queue yet: its workflow task waits (as in Temporal)."""


LocalActivityRun = Callable[[Info, LocalActivityRequest], LocalActivityOutcome]
"""(workflow info, request) -> the local activity's outcome (see LocalActivityRunner)."""

DefinitionLookup = Callable[[str, str], WorkflowDefinition]
"""(workflow type, task queue) -> definition; raises UnknownWorkflowType."""


class HistoryMachine:
    """One run: its ledger, its workflow instance, and the inputs still to deliver."""

    def __init__(self, lookup: DefinitionLookup) -> None:
        self.ledger = Ledger()
        self.instance: WorkflowInstance | None = None
        self.pending_inputs: list[Event] = []
        self.poisoned = False  # an activation failed: the instance's state is not to be trusted
        self.replay_error: WorkflowTaskError | None = None
        self.rejected_updates: list[dict[str, Any]] = []  # of the last decision; never in the log
        self._lookup = lookup
        self._reset_seed: int | None = None  # the seed a reset's event set, for an instance made after it

    # -- replay ------------------------------------------------------------------------

    def replay(self, events: list[Event]) -> None:
        """Apply committed events (whole records, in order) to the ledger and the instance.

        Raises:
            NondeterminismError: a record's commands differ from what the code issues now.
            WorkflowTaskError: the code raised while replaying.
        """
        for record in ev.split_records(events):
            if self.replay_error is not None:
                self.committed(record)  # keep the ledger whole: the engine still needs it
                continue
            try:
                self._replay_record(record)
            except WorkflowTaskError as err:
                self.replay_error, self.poisoned = err, True
                self.committed(record)

    def _replay_record(self, record: list[Event]) -> None:
        marker = next((e for e in record if e["event_type"] in ev.TASK_MARKERS), None)
        inputs = [e for e in record if e["event_type"] in ev.INPUT_EVENTS]
        if marker is not None and marker["event_type"] == ev.TASK_COMPLETED and not self.ledger.closed:
            recorded = [e for e in record if e["event_type"] in ev.COMMAND_EVENTS]
            instance = self._instance_for(inputs)
            instance.is_replaying = True
            instance.known_patches = {e["attributes"]["patch_id"] for e in recorded if _is_patch_marker(e)}
            # A history read from Temporal's JSON counts as Temporal does (to the task's start).
            instance.history_length = marker["attributes"].get("history_length", marker["event_id"])
            # An accepted update is replayed from its acceptance, without its validator.
            accepted = [
                {**e["attributes"], "validate": False} for e in recorded if e["event_type"] == ev.UPDATE_ACCEPTED
            ]
            try:
                issued = instance.activate(marker["event_time"], self.pending_inputs + inputs, accepted)
                issued += _run_local_activities(instance, _recorded_local_activities(instance, recorded))
                issued = self._cron(issued, marker["event_time"])
            finally:
                instance.is_replaying = False
            self._check(instance, recorded, [c.to_event(marker["event_time"]) for c in issued])
        self.committed(record)

    def _check(self, instance: WorkflowInstance, recorded: list[Event], issued: list[Event]) -> None:
        # A patch marker the code no longer asks about (its patch was removed after being
        # deprecated) is not a change of behaviour: only the other commands must match.
        issued_keys = {command_key(e) for e in issued}
        recorded = [e for e in recorded if not _is_patch_marker(e) or command_key(e) in issued_keys]
        for i in range(max(len(recorded), len(issued))):
            want = command_key(recorded[i]) if i < len(recorded) else None
            got = command_key(issued[i]) if i < len(issued) else None
            if want != got:
                at = recorded[i]["event_id"] if i < len(recorded) else "end of the decision"
                raise NondeterminismError(
                    f"workflow {instance.info.workflow_type} ({instance.info.workflow_id}) is not deterministic: "
                    f"at event {at} the history recorded {_describe(want)} but the code now issues {_describe(got)}. "
                    "If the code changed on purpose, keep the old path for running executions behind "
                    "workflow.patched(...); otherwise look for wall-clock time, randomness or I/O in workflow code."
                )

    # -- new decisions -------------------------------------------------------------------

    def decide(
        self,
        inputs: list[Event],
        time: float,
        *,
        dedup: str | None = None,
        updates: list[dict[str, Any]] | None = None,
        run_local: LocalActivityRun | None = None,
    ) -> list[Event]:
        """Activate with new inputs; return the record to commit (event ids not yet set).

        A failure of the code becomes a ``WorkflowTaskFailed`` record and poisons the
        machine: the caller must rebuild it from history before using it again.
        ``dedup`` marks the inbox message that triggered a decision without inputs.
        ``updates`` are update requests; those the code rejected are left in
        :attr:`rejected_updates` (the accepted ones are in the record).
        ``run_local`` runs the local activities the code asks for (in place, before the
        record is made: their outcomes are markers in it).
        """
        self.rejected_updates = []
        # The first decision also clears a "waiting for a worker" shown by describe().
        recovering = self.ledger.task_failure is not None or not self.ledger.decided
        extra: dict[str, str | bool] = {"dedup": dedup} if dedup else {}  # the task markers' attributes
        if self.instance is None and self.replay_error is None:
            try:
                self._instance_for(inputs)
            except NoWorker:
                return list(inputs)  # logged as pending inputs, decided once a worker comes
            except WorkflowTaskError:
                pass  # recorded below as the failure of this workflow task
        try:
            if self.replay_error is not None:
                raise self.replay_error
            instance = self._instance_for(inputs)
            instance.history_length = self.ledger.last_event_id + len(inputs) + 1
            commands = instance.activate(time, self.pending_inputs + inputs, updates)
            self.rejected_updates = instance.rejected_updates
            commands += _run_local_activities(instance, _live_local_activities(instance, run_local))
            commands = self._cron(commands, time)
        except WorkflowTaskError as err:
            self.poisoned = True
            failure = _failure.from_exception(err.__cause__ or err)
            marker = ev.make_event(ev.TASK_FAILED, time, failure=failure, attempt=self.ledger.task_attempt + 1, **extra)
            return [*inputs, marker]
        if recovering:
            extra["recovered"] = True
        marker = ev.make_event(ev.TASK_COMPLETED, time, **extra)
        return [*inputs, marker, *(c.to_event(time) for c in commands)]

    def _cron(self, commands: list[Command], time: float) -> list[Command]:
        """A cron run that completes or fails continues as the next run, due at the next tick.

        As in Temporal: the closed run shows CONTINUED_AS_NEW and carries its result (or
        its failure, the previous result kept) to the next run. Pure function of the
        history and the decision's time, so replay issues the same command.
        """
        started = self.ledger.started or {}
        cron = started.get("cron_schedule")
        if not cron or not commands or not isinstance(commands[-1], (CompleteWorkflow, FailWorkflow)):
            return commands
        last = commands[-1]
        tick = CronExpression.parse(cron).next_after(time)
        if tick is None:  # the expression never fires again: the run simply closes
            return commands
        run_id = started["run_id"]
        return [
            *commands[:-1],
            CronContinueAsNew(
                new_execution_run_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"durable:cron:{run_id}")),
                workflow_type=started["workflow_type"],
                task_queue=started["task_queue"],
                input=started["input"],
                cron_schedule=cron,
                backoff_start_interval=max(0.0, tick - time),
                first_execution_run_id=started.get("first_execution_run_id") or run_id,
                last_completion_result=last.result
                if isinstance(last, CompleteWorkflow)
                else started.get("last_completion_result"),
                failure=last.failure if isinstance(last, FailWorkflow) else None,
            ),
        ]

    def committed(self, record: list[Event]) -> None:
        """Fold a record that is now in the log (its events have ids)."""
        self.ledger.observe(record)
        for event in record:
            if event["event_type"] == ev.TASK_FAILED and event["attributes"].get("cause") == "ResetWorkflow":
                # As Temporal's core on a reset: the code decides on with the new run's seed.
                self._reset_seed = _seed(event["attributes"]["new_run_id"])
                if self.instance is not None:
                    self.instance.random.seed(self._reset_seed)
        if any(e["event_type"] == ev.TASK_COMPLETED for e in record):
            self.pending_inputs = []
        else:  # inputs of a failed decision, or logged before any decision (the start)
            self.pending_inputs += [e for e in record if e["event_type"] in ev.INPUT_EVENTS]

    def _instance_for(self, inputs: list[Event]) -> WorkflowInstance:
        if self.instance is not None:
            return self.instance
        started = self.ledger.started or next(
            (e["attributes"] for e in self.pending_inputs + inputs if e["event_type"] == ev.WORKFLOW_STARTED), None
        )
        if started is None:
            raise WorkflowTaskError("history does not begin with WorkflowExecutionStarted")
        definition = self._lookup(started["workflow_type"], started["task_queue"])
        start_time = datetime.fromtimestamp(started["start_time"], tz=UTC)
        parent = started.get("parent")
        info = Info(
            attempt=started.get("attempt", 1),
            continued_run_id=started.get("continued_run_id"),
            cron_schedule=started.get("cron_schedule") or None,
            execution_timeout=_duration(started.get("execution_timeout")),
            first_execution_run_id=started.get("first_execution_run_id") or started["run_id"],
            namespace="default",
            parent=ParentInfo(namespace="default", run_id=parent["run_id"], workflow_id=parent["workflow_id"])
            if parent
            else None,
            retry_policy=RetryPolicy.from_dict(started["retry_policy"]) if started.get("retry_policy") else None,
            run_id=started["run_id"],
            run_timeout=_duration(started.get("run_timeout")),
            start_time=start_time,
            task_queue=started["task_queue"],
            task_timeout=_duration(started.get("task_timeout")) or timedelta(seconds=10),
            workflow_id=started["workflow_id"],
            workflow_start_time=start_time,
            workflow_type=started["workflow_type"],
            search_attributes=untyped(started.get("search_attributes") or {}),
            typed_search_attributes=from_stored(started.get("search_attributes") or {}),
            headers=from_wire(started.get("headers")),
        )
        # typeshed marks every AbstractEventLoop method abstract; asyncio's own raise
        # NotImplementedError, and the instance leaves out only what workflow code must not
        # reach (sockets, subprocesses, signals), as temporalio's instance does.
        # A reset run replays its base run's prefix with the original run's seed (Temporal's rule).
        seed = _seed(started.get("original_execution_run_id") or started["run_id"])
        if self._reset_seed is not None:
            seed = self._reset_seed
        self.instance = WorkflowInstance(definition, info, seed=seed)  # type: ignore[abstract]
        self.instance.sandbox = sandbox_of(definition)
        # What the previous run of a cron chain handed on (workflow.get_last_completion_result).
        self.instance.last_completion_result = started.get("last_completion_result")
        self.instance.last_failure = started.get("last_failure")
        self.instance.memo = dict(started.get("memo") or {})
        self.instance.search_attributes = dict(started.get("search_attributes") or {})
        return self.instance


def _seed(run_id: str) -> int:
    """The random seed of the workflow code of a run (of its id)."""
    return uuid.UUID(run_id).int & (2**64 - 1)


def _is_patch_marker(event: Event) -> bool:
    return event["event_type"] == ev.MARKER_RECORDED and "patch_id" in event["attributes"]


def _run_local_activities(
    instance: WorkflowInstance, run: Callable[[LocalActivityRequest], LocalActivityOutcome | None]
) -> list[Command]:
    """Resolve the local activities the code waits for, round after round, until none is due
    (or, replaying, none of those due has its outcome in this record: they stay due)."""
    commands: list[Command] = []
    while due := instance.local_activities_due():
        outcomes = [outcome for outcome in (run(request) for request in due) if outcome is not None]
        if not outcomes:
            break
        commands += instance.resolve_local_activities(outcomes)
    return commands


def _live_local_activities(
    instance: WorkflowInstance, run_local: LocalActivityRun | None
) -> Callable[[LocalActivityRequest], LocalActivityOutcome]:
    def run(request: LocalActivityRequest) -> LocalActivityOutcome:
        if run_local is None:
            raise WorkflowTaskError("this engine was not given a way to run local activities")
        return run_local(instance.info, request)

    return run


def _recorded_local_activities(
    instance: WorkflowInstance, recorded: list[Event]
) -> Callable[[LocalActivityRequest], LocalActivityOutcome | None]:
    """Outcomes from the record's markers: replay never runs a local activity again.

    A local activity without a marker in this record outlived the workflow task that asked
    for it: temporalio's core then completes the task without commands (a heartbeat) and
    records the marker in a later one. It stays due until the record that holds it; if the
    code changed instead, the commands of this record no longer match.
    """
    outcomes = {
        e["attributes"]["seq"]: e["attributes"]
        for e in recorded
        if e["event_type"] == ev.MARKER_RECORDED and e["attributes"].get("marker_name") == LOCAL_ACTIVITY_MARKER
    }

    def run(request: LocalActivityRequest) -> LocalActivityOutcome | None:
        found = outcomes.pop(request.seq, None)
        if found is None:
            return None
        if found["activity_type"] != request.activity_type:
            raise NondeterminismError(
                f"workflow {instance.info.workflow_type} ({instance.info.workflow_id}) is not deterministic: "
                f"the code now runs local activity {request.activity_type!r} (#{request.seq}), where the history "
                f"records {found['activity_type']!r}. If the code changed on purpose, keep the old path for "
                "running executions behind workflow.patched(...)."
            )
        outcome: LocalActivityOutcome = {"seq": found["seq"], "attempt": found["attempt"]}
        if found.get("result") is not None:
            outcome["result"] = found["result"]
        if found.get("failure") is not None:
            outcome["failure"] = found["failure"]
        if found.get("backoff") is not None:
            outcome["backoff"] = found["backoff"]
        return outcome

    return run


def _describe(key: tuple[Any, ...] | None) -> str:
    if key is None:
        return "nothing"
    kind, seq, *rest = key
    extra = f" {rest[0]!r}" if rest else ""
    return f"{kind}{extra} (#{seq})" if seq is not None else kind


def _duration(seconds: float | None) -> timedelta | None:
    """A timeout kept in seconds on the start event, as ``workflow.info()`` shows it."""
    return timedelta(seconds=seconds) if seconds else None
