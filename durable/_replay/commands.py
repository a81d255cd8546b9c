"""Commands the workflow code issues, and their events in the log."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, TypedDict

from durable._replay import events as ev
from durable._replay.events import Event

__all__ = [
    "AcceptUpdate",
    "CancelExternal",
    "CancelTimer",
    "CancelWorkflow",
    "ChildStartOptions",
    "Command",
    "ContinueAsNewOptions",
    "CompleteUpdate",
    "CompleteWorkflow",
    "ContinueAsNew",
    "CronContinueAsNew",
    "FailWorkflow",
    "LOCAL_ACTIVITY_MARKER",
    "RecordLocalActivity",
    "RecordPatch",
    "RequestCancelActivity",
    "ScheduleActivity",
    "SignalExternal",
    "StartChildWorkflow",
    "StartTimer",
    "UpsertSearchAttributes",
    "command_key",
]


@dataclass(frozen=True)
class Command:
    """Base of the commands; ``EVENT`` is the type of the event that records it."""

    EVENT: ClassVar[str] = ""
    OMITTED_WHEN_NONE: ClassVar[frozenset[str]] = frozenset()
    """Optional fields added after histories were recorded: left out of the event when None,
    so events without them stay as they were."""
    OMIT_EMPTY_HEADERS: ClassVar[bool] = True
    """Leave a ``headers`` field out of the event when empty, so that a run without
    interceptors logs what it logged before headers existed."""

    def to_event(self, time: float) -> Event:
        """The event recording this command."""
        attrs = {k: v for k, v in asdict(self).items() if v is not None or k not in self.OMITTED_WHEN_NONE}
        if self.OMIT_EMPTY_HEADERS and "headers" in attrs and not attrs["headers"]:
            del attrs["headers"]
        return ev.make_event(self.EVENT, time, **attrs)


@dataclass(frozen=True)
class ScheduleActivity(Command):
    """Run an activity (``seq`` numbers activities from 1 within a run)."""

    EVENT: ClassVar[str] = ev.ACTIVITY_SCHEDULED
    OMIT_EMPTY_HEADERS: ClassVar[bool] = False  # its events always had the field
    seq: int
    activity_id: str
    activity_type: str
    task_queue: str
    input: list[str]
    schedule_to_close_timeout: float | None
    start_to_close_timeout: float | None
    heartbeat_timeout: float | None
    retry_policy: dict[str, Any]
    cancellation_type: int
    headers: dict[str, Any] = field(default_factory=dict)
    schedule_to_start_timeout: float | None = None
    summary: str | None = None
    OMITTED_WHEN_NONE: ClassVar[frozenset[str]] = frozenset({"schedule_to_start_timeout", "summary"})


@dataclass(frozen=True)
class RequestCancelActivity(Command):
    """Ask a scheduled activity to stop."""

    EVENT: ClassVar[str] = ev.ACTIVITY_CANCEL_REQUESTED
    seq: int
    notify_activity: bool = True  # False for ABANDON: nothing is sent to the activity


@dataclass(frozen=True)
class StartTimer(Command):
    """A durable timer (``seq`` numbers timers from 1 within a run)."""

    EVENT: ClassVar[str] = ev.TIMER_STARTED
    seq: int
    duration: float
    summary: str | None = None
    OMITTED_WHEN_NONE: ClassVar[frozenset[str]] = frozenset({"summary"})


@dataclass(frozen=True)
class CancelTimer(Command):
    """Forget a timer that has not fired."""

    EVENT: ClassVar[str] = ev.TIMER_CANCELED
    seq: int


@dataclass(frozen=True)
class SignalExternal(Command):
    """Send a signal to another workflow (``seq`` numbers external signals from 1)."""

    EVENT: ClassVar[str] = ev.SIGNAL_EXTERNAL_INITIATED
    seq: int
    workflow_id: str
    run_id: str | None
    signal_name: str
    input: list[str]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CancelExternal(Command):
    """Ask another workflow to cancel (``seq`` numbers external cancels from 1)."""

    EVENT: ClassVar[str] = ev.CANCEL_EXTERNAL_INITIATED
    seq: int
    workflow_id: str
    run_id: str | None


class ChildStartOptions(TypedDict, total=False):
    """What a child's start may carry beyond its ids, type and timeouts (as a top-level start)."""

    cron_schedule: str
    memo: dict[str, str]
    """Name -> encoded value."""
    search_attributes: dict[str, Any]
    """Name -> stored value (``durable._search_attributes.to_stored``)."""
    static_summary: str
    static_details: str


@dataclass(frozen=True)
class StartChildWorkflow(Command):
    """Start a child workflow (``seq`` numbers children from 1 within a run).

    ``run_id`` is chosen by the parent (a pure function of its run and ``seq``), so that
    the engine can start the child again after a crash without ever making two runs.
    """

    EVENT: ClassVar[str] = ev.START_CHILD_INITIATED
    seq: int
    workflow_id: str
    run_id: str
    workflow_type: str
    task_queue: str
    input: list[str]
    parent_close_policy: int
    cancellation_type: int
    id_reuse_policy: int
    retry_policy: dict[str, Any] | None = None
    execution_timeout: float | None = None
    run_timeout: float | None = None
    task_timeout: float | None = None
    cron_schedule: str | None = None
    memo: dict[str, str] | None = None
    search_attributes: dict[str, Any] | None = None
    static_summary: str | None = None
    static_details: str | None = None
    OMITTED_WHEN_NONE: ClassVar[frozenset[str]] = frozenset(
        {"cron_schedule", "memo", "search_attributes", "static_summary", "static_details"}
    )
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordPatch(Command):
    """``workflow.patched(patch_id)`` took the new branch (or ``deprecate_patch``)."""

    EVENT: ClassVar[str] = ev.MARKER_RECORDED
    patch_id: str
    deprecated: bool = False


@dataclass(frozen=True)
class AcceptUpdate(Command):
    """An update passed its validator: its handler runs now, and the request is kept for replay."""

    EVENT: ClassVar[str] = ev.UPDATE_ACCEPTED
    update_id: str
    name: str
    input: list[str]
    dedup: str  # the inbox message that carried the request: consumed with this record
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CompleteUpdate(Command):
    """An update handler returned (``result``) or raised a failure error (``failure``)."""

    EVENT: ClassVar[str] = ev.UPDATE_COMPLETED
    update_id: str
    result: str | None = None
    failure: dict[str, Any] | None = None


LOCAL_ACTIVITY_MARKER = "core_local_activity"
"""The marker name temporalio's core gives local activity outcomes."""


@dataclass(frozen=True)
class RecordLocalActivity(Command):
    """A local activity's outcome: ``result``, or ``failure`` (with ``backoff`` when another
    attempt follows a timer). Replay resolves the activity from it instead of running it."""

    EVENT: ClassVar[str] = ev.MARKER_RECORDED
    seq: int
    activity_id: str
    activity_type: str
    attempt: int
    original_schedule_time: float
    result: str | None = None
    failure: dict[str, Any] | None = None
    backoff: float | None = None
    marker_name: str = LOCAL_ACTIVITY_MARKER
    summary: str | None = None
    OMITTED_WHEN_NONE: ClassVar[frozenset[str]] = frozenset({"summary"})


@dataclass(frozen=True)
class UpsertSearchAttributes(Command):
    """``workflow.upsert_search_attributes``: the changes, name -> stored value (None: unset)."""

    EVENT: ClassVar[str] = ev.UPSERT_SEARCH_ATTRIBUTES
    search_attributes: dict[str, Any]


@dataclass(frozen=True)
class CompleteWorkflow(Command):
    """The run method returned."""

    EVENT: ClassVar[str] = ev.WORKFLOW_COMPLETED
    result: str


@dataclass(frozen=True)
class FailWorkflow(Command):
    """The run method raised a failure error."""

    EVENT: ClassVar[str] = ev.WORKFLOW_FAILED
    failure: dict[str, Any]


class ContinueAsNewOptions(TypedDict, total=False):
    """What ``workflow.continue_as_new`` changes for the next run; what is left out it keeps."""

    run_timeout: float
    task_timeout: float
    backoff_start_interval: float
    memo: dict[str, str]
    """Name -> encoded value (all of the next run's memo)."""
    search_attributes: dict[str, Any]
    """Name -> stored value (all of the next run's search attributes)."""


@dataclass(frozen=True)
class ContinueAsNew(Command):
    """The run method asked to continue as a new run with fresh history."""

    EVENT: ClassVar[str] = ev.WORKFLOW_CONTINUED_AS_NEW
    new_execution_run_id: str
    workflow_type: str
    task_queue: str
    input: list[str]
    run_timeout: float | None = None
    task_timeout: float | None = None
    backoff_start_interval: float | None = None
    memo: dict[str, str] | None = None
    search_attributes: dict[str, Any] | None = None
    OMITTED_WHEN_NONE: ClassVar[frozenset[str]] = frozenset(
        {"run_timeout", "task_timeout", "backoff_start_interval", "memo", "search_attributes"}
    )
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CronContinueAsNew(ContinueAsNew):
    """A run of a cron workflow closed: the next run starts at the next tick (Temporal's shape)."""

    initiator: str = "CRON_SCHEDULE"
    cron_schedule: str = ""
    backoff_start_interval: float = 0.0
    first_execution_run_id: str = ""
    last_completion_result: str | None = None
    failure: dict[str, Any] | None = None


@dataclass(frozen=True)
class CancelWorkflow(Command):
    """The run method ended in cancellation after a cancel request."""

    EVENT: ClassVar[str] = ev.WORKFLOW_CANCELED


def command_key(event: Event) -> tuple[Any, ...]:
    """What replay compares between a recorded command event and a new one.

    Type and sequence number, plus the activity type for activities: the fields that
    identify *which* operation the code asked for, not its arguments (temporalio's rule).
    """
    attrs = event["attributes"]
    key: tuple[Any, ...] = (event["event_type"], attrs.get("seq"))
    if event["event_type"] == ev.ACTIVITY_SCHEDULED:
        key += (attrs["activity_type"],)
    elif event["event_type"] == ev.START_CHILD_INITIATED:
        key += (attrs["workflow_type"], attrs["workflow_id"])
    elif event["event_type"] == ev.MARKER_RECORDED:
        key += (attrs["patch_id"],) if "patch_id" in attrs else (attrs["marker_name"], attrs["activity_type"])
    elif event["event_type"] in (ev.UPDATE_ACCEPTED, ev.UPDATE_COMPLETED):
        key += (attrs["update_id"],)
    return key
