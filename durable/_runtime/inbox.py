"""Inbox messages: their shapes, one per ``kind``, and how they are sent.

Every change to a run reaches it as a message in the inbox (one FIFO group per workflow
id): what a client asks (start, signal, cancel, terminate, update), what the engine's own
steps report (an activity's outcome, a timer that fired, a child that started or closed,
an external signal delivered), and a schedule's due action. The orchestrator applies them
(see :mod:`durable._runtime.translate`).

Each message carries a ``dedup`` key, unique within its run: the run's log remembers the
keys it consumed, so a message delivered twice is applied once, and SQS's own
deduplication id is derived from it (:func:`fifo_dedup`).
"""

from __future__ import annotations

import json
from typing import Any, Literal, NotRequired, TypedDict

from durable._runtime.services import INBOX, Services

__all__ = [
    "ActivityPauseMessage",
    "ActivityResultMessage",
    "ActivityUnpauseMessage",
    "CancelMessage",
    "ChildClosedMessage",
    "ChildStartFailedMessage",
    "ChildStartedMessage",
    "ExternalDoneMessage",
    "InboxMessage",
    "RunMessage",
    "RunMessageKind",
    "ScheduleFireMessage",
    "SignalMessage",
    "StartMessage",
    "TaskRetryMessage",
    "TerminateMessage",
    "TimeoutMessage",
    "TimerMessage",
    "UpdateMessage",
    "WakeMessage",
    "fifo_dedup",
    "inbox_body",
    "send_to_inbox",
    "send_to_inbox_at",
]

Failure = dict[str, Any]
"""A failure in durable's encoded form (:mod:`durable._failure`)."""


class _ToRun(TypedDict):
    workflow_id: str
    run_id: str
    dedup: str


class StartMessage(_ToRun):
    """Make the run's first decision (the start event is logged by whoever began the run).

    The start fields are there when the start event may be missing (a start before the
    client logged it, as older starts did): the orchestrator logs it then.
    """

    kind: Literal["start"]
    workflow_type: NotRequired[str]
    task_queue: NotRequired[str]
    input: NotRequired[list[str]]
    start_time: NotRequired[float]


class SignalMessage(_ToRun):
    """A signal for the workflow code."""

    kind: Literal["signal"]
    name: str
    input: list[str]
    follow: NotRequired[bool]
    """Sent to the workflow id: on to the next run should this one have continued as new."""
    headers: NotRequired[dict[str, str]]
    """What the sender's interceptors attached (``durable._headers``)."""


class CancelMessage(_ToRun):
    """A request that the workflow cancel."""

    kind: Literal["cancel"]
    reason: NotRequired[str]
    follow: NotRequired[bool]


class TerminateMessage(_ToRun):
    """Close the run as terminated, without asking the workflow code."""

    kind: Literal["terminate"]
    reason: NotRequired[str]
    details: NotRequired[list[str]]


class TimerMessage(_ToRun):
    """A durable timer fired (delivered late by the timer service)."""

    kind: Literal["timer"]
    seq: int


class TimeoutMessage(_ToRun):
    """The run's deadline passed: its run timeout, or its chain's execution timeout.

    Sent once per run, through the timer service, when the run begins (and again by
    whoever finishes a begin cut short); its dedup key is the same each time, and it
    changes nothing once the run has closed.
    """

    kind: Literal["timeout"]
    chain: bool
    """The execution timeout of the whole chain (never retried), not the run's own."""


class WakeMessage(_ToRun):
    """A worker for the run's task queue joined: decide on whatever waits."""

    kind: Literal["wake"]


class ExternalDoneMessage(_ToRun):
    """A signal or cancel this run sent to another workflow was delivered (or could not be)."""

    kind: Literal["external_done"]
    which: Literal["signal", "cancel"]
    seq: int
    failure: NotRequired[Failure]


class ChildStartedMessage(_ToRun):
    """A child this run started is running."""

    kind: Literal["child_started"]
    seq: int
    child_run_id: str


class ChildStartFailedMessage(_ToRun):
    """A child this run asked for could not start: its id is in use."""

    kind: Literal["child_start_failed"]
    seq: int


class ChildClosedMessage(_ToRun):
    """A child of this run closed (the last run of its chain)."""

    kind: Literal["child_closed"]
    seq: int
    status: str
    child_run_id: str
    result: NotRequired[str]
    failure: NotRequired[Failure]


class TaskRetryMessage(_ToRun):
    """Try a failed workflow task again (the attempt it retries)."""

    kind: Literal["task_retry"]
    attempt: int


class ActivityResultMessage(_ToRun):
    """How one attempt of an activity ended."""

    kind: Literal["activity_result"]
    seq: int
    attempt: int
    outcome: Literal["completed", "failed", "canceled"]
    result: NotRequired[str]
    failure: NotRequired[Failure]
    heartbeat_details: NotRequired[list[str]]
    identity: NotRequired[str]
    stamp: NotRequired[int]
    """The attempt's stamp (absent: 0), as its task carried it (see ``durable._runtime.activity_pause``)."""


class ActivityPauseMessage(_ToRun):
    """An operator paused a pending activity: no retry is scheduled until it is unpaused."""

    kind: Literal["activity_pause"]
    seq: int
    reason: str
    identity: str


class ActivityUnpauseMessage(_ToRun):
    """An operator unpaused an activity: its next attempt is dispatched at ``next_attempt_time``."""

    kind: Literal["activity_unpause"]
    seq: int
    identity: str
    reset_attempts: bool
    reset_heartbeats: bool
    next_attempt_time: float


class UpdateMessage(_ToRun):
    """An update request, validated and applied by the next decision."""

    kind: Literal["update"]
    update_id: str
    request_id: str
    name: str
    input: list[str]
    headers: NotRequired[dict[str, str]]
    """What the sender's interceptors attached (``durable._headers``)."""


class ScheduleFireMessage(TypedDict):
    """A schedule's action is due (sent in the schedule's message group, to no run)."""

    kind: Literal["schedule_fire"]
    schedule_id: str
    nominal: float
    dedup: str


RunMessage = (
    StartMessage
    | SignalMessage
    | CancelMessage
    | TerminateMessage
    | TimerMessage
    | TimeoutMessage
    | WakeMessage
    | ExternalDoneMessage
    | ChildStartedMessage
    | ChildStartFailedMessage
    | ChildClosedMessage
    | TaskRetryMessage
    | ActivityResultMessage
    | UpdateMessage
    | ActivityPauseMessage
    | ActivityUnpauseMessage
)
"""A message to one run."""

InboxMessage = RunMessage | ScheduleFireMessage
"""Anything the inbox carries."""

RunMessageKind = Literal[
    "start",
    "signal",
    "cancel",
    "terminate",
    "timer",
    "timeout",
    "wake",
    "external_done",
    "child_started",
    "child_start_failed",
    "child_closed",
    "task_retry",
    "activity_result",
    "update",
    "activity_pause",
    "activity_unpause",
]
"""The ``kind`` of a message to a run (one of the shapes above): a send names one of these."""


def inbox_body(workflow_id: str, run_id: str, kind: RunMessageKind, dedup: str, **fields: Any) -> str:
    """The JSON of a message to a run (``fields``: the rest of its kind's shape)."""
    return json.dumps(
        {"kind": kind, "workflow_id": workflow_id, "run_id": run_id, "dedup": dedup, **fields}, separators=(",", ":")
    )


def send_to_inbox(
    services: Services, workflow_id: str, run_id: str, kind: RunMessageKind, dedup: str, **fields: Any
) -> None:
    """Send one message to a run's inbox (FIFO group = workflow id)."""
    services.inbox.send(
        inbox_body(workflow_id, run_id, kind, dedup, **fields), group_id=workflow_id, dedup_id=fifo_dedup(run_id, dedup)
    )


def send_to_inbox_at(
    services: Services, at: float, workflow_id: str, run_id: str, kind: RunMessageKind, dedup: str, **fields: Any
) -> None:
    """Send one message to a run's inbox at time ``at`` (through the timer service)."""
    body = inbox_body(workflow_id, run_id, kind, dedup, **fields)
    services.timers.schedule(at, INBOX, body, group_id=workflow_id, dedup_id=fifo_dedup(run_id, dedup))


def fifo_dedup(run_id: str, dedup: str) -> str:
    """The deduplication id of a run's message: unique per run (Services derives the id SQS
    takes from it: a digest when it is long or has characters SQS refuses)."""
    return f"{run_id}:{dedup}"
