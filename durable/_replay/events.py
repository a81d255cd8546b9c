"""The event log's vocabulary: event types, and which ones the workflow code sees.

History is a flat list of events, as in Temporal. Each decision appends one record:
the inputs it consumed, a ``WorkflowTaskCompleted`` marker (or ``WorkflowTaskFailed``),
then the events of the commands the workflow code issued. Replaying the code against
the inputs of each record must issue the same commands again.

An event is a plain dict: ``{"event_id": int, "event_time": float, "event_type": str,
"attributes": dict}``; payloads inside attributes are JSON text (see ``_converter``).
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "COMMAND_EVENTS",
    "Event",
    "FORMAT_VERSION",
    "INPUT_EVENTS",
    "RUNTIME_EVENTS",
    "TASK_MARKERS",
    "TERMINAL_EVENTS",
    "make_event",
    "split_records",
]

FORMAT_VERSION = 1
"""Bumped when the shape of an event changes; the replayer reads every older version."""

# Inputs delivered to the workflow code by an activation.
WORKFLOW_STARTED = "WorkflowExecutionStarted"
SIGNALED = "WorkflowExecutionSignaled"
CANCEL_REQUESTED = "WorkflowExecutionCancelRequested"
ACTIVITY_COMPLETED = "ActivityTaskCompleted"
ACTIVITY_FAILED = "ActivityTaskFailed"
ACTIVITY_CANCELED = "ActivityTaskCanceled"
TIMER_FIRED = "TimerFired"
EXTERNAL_SIGNALED = "ExternalWorkflowExecutionSignaled"
EXTERNAL_SIGNAL_FAILED = "SignalExternalWorkflowExecutionFailed"
EXTERNAL_CANCEL_REQUESTED = "ExternalWorkflowExecutionCancelRequested"
EXTERNAL_CANCEL_FAILED = "RequestCancelExternalWorkflowExecutionFailed"
CHILD_STARTED = "ChildWorkflowExecutionStarted"
CHILD_START_FAILED = "StartChildWorkflowExecutionFailed"
CHILD_COMPLETED = "ChildWorkflowExecutionCompleted"
CHILD_FAILED = "ChildWorkflowExecutionFailed"
CHILD_CANCELED = "ChildWorkflowExecutionCanceled"
CHILD_TERMINATED = "ChildWorkflowExecutionTerminated"
CHILD_TIMED_OUT = "ChildWorkflowExecutionTimedOut"

# Markers closing the inputs of one decision.
TASK_COMPLETED = "WorkflowTaskCompleted"
TASK_FAILED = "WorkflowTaskFailed"

# Events of the commands the code issued.
ACTIVITY_SCHEDULED = "ActivityTaskScheduled"
ACTIVITY_CANCEL_REQUESTED = "ActivityTaskCancelRequested"
TIMER_STARTED = "TimerStarted"
TIMER_CANCELED = "TimerCanceled"
WORKFLOW_COMPLETED = "WorkflowExecutionCompleted"
WORKFLOW_FAILED = "WorkflowExecutionFailed"
WORKFLOW_CANCELED = "WorkflowExecutionCanceled"
MARKER_RECORDED = "MarkerRecorded"  # workflow.patched / deprecate_patch
WORKFLOW_CONTINUED_AS_NEW = "WorkflowExecutionContinuedAsNew"
UPSERT_SEARCH_ATTRIBUTES = "UpsertWorkflowSearchAttributes"  # workflow.upsert_search_attributes
SIGNAL_EXTERNAL_INITIATED = "SignalExternalWorkflowExecutionInitiated"
CANCEL_EXTERNAL_INITIATED = "RequestCancelExternalWorkflowExecutionInitiated"
# An accepted update is delivered to the code by its acceptance (a rejected one leaves
# nothing): replay hands the recorded request to the handler without validating it again.
UPDATE_ACCEPTED = "WorkflowExecutionUpdateAccepted"
UPDATE_COMPLETED = "WorkflowExecutionUpdateCompleted"
START_CHILD_INITIATED = "StartChildWorkflowExecutionInitiated"

# Bookkeeping of the engine that the workflow code never sees.
ACTIVITY_ATTEMPT_FAILED = "ActivityTaskAttemptFailed"  # a failed attempt that will be retried
WORKFLOW_TERMINATED = "WorkflowExecutionTerminated"
WORKFLOW_TIMED_OUT = "WorkflowExecutionTimedOut"  # its execution or run timeout passed
# An operator paused or unpaused a pending activity (Temporal keeps this in its mutable
# state; here the log is that state, so the retry decision and the pause cannot race).
ACTIVITY_PAUSED = "ActivityPaused"
ACTIVITY_UNPAUSED = "ActivityUnpaused"

EXTERNAL_OUTCOMES = frozenset(
    {EXTERNAL_SIGNALED, EXTERNAL_SIGNAL_FAILED, EXTERNAL_CANCEL_REQUESTED, EXTERNAL_CANCEL_FAILED}
)
CHILD_CLOSED = frozenset({CHILD_COMPLETED, CHILD_FAILED, CHILD_CANCELED, CHILD_TERMINATED, CHILD_TIMED_OUT})
CHILD_OUTCOMES = CHILD_CLOSED | {CHILD_STARTED, CHILD_START_FAILED}
INPUT_EVENTS = (
    frozenset(
        {
            WORKFLOW_STARTED,
            SIGNALED,
            CANCEL_REQUESTED,
            ACTIVITY_COMPLETED,
            ACTIVITY_FAILED,
            ACTIVITY_CANCELED,
            TIMER_FIRED,
        }
    )
    | EXTERNAL_OUTCOMES
    | CHILD_OUTCOMES
)
TASK_MARKERS = frozenset({TASK_COMPLETED, TASK_FAILED})
COMMAND_EVENTS = frozenset(
    {
        ACTIVITY_SCHEDULED,
        ACTIVITY_CANCEL_REQUESTED,
        TIMER_STARTED,
        TIMER_CANCELED,
        WORKFLOW_COMPLETED,
        WORKFLOW_FAILED,
        WORKFLOW_CANCELED,
        MARKER_RECORDED,
        WORKFLOW_CONTINUED_AS_NEW,
        UPSERT_SEARCH_ATTRIBUTES,
        SIGNAL_EXTERNAL_INITIATED,
        CANCEL_EXTERNAL_INITIATED,
        UPDATE_ACCEPTED,
        UPDATE_COMPLETED,
        START_CHILD_INITIATED,
    }
)
RUNTIME_EVENTS = frozenset(
    {ACTIVITY_ATTEMPT_FAILED, WORKFLOW_TERMINATED, WORKFLOW_TIMED_OUT, ACTIVITY_PAUSED, ACTIVITY_UNPAUSED}
)
TERMINAL_EVENTS = frozenset(
    {
        WORKFLOW_COMPLETED,
        WORKFLOW_FAILED,
        WORKFLOW_CANCELED,
        WORKFLOW_TERMINATED,
        WORKFLOW_TIMED_OUT,
        WORKFLOW_CONTINUED_AS_NEW,
    }
)


class Event(TypedDict):
    """One event of a run's history (the log's item, the replay core's input)."""

    event_id: int
    """Its position in the history, from 1 (0 until its record is committed)."""
    event_time: float
    """Epoch seconds: the time of the decision or engine step that wrote it."""
    event_type: str
    """One of the names above (Temporal's event type, without the prefix)."""
    attributes: dict[str, Any]
    """What the event says (payloads as JSON text); its fields depend on its type."""


def make_event(event_type: str, event_time: float, **attributes: Any) -> Event:
    """A new event; its id is assigned when its record is committed."""
    return {"event_id": 0, "event_time": event_time, "event_type": event_type, "attributes": attributes}


def split_records(events: list[Event]) -> list[list[Event]]:
    """Cut a flat history into records: inputs, then a marker and its command events.

    Engine bookkeeping events (attempt failures, termination) stand alone.
    """
    records: list[list[Event]] = []
    current: list[Event] = []
    after_marker = False
    for event in events:
        kind = event["event_type"]
        if kind in RUNTIME_EVENTS and not current:
            records.append([event])
            continue
        if after_marker and kind not in COMMAND_EVENTS:
            records.append(current)
            current, after_marker = [], False
            if kind in RUNTIME_EVENTS:
                records.append([event])
                continue
        current.append(event)
        if kind in TASK_MARKERS:
            after_marker = True
    if current:
        records.append(current)
    return records
