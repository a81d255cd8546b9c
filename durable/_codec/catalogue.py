"""Which fields of each stored or sent shape are payloads. Pure: names only, no codec.

The vocabulary: a field holds one payload (:data:`PAYLOAD`), a list of them
(:data:`PAYLOADS`), payloads by key (:data:`PAYLOAD_MAP`, a memo), or a failure
(:data:`FAILURE`, whose own payloads are its details and encoded attributes, down its
cause chain); a nested mapping describes a sub-object's fields. Everything not named is
left as it is: ids, names, times, search attributes (the engine indexes them, as
Temporal's server does) and headers (temporalio's default leaves them to the codec-free
path as well).

Every event type and every inbox message kind has an entry, even an empty one, so a new
one cannot be added without deciding which of its fields are payloads (a unit test
checks the tables against :mod:`durable._replay.events` and the inbox's kinds).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Union

from durable._replay import events as ev

__all__ = [
    "ACTIVITY_TASK",
    "EVENTS",
    "EXECUTION_RECORD",
    "FAILURE",
    "FAILURE_FIELDS",
    "Field",
    "HEARTBEAT_DETAILS",
    "MESSAGES",
    "PAYLOAD",
    "PAYLOADS",
    "PAYLOAD_MAP",
    "SCHEDULE_DOCUMENT",
    "Spec",
    "event_spec",
    "message_spec",
]


class Field(enum.Enum):
    """What a named field holds."""

    PAYLOAD = "payload"
    PAYLOADS = "payloads"
    PAYLOAD_MAP = "payload map"
    FAILURE = "failure"


PAYLOAD = Field.PAYLOAD
PAYLOADS = Field.PAYLOADS
PAYLOAD_MAP = Field.PAYLOAD_MAP
FAILURE = Field.FAILURE

Spec = Mapping[str, Union[Field, "Spec"]]
"""Field name -> what it holds (a nested spec for a sub-object)."""

FAILURE_FIELDS: Spec = {
    # temporalio's PayloadCodec.encode_failure: encoded attributes, then the failure info's
    # details, then the cause (walked by the same spec).
    "encoded_attributes": PAYLOAD,
    "application": {"details": PAYLOADS},
    "timeout": {"last_heartbeat_details": PAYLOADS},
    "canceled": {"details": PAYLOADS},
    "terminated": {"details": PAYLOADS},
    "cause": FAILURE,
}
"""The payloads of a failure (:mod:`durable._failure`'s shape)."""

_NONE: Spec = {}

EVENTS: Mapping[str, Spec] = {
    # Inputs.
    ev.WORKFLOW_STARTED: {
        "input": PAYLOADS,
        "memo": PAYLOAD_MAP,
        "last_completion_result": PAYLOAD,
        "last_failure": FAILURE,
        "start_update": {"input": PAYLOADS},
    },
    ev.SIGNALED: {"input": PAYLOADS},
    ev.CANCEL_REQUESTED: _NONE,
    ev.ACTIVITY_COMPLETED: {"result": PAYLOAD},
    ev.ACTIVITY_FAILED: {"failure": FAILURE},
    ev.ACTIVITY_CANCELED: _NONE,
    ev.TIMER_FIRED: _NONE,
    ev.EXTERNAL_SIGNALED: _NONE,
    ev.EXTERNAL_SIGNAL_FAILED: {"failure": FAILURE},
    ev.EXTERNAL_CANCEL_REQUESTED: _NONE,
    ev.EXTERNAL_CANCEL_FAILED: {"failure": FAILURE},
    ev.CHILD_STARTED: _NONE,
    ev.CHILD_START_FAILED: _NONE,
    ev.CHILD_COMPLETED: {"result": PAYLOAD},
    ev.CHILD_FAILED: {"failure": FAILURE},
    ev.CHILD_CANCELED: {"failure": FAILURE},
    ev.CHILD_TERMINATED: {"failure": FAILURE},
    ev.CHILD_TIMED_OUT: {"failure": FAILURE},
    # Task markers.
    ev.TASK_COMPLETED: _NONE,
    ev.TASK_FAILED: {"failure": FAILURE},
    # Commands.
    ev.ACTIVITY_SCHEDULED: {"input": PAYLOADS},
    ev.ACTIVITY_CANCEL_REQUESTED: _NONE,
    ev.TIMER_STARTED: _NONE,
    ev.TIMER_CANCELED: _NONE,
    ev.WORKFLOW_COMPLETED: {"result": PAYLOAD},
    ev.WORKFLOW_FAILED: {"failure": FAILURE},
    ev.WORKFLOW_CANCELED: _NONE,
    ev.MARKER_RECORDED: {"result": PAYLOAD, "failure": FAILURE},  # a local activity's outcome
    ev.WORKFLOW_CONTINUED_AS_NEW: {"input": PAYLOADS, "last_completion_result": PAYLOAD, "failure": FAILURE},
    ev.UPSERT_SEARCH_ATTRIBUTES: _NONE,
    ev.SIGNAL_EXTERNAL_INITIATED: {"input": PAYLOADS},
    ev.CANCEL_EXTERNAL_INITIATED: _NONE,
    ev.UPDATE_ACCEPTED: {"input": PAYLOADS},
    ev.UPDATE_COMPLETED: {"result": PAYLOAD, "failure": FAILURE},
    ev.START_CHILD_INITIATED: {"input": PAYLOADS},
    # The engine's bookkeeping.
    ev.ACTIVITY_ATTEMPT_FAILED: {"failure": FAILURE, "heartbeat_details": PAYLOADS},
    ev.WORKFLOW_TERMINATED: {"details": PAYLOADS},
    ev.WORKFLOW_TIMED_OUT: _NONE,
    ev.ACTIVITY_PAUSED: _NONE,
    ev.ACTIVITY_UNPAUSED: _NONE,
}
"""Event type -> the payloads among its attributes."""

MESSAGES: Mapping[str, Spec] = {
    "start": {"input": PAYLOADS},
    "signal": {"input": PAYLOADS},
    "cancel": _NONE,
    "terminate": {"details": PAYLOADS},
    "timer": _NONE,
    "timeout": _NONE,
    "wake": _NONE,
    "external_done": {"failure": FAILURE},
    "child_started": _NONE,
    "child_start_failed": _NONE,
    "child_closed": {"result": PAYLOAD, "failure": FAILURE},
    "task_retry": _NONE,
    "activity_result": {"result": PAYLOAD, "failure": FAILURE, "heartbeat_details": PAYLOADS},
    "update": {"input": PAYLOADS},
    "activity_pause": _NONE,
    "activity_unpause": _NONE,
    "schedule_fire": _NONE,
}
"""Inbox message kind -> the payloads among its fields."""

ACTIVITY_TASK: Spec = {"input": PAYLOADS, "heartbeat_details": PAYLOADS}
"""An activity task (``durable._runtime.attempt.ActivityTask``): its arguments and the
details of the previous attempt's last heartbeat."""

EXECUTION_RECORD: Spec = {"memo": PAYLOAD_MAP, "task_failure": FAILURE}
"""An execution record's payloads (``ExecutionRecord``, as attributes)."""

HEARTBEAT_DETAILS: Field = PAYLOADS
"""A heartbeat record's details."""

SCHEDULE_DOCUMENT: Spec = {"schedule": {"action": {"args": PAYLOADS}}, "memo": PAYLOAD_MAP}
"""A stored schedule's payloads: its action's arguments and its memo."""


def event_spec(event_type: str) -> Spec:
    """The payloads of an event of this type (none for a type this engine does not know)."""
    return EVENTS.get(event_type, _NONE)


def message_spec(body: Mapping[str, object]) -> Spec:
    """The payloads of a queue body: an inbox message (by its kind) or an activity task."""
    kind = body.get("kind")
    if isinstance(kind, str):
        return MESSAGES.get(kind, _NONE)
    if "activity_type" in body:
        return ACTIVITY_TASK
    return _NONE
