"""Drive the pure replay core directly: history events in, records out. No AWS, no threads.

:class:`Driver` plays the orchestrator's part in miniature (see
``durable/_runtime/orchestrator.py``, ``_apply``): it hands input events to
``HistoryMachine.decide``, numbers the record's events contiguously after the ledger's
last event id, keeps the flat log, and folds the record back with ``committed``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from durable import _converter, _failure
from durable._replay import events as ev
from durable._replay.definition import WorkflowDefinition
from durable._replay.machine import HistoryMachine, UnknownWorkflowType
from durable.exceptions import ActivityError, RetryState

T0 = 1_700_000_000.0
"""Start time of every driven run (epoch seconds, a whole second so sums stay exact)."""

TASK_QUEUE = "unit-tq"


def lookup_for(*workflow_classes: type) -> Callable[[str, str], WorkflowDefinition]:
    """A definition lookup over the given ``@workflow.defn`` classes, by workflow type."""
    definitions = {WorkflowDefinition.of(c).name: WorkflowDefinition.of(c) for c in workflow_classes}

    def lookup(workflow_type: str, task_queue: str) -> WorkflowDefinition:
        del task_queue
        try:
            return definitions[workflow_type]
        except KeyError:
            raise UnknownWorkflowType(f"no workflow type {workflow_type!r}") from None

    return lookup


class Driver:
    """One run of one workflow class, decided step by step against a flat log."""

    def __init__(self, workflow_cls: type, *, run_id: str | None = None) -> None:
        self.workflow_cls = workflow_cls
        self.definition = WorkflowDefinition.of(workflow_cls)
        self.machine = HistoryMachine(lookup_for(workflow_cls))
        self.log: list[dict[str, Any]] = []
        self.last: list[dict[str, Any]] = []
        self.now = T0
        self.run_id = run_id or str(uuid.UUID(int=0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0))

    # -- input events --------------------------------------------------------------------

    def started_event(self, *args: Any) -> dict[str, Any]:
        return ev.make_event(
            ev.WORKFLOW_STARTED,
            self.now,
            workflow_id="wf-1",
            run_id=self.run_id,
            workflow_type=self.definition.name,
            task_queue=TASK_QUEUE,
            input=_converter.encode_args(args),
            start_time=self.now,
        )

    def signal_event(self, name: str, *args: Any) -> dict[str, Any]:
        return ev.make_event(ev.SIGNALED, self.now, signal_name=name, input=_converter.encode_args(args))

    # -- decisions -----------------------------------------------------------------------

    def decide(self, *inputs: dict[str, Any], advance: float = 0.0) -> list[dict[str, Any]]:
        """One decision on ``inputs`` at ``now + advance``; the record is committed and returned."""
        self.now += advance
        for event in inputs:
            event["event_time"] = self.now
        record = self.machine.decide(list(inputs), self.now)
        first = self.machine.ledger.last_event_id + 1
        for offset, event in enumerate(record):
            event["event_id"] = first + offset
        self.log.extend(record)
        self.machine.committed(record)
        self.last = record
        return record

    def start(self, *args: Any, signals: Sequence[tuple[str, Sequence[Any]]] = ()) -> list[dict[str, Any]]:
        """Start the run; ``signals`` arrive in the same activation as the start."""
        return self.decide(self.started_event(*args), *(self.signal_event(n, *a) for n, a in signals))

    def complete_activity(self, seq: int, value: Any = None, *, advance: float = 1.0) -> list[dict[str, Any]]:
        completed = ev.make_event(ev.ACTIVITY_COMPLETED, 0.0, seq=seq, attempt=1, result=_converter.encode(value))
        return self.decide(completed, advance=advance)

    def fail_activity(self, seq: int, exc: BaseException, *, advance: float = 1.0) -> list[dict[str, Any]]:
        """The activity failed for good with ``exc``: an ActivityError failure wrapping it."""
        scheduled = self.machine.ledger.activities[seq]
        err = ActivityError(
            "Activity task failed",
            scheduled_event_id=scheduled.scheduled_event_id,
            started_event_id=0,
            identity="unit",
            activity_type=scheduled.scheduled["activity_type"],
            activity_id=scheduled.scheduled["activity_id"],
            retry_state=RetryState.NON_RETRYABLE_FAILURE,
        )
        err.__cause__ = exc
        failure = _failure.from_exception(err)
        return self.decide(ev.make_event(ev.ACTIVITY_FAILED, 0.0, seq=seq, attempt=1, failure=failure), advance=advance)

    def cancel_activity(self, seq: int, *, advance: float = 1.0) -> list[dict[str, Any]]:
        """The activity reports that it stopped after a cancel request."""
        return self.decide(ev.make_event(ev.ACTIVITY_CANCELED, 0.0, seq=seq, attempt=1), advance=advance)

    def fire_timer(self, seq: int) -> list[dict[str, Any]]:
        """Fire timer ``seq`` at its due time (the decision happens then)."""
        due = self.machine.ledger.timers[seq]
        return self.decide(ev.make_event(ev.TIMER_FIRED, 0.0, seq=seq), advance=max(0.0, due - self.now))

    def signal(self, name: str, *args: Any, advance: float = 1.0) -> list[dict[str, Any]]:
        return self.decide(self.signal_event(name, *args), advance=advance)

    def cancel_event(self) -> dict[str, Any]:
        return ev.make_event(ev.CANCEL_REQUESTED, self.now, reason="unit")

    def cancel(self, *, advance: float = 1.0) -> list[dict[str, Any]]:
        """A cancel request for the run."""
        return self.decide(self.cancel_event(), advance=advance)

    # -- reading -------------------------------------------------------------------------

    def commands(self) -> list[dict[str, Any]]:
        """The command events of the last record, in order."""
        return [e for e in self.last if e["event_type"] in ev.COMMAND_EVENTS]

    def command_types(self) -> list[str]:
        return [e["event_type"] for e in self.commands()]

    def marker(self) -> dict[str, Any]:
        """The task marker (completed or failed) of the last record."""
        return next(e for e in self.last if e["event_type"] in ev.TASK_MARKERS)

    def result(self) -> Any:
        """The decoded result of the run's WorkflowExecutionCompleted event."""
        closing = self.machine.ledger.close_event
        assert closing is not None and closing["event_type"] == ev.WORKFLOW_COMPLETED, closing
        return _converter.decode(closing["attributes"]["result"])

    def query(self, name: str, *args: Any) -> Any:
        assert self.machine.instance is not None
        return _converter.decode(self.machine.instance.query(name, _converter.encode_args(args)))

    def cold(self, *workflow_classes: type) -> HistoryMachine:
        """A fresh machine that replays the whole log (against other classes if given)."""
        machine = HistoryMachine(lookup_for(*(workflow_classes or (self.workflow_cls,))))
        machine.replay(self.log)
        return machine
