"""What a run's history says is pending: activities, timers, consumed inputs, status.

The engine's own bookkeeping, kept beside the workflow instance and rebuilt from the
same events: which activity attempt is current, which timers wait, which inbox
messages were already consumed (and in which record), whether the run is closed.
Pure: events in, state out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from durable._replay import events as ev
from durable._replay.events import Event
from durable._search_attributes import merged
from durable._statuses import WorkflowExecutionStatus

__all__ = ["ActivityState", "ChildState", "Ledger", "UpdateState"]


@dataclass
class ActivityState:
    """A scheduled activity that has not reached its final outcome."""

    scheduled: dict[str, Any]  # the ActivityTaskScheduled attributes
    scheduled_time: float
    scheduled_event_id: int
    attempt: int = 1
    attempt_time: float = 0.0  # when the current attempt was (or will be) dispatched
    last_failure: dict[str, Any] | None = None
    heartbeat_details: list[str] = field(default_factory=list)
    cancel_requested: bool = False
    paused: dict[str, Any] | None = None
    """While paused: the ActivityPaused attributes (``reason``, ``identity``) and its ``time``."""
    held: bool = False
    """The current attempt waits for an unpause: the one before it failed while paused."""
    stamp: int = 0
    """Bumped when an unpause resets the attempts, so the new attempt 1 is not taken for the old."""


@dataclass
class UpdateState:
    """An accepted update, and its outcome once its handler finished."""

    name: str
    accepted_event_id: int
    result: str | None = None
    failure: dict[str, Any] | None = None
    completed: bool = False


@dataclass
class ChildState:
    """A child workflow this run started that has not reported its close."""

    initiated: dict[str, Any]  # the StartChildWorkflowExecutionInitiated attributes
    initiated_event_id: int
    started_event_id: int = 0  # 0 until ChildWorkflowExecutionStarted

    @property
    def started(self) -> bool:
        """Whether the child's start was confirmed."""
        return self.started_event_id > 0


class Ledger:
    """Folds events into the engine's view of a run."""

    def __init__(self) -> None:
        self.last_event_id = 0
        self.started: dict[str, Any] | None = None
        self.start_time = 0.0
        self.status = WorkflowExecutionStatus.RUNNING
        self.close_time: float | None = None
        self.close_event: Event | None = None
        self.activities: dict[int, ActivityState] = {}
        self.timers: dict[int, float] = {}
        self.children: dict[int, ChildState] = {}
        self.externals: dict[tuple[str, int], dict[str, Any]] = {}  # ("signal"|"cancel", seq) -> command
        self.consumed: dict[str, int] = {}  # dedup key -> first event id of its record
        self.updates: dict[str, UpdateState] = {}  # accepted updates by update id
        self.records: dict[int, list[Event]] = {}
        self.task_failure: dict[str, Any] | None = None
        self.task_attempt = 0
        self.decided = False  # a workflow task has completed at least once
        self.cancel_requested = False
        self.search_attributes: dict[str, dict[str, Any]] = {}  # stored form, start + upserts
        self.build_ids: dict[str, int] = {}  # build id -> its first WorkflowTaskCompleted's event id

    @staticmethod
    def of(events: list[Event]) -> Ledger:
        """The view of a whole (flat) history."""
        ledger = Ledger()
        for record in ev.split_records(events):
            ledger.observe(record)
        return ledger

    @property
    def closed(self) -> bool:
        """Whether the run reached a terminal event."""
        return self.status is not WorkflowExecutionStatus.RUNNING

    def observe(self, record: list[Event]) -> None:
        """Fold one committed record into the view."""
        first = record[0]["event_id"]
        self.records[first] = record
        for event in record:
            self._fold(event, first)
        self.last_event_id = record[-1]["event_id"]

    def _fold(self, event: Event, record_id: int) -> None:
        kind, attrs, t = event["event_type"], event["attributes"], event["event_time"]
        if (key := attrs.get("dedup")) is not None:
            self.consumed[key] = record_id
        if kind == ev.WORKFLOW_STARTED:
            self.started = attrs
            self.start_time = t
            self.search_attributes = dict(attrs.get("search_attributes") or {})
        elif kind == ev.UPSERT_SEARCH_ATTRIBUTES:
            self.search_attributes = merged(self.search_attributes, attrs["search_attributes"])
        elif kind == ev.ACTIVITY_SCHEDULED:
            self.activities[attrs["seq"]] = ActivityState(
                scheduled=attrs, scheduled_time=t, scheduled_event_id=event["event_id"], attempt_time=t
            )
        elif kind == ev.ACTIVITY_ATTEMPT_FAILED:
            act = self.activities[attrs["seq"]]
            act.attempt = attrs["attempt"] + 1
            act.attempt_time = attrs["next_attempt_time"]
            act.last_failure = attrs["failure"]
            act.heartbeat_details = attrs.get("heartbeat_details", [])
            act.held = bool(attrs.get("paused"))
        elif kind == ev.ACTIVITY_PAUSED:
            if (paused := self.activities.get(attrs["seq"])) is not None:
                paused.paused = {"reason": attrs.get("reason", ""), "identity": attrs.get("identity", ""), "time": t}
        elif kind == ev.ACTIVITY_UNPAUSED:
            if (unpaused := self.activities.get(attrs["seq"])) is not None:
                unpaused.paused, unpaused.held = None, False
                unpaused.attempt_time = attrs.get("next_attempt_time", t)
                if attrs.get("reset_attempts"):
                    unpaused.attempt, unpaused.stamp = 1, unpaused.stamp + 1
                if attrs.get("reset_heartbeats"):
                    unpaused.heartbeat_details = []
        elif kind == ev.ACTIVITY_CANCEL_REQUESTED:
            if (requested := self.activities.get(attrs["seq"])) is not None:
                requested.cancel_requested = True
        elif kind in (ev.ACTIVITY_COMPLETED, ev.ACTIVITY_FAILED, ev.ACTIVITY_CANCELED):
            self.activities.pop(attrs["seq"], None)
        elif kind == ev.START_CHILD_INITIATED:
            self.children[attrs["seq"]] = ChildState(initiated=attrs, initiated_event_id=event["event_id"])
        elif kind == ev.CHILD_STARTED:
            if (child := self.children.get(attrs["seq"])) is not None:
                child.started_event_id = event["event_id"]
        elif kind == ev.CHILD_START_FAILED or kind in ev.CHILD_CLOSED:
            self.children.pop(attrs["seq"], None)
        elif kind == ev.SIGNAL_EXTERNAL_INITIATED:
            self.externals[("signal", attrs["seq"])] = attrs
        elif kind == ev.CANCEL_EXTERNAL_INITIATED:
            self.externals[("cancel", attrs["seq"])] = attrs
        elif kind in (ev.EXTERNAL_SIGNALED, ev.EXTERNAL_SIGNAL_FAILED):
            self.externals.pop(("signal", attrs["seq"]), None)
        elif kind in (ev.EXTERNAL_CANCEL_REQUESTED, ev.EXTERNAL_CANCEL_FAILED):
            self.externals.pop(("cancel", attrs["seq"]), None)
        elif kind == ev.UPDATE_ACCEPTED:
            self.updates[attrs["update_id"]] = UpdateState(name=attrs["name"], accepted_event_id=event["event_id"])
        elif kind == ev.UPDATE_COMPLETED:
            if (update := self.updates.get(attrs["update_id"])) is not None:
                update.result, update.failure, update.completed = attrs.get("result"), attrs.get("failure"), True
        elif kind == ev.TIMER_STARTED:
            self.timers[attrs["seq"]] = t + attrs["duration"]
        elif kind in (ev.TIMER_FIRED, ev.TIMER_CANCELED):
            self.timers.pop(attrs["seq"], None)
        elif kind == ev.CANCEL_REQUESTED:
            self.cancel_requested = True
        elif kind == ev.TASK_FAILED:
            self.task_failure = attrs["failure"]
            self.task_attempt = attrs["attempt"]
        elif kind == ev.TASK_COMPLETED:
            if (build_id := attrs.get("build_id")) and build_id not in self.build_ids:
                self.build_ids[build_id] = event["event_id"]
            self.task_failure = None
            self.task_attempt = 0
            self.decided = True
        elif kind in ev.TERMINAL_EVENTS:
            self.status = _STATUS[kind]
            self.close_time = t
            self.close_event = event


_STATUS = {
    ev.WORKFLOW_COMPLETED: WorkflowExecutionStatus.COMPLETED,
    ev.WORKFLOW_FAILED: WorkflowExecutionStatus.FAILED,
    ev.WORKFLOW_CANCELED: WorkflowExecutionStatus.CANCELED,
    ev.WORKFLOW_TERMINATED: WorkflowExecutionStatus.TERMINATED,
    ev.WORKFLOW_TIMED_OUT: WorkflowExecutionStatus.TIMED_OUT,
    ev.WORKFLOW_CONTINUED_AS_NEW: WorkflowExecutionStatus.CONTINUED_AS_NEW,
}
