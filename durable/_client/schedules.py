"""Schedules on the client (temporalio's ``client`` schedule classes, same names and fields).

A schedule starts a workflow at the times of its spec (calendars, cron expressions in
Temporal's schedule dialect, intervals, minus ``skip``), under an overlap policy, until
paused or deleted; ``backfill`` takes the actions of a past period. The values here are
what a user builds and what ``describe()`` returns (the spec as Temporal's server shows it:
cron expressions turned into calendars); they cross the transport
(:class:`~durable._client.schedule_transport.ScheduleTransport`) as the documents the engine
stores (:func:`schedule_to_doc` / :func:`schedule_from_doc`). The transport raises
temporalio's errors itself.

Not supported (a clear error, not a silent drop): search attributes on the schedule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from durable import _converter
from durable._client.errors import ScheduleAlreadyRunningError
from durable._client.interceptor import (
    BackfillScheduleInput,
    DeleteScheduleInput,
    DescribeScheduleInput,
    PauseScheduleInput,
    TriggerScheduleInput,
    UnpauseScheduleInput,
    UpdateScheduleInput,
)
from durable._client.paging import PageIterator
from durable._client.schedule_transport import (
    BackfillDocument,
    CalendarDocument,
    ScheduleActionTaken,
    ScheduleDescribed,
    ScheduleDocument,
    ScheduleListed,
    ScheduleSpecDocument,
)
from durable._conversion.data_converter import DataConverter
from durable._conversion.payload_converter import PayloadConverter
from durable._options import Priority
from durable._replay.definition import WorkflowDefinition
from durable._schedules.overlap import ScheduleOverlapPolicy
from durable._schedules.spec import InvalidScheduleSpec, canonical_spec
from durable._search_attributes import SearchAttributes, TypedSearchAttributes
from durable.common import RetryPolicy, _arg_or_args, _arg_unset
from durable.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from durable._client.client import Client

__all__ = [
    "Schedule",
    "ScheduleAction",
    "ScheduleActionExecution",
    "ScheduleActionExecutionStartWorkflow",
    "ScheduleActionResult",
    "ScheduleActionStartWorkflow",
    "ScheduleAlreadyRunningError",
    "ScheduleAsyncIterator",
    "ScheduleBackfill",
    "ScheduleCalendarSpec",
    "ScheduleDescription",
    "ScheduleHandle",
    "ScheduleInfo",
    "ScheduleIntervalSpec",
    "ScheduleListAction",
    "ScheduleListActionStartWorkflow",
    "ScheduleListDescription",
    "ScheduleListInfo",
    "ScheduleListSchedule",
    "ScheduleListState",
    "ScheduleOverlapPolicy",
    "SchedulePolicy",
    "ScheduleRange",
    "ScheduleSpec",
    "ScheduleState",
    "ScheduleUpdate",
    "ScheduleUpdateInput",
]


@dataclass(frozen=True)
class ScheduleRange:
    """Inclusive range for a schedule match value."""

    start: int
    """Inclusive start of the range."""
    end: int = 0
    """Inclusive end of the range; unset or less than start, it is start."""
    step: int = 0
    """Step between values; unset or 0, it is 1."""

    def __post_init__(self) -> None:
        """Set field defaults."""
        if self.end < self.start:
            object.__setattr__(self, "end", self.start)
        if self.step == 0:
            object.__setattr__(self, "step", 1)


@dataclass
class ScheduleCalendarSpec:
    """Calendar times: a time matches when at least one range of every field matches.

    Day of month and day of week must both match (unlike classic cron). An empty ``year``
    matches every year; any other empty field matches nothing.
    """

    second: Sequence[ScheduleRange] = (ScheduleRange(0),)
    """Second range to match, 0-59. Default matches 0."""
    minute: Sequence[ScheduleRange] = (ScheduleRange(0),)
    """Minute range to match, 0-59. Default matches 0."""
    hour: Sequence[ScheduleRange] = (ScheduleRange(0),)
    """Hour range to match, 0-23. Default matches 0."""
    day_of_month: Sequence[ScheduleRange] = (ScheduleRange(1, 31),)
    """Day of month range to match, 1-31. Default matches all days."""
    month: Sequence[ScheduleRange] = (ScheduleRange(1, 12),)
    """Month range to match, 1-12. Default matches all months."""
    year: Sequence[ScheduleRange] = ()
    """Optional year range to match. Default of empty matches all years."""
    day_of_week: Sequence[ScheduleRange] = (ScheduleRange(0, 6),)
    """Day of week range to match, 0-6, 0 is Sunday. Default matches all days."""
    comment: str | None = None
    """Description of this calendar."""


@dataclass
class ScheduleIntervalSpec:
    """Times ``epoch + n * every + offset``."""

    every: timedelta
    """Period to repeat the interval."""
    offset: timedelta | None = None
    """Fixed offset added to each interval period."""


@dataclass
class ScheduleSpec:
    """When actions fall due: the union of ``calendars``, ``intervals`` and
    ``cron_expressions``, excluding anything in ``skip``."""

    calendars: Sequence[ScheduleCalendarSpec] = dataclasses.field(default_factory=list)
    """Calendar-based times."""
    intervals: Sequence[ScheduleIntervalSpec] = dataclasses.field(default_factory=list)
    """Interval-based times."""
    cron_expressions: Sequence[str] = dataclasses.field(default_factory=list)
    """Cron expressions in Temporal's schedule dialect (5-7 fields, both day fields must
    match, ``# comment``, ``@every <interval>[/<phase>]``, ``CRON_TZ=``); describe shows
    them as calendars (and intervals), as Temporal's server does."""
    skip: Sequence[ScheduleCalendarSpec] = dataclasses.field(default_factory=list)
    """Set of matching calendar times that will be skipped."""
    start_at: datetime | None = None
    """No action before this time."""
    end_at: datetime | None = None
    """No action after this time."""
    jitter: timedelta | None = None
    """Each action is delayed by a random amount up to this (never past the next time)."""
    time_zone_name: str | None = None
    """IANA time zone name of the calendars and cron expressions, for example ``US/Central``."""


class ScheduleAction:
    """Base of what a schedule does (:class:`ScheduleActionStartWorkflow`)."""


class ScheduleActionStartWorkflow(ScheduleAction):
    """Start a workflow: the run method (or type name), its arguments, id and task queue.

    Each run gets the id ``<id>-<scheduled time, RFC 3339>`` as in Temporal.
    """

    def __init__(
        self,
        workflow: str | Callable[..., Awaitable[Any]],
        arg: Any = _arg_unset,
        *,
        args: Sequence[Any] = (),
        id: str,
        task_queue: str,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        retry_policy: RetryPolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        typed_search_attributes: TypedSearchAttributes | None = None,
        untyped_search_attributes: SearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        raw_info: Any = None,
        priority: Priority = Priority.default,
    ) -> None:
        """Describe the workflow each action starts (see ``Client.start_workflow``).

        The timeouts are kept on the action and not enforced (the engine enforces no workflow
        timeout, as for ``start_workflow``); a retry policy, memo, search attributes, static
        summary or details, raw info or priority on the scheduled runs is refused
        (NotImplementedError): the schedule's runs would start without them.
        """
        refused = {
            "retry_policy": retry_policy,
            "memo": memo,
            "typed_search_attributes": list(typed_search_attributes or ()),
            "untyped_search_attributes": untyped_search_attributes,
            "static_summary": static_summary,
            "static_details": static_details,
            "raw_info": raw_info,
            "priority": None if priority == Priority.default else priority,
        }
        used = sorted(k for k, v in refused.items() if v not in (None, (), [], {}, ""))
        if used:
            raise NotImplementedError(f"not supported by this engine yet on a scheduled start: {', '.join(used)}")
        if not id:
            raise ValueError("ID required")
        if not task_queue:
            raise ValueError("Task queue required")
        if callable(workflow):
            name = WorkflowDefinition.of(workflow).name
            if name is None:
                raise ValueError("Cannot schedule dynamic workflow explicitly")
            workflow = name
        elif not isinstance(workflow, str):
            raise TypeError("Workflow must be a string or callable")
        self.workflow: str = workflow
        self.args: Sequence[Any] = _arg_or_args(arg, args)
        self.id = id
        self.task_queue = task_queue
        self.execution_timeout = execution_timeout
        self.run_timeout = run_timeout
        self.task_timeout = task_timeout
        self.retry_policy = retry_policy
        self.memo = memo

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScheduleActionStartWorkflow):
            return NotImplemented
        return (self.workflow, list(self.args), self.id, self.task_queue) == (
            other.workflow,
            list(other.args),
            other.id,
            other.task_queue,
        )

    def __repr__(self) -> str:
        return (
            f"ScheduleActionStartWorkflow(workflow={self.workflow!r}, args={list(self.args)!r}, "
            f"id={self.id!r}, task_queue={self.task_queue!r})"
        )


@dataclass
class ScheduleBackfill:
    """Time period and policy for actions taken as if the time passed right now."""

    start_at: datetime
    """Start of the range to evaluate the schedule in (inclusive, as Temporal's server)."""
    end_at: datetime
    """End of the range (inclusive)."""
    overlap: ScheduleOverlapPolicy | None = None
    """Overlap policy of these actions; None: the schedule's."""


@dataclass
class SchedulePolicy:
    """Policies of a schedule."""

    overlap: ScheduleOverlapPolicy = dataclasses.field(default_factory=lambda: ScheduleOverlapPolicy.SKIP)
    """What happens when an action falls due while a started workflow still runs."""
    catchup_window: timedelta | None = None
    """How late an action may still be taken (after an outage); None: one year."""
    pause_on_failure: bool = False
    """Pause the schedule when a workflow it started fails or times out."""


@dataclass
class ScheduleState:
    """State of a schedule."""

    note: str | None = None
    """Human-readable note (pause and unpause set it)."""
    paused: bool = False
    """Whether actions are taken (a trigger acts even when paused)."""
    limited_actions: bool = False
    """Whether ``remaining_actions`` counts down."""
    remaining_actions: int = 0
    """Actions left when ``limited_actions``; none are scheduled once it reaches 0."""


@dataclass
class Schedule:
    """A schedule: what it does, when, under which policies, in which state."""

    action: ScheduleAction
    spec: ScheduleSpec
    policy: SchedulePolicy = dataclasses.field(default_factory=SchedulePolicy)
    state: ScheduleState = dataclasses.field(default_factory=ScheduleState)


class ScheduleActionExecution:
    """Base of an action's execution."""


@dataclass
class ScheduleActionExecutionStartWorkflow(ScheduleActionExecution):
    """A workflow a schedule started."""

    workflow_id: str
    first_execution_run_id: str


@dataclass
class ScheduleActionResult:
    """An action the schedule took."""

    scheduled_at: datetime
    """Its scheduled time, jitter included."""
    started_at: datetime
    """When it was actually taken."""
    action: ScheduleActionExecution


@dataclass
class ScheduleInfo:
    """What the schedule has done and will do."""

    num_actions: int
    num_actions_missed_catchup_window: int
    num_actions_skipped_overlap: int
    running_actions: Sequence[ScheduleActionExecution]
    recent_actions: Sequence[ScheduleActionResult]
    """The 10 most recent actions, oldest first."""
    next_action_times: Sequence[datetime]
    """The next 10 action times."""
    created_at: datetime
    last_updated_at: datetime | None


@dataclass
class ScheduleDescription:
    """What ``ScheduleHandle.describe()`` returns."""

    id: str
    schedule: Schedule
    info: ScheduleInfo
    typed_search_attributes: Any = None
    search_attributes: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    data_converter: Any = None
    raw_description: Any = None
    _memo: Mapping[str, Any] | None = dataclasses.field(default=None, repr=False)

    async def memo(self) -> Mapping[str, Any]:
        """The schedule's memo."""
        return dict(self._memo or {})


@dataclass
class ScheduleUpdateInput:
    """What an ``update`` callback receives."""

    description: ScheduleDescription


@dataclass
class ScheduleUpdate:
    """What an ``update`` callback returns: the new schedule."""

    schedule: Schedule
    search_attributes: Any = None


class ScheduleListAction:
    """Base of a listed schedule's action."""


@dataclass
class ScheduleListActionStartWorkflow(ScheduleListAction):
    """A listed schedule starts workflows of this type."""

    workflow: str


@dataclass
class ScheduleListState:
    """State of a listed schedule."""

    note: str | None
    paused: bool


@dataclass
class ScheduleListSchedule:
    """A listed schedule's action, spec and state."""

    action: ScheduleListAction
    spec: ScheduleSpec
    state: ScheduleListState


@dataclass
class ScheduleListInfo:
    """A listed schedule's recent and next actions."""

    recent_actions: Sequence[ScheduleActionResult]
    next_action_times: Sequence[datetime]


@dataclass
class ScheduleListDescription:
    """One schedule of ``list_schedules()``."""

    id: str
    schedule: ScheduleListSchedule | None
    info: ScheduleListInfo | None
    typed_search_attributes: Any = None
    search_attributes: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    data_converter: Any = None
    raw_entry: Any = None


class ScheduleHandle:
    """A schedule: describe, pause, unpause, trigger, update, delete it."""

    def __init__(self, client: Client, id: str) -> None:
        self._client = client
        self.id = id

    async def backfill(
        self,
        *backfill: ScheduleBackfill,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Take the actions the spec gives in each period, as if the time passed right now.

        Paused or not, whatever the remaining actions; each period under its own overlap
        policy (or the schedule's). Backfilled runs show in ``describe()`` as any other.
        """
        if not backfill:
            raise ValueError("At least one backfill required")
        await self._client._outbound.backfill_schedule(
            BackfillScheduleInput(id=self.id, backfills=backfill, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)
        )

    async def delete(
        self, *, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> None:
        """Delete the schedule; workflows it started go on."""
        await self._client._outbound.delete_schedule(
            DeleteScheduleInput(id=self.id, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)
        )

    async def describe(
        self, *, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> ScheduleDescription:
        """The schedule, with its counters, running workflows, recent and next actions."""
        return await self._client._outbound.describe_schedule(
            DescribeScheduleInput(id=self.id, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)
        )

    async def pause(
        self,
        *,
        note: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Stop taking actions (a trigger still acts)."""
        await self._client._outbound.pause_schedule(
            PauseScheduleInput(id=self.id, note=note, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)
        )

    async def trigger(
        self,
        *,
        overlap: ScheduleOverlapPolicy | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Take an action now; ``overlap`` overrides the schedule's policy for it."""
        await self._client._outbound.trigger_schedule(
            TriggerScheduleInput(
                id=self.id,
                overlap=ScheduleOverlapPolicy(overlap) if overlap else None,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def unpause(
        self,
        *,
        note: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Take actions again, from the next time on."""
        await self._client._outbound.unpause_schedule(
            UnpauseScheduleInput(id=self.id, note=note, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)
        )

    async def update(
        self,
        updater: Callable[[ScheduleUpdateInput], ScheduleUpdate | None | Awaitable[ScheduleUpdate | None]],
        *,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Replace the schedule with what ``updater`` builds from its description (None: no change)."""
        await self._client._outbound.update_schedule(
            UpdateScheduleInput(id=self.id, updater=updater, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)
        )


class ScheduleAsyncIterator(PageIterator[ScheduleListDescription]):
    """``async for`` over :class:`ScheduleListDescription` values, a page at a time."""

    def __init__(
        self, client: Client, query: str | None = None, page_size: int = 1000, next_page_token: bytes | None = None
    ) -> None:
        super().__init__(page_size=page_size, next_page_token=next_page_token)
        self._client = client
        self._query = query

    async def _fetch(
        self, page_size: int, next_page_token: bytes | None
    ) -> tuple[Sequence[ScheduleListDescription], bytes | None]:
        page = await self._client._transport.list_schedules(self._query, page_size, next_page_token)
        converter = self._client.data_converter
        return [_list_description(entry, converter) for entry in page.schedules], page.next_page_token


# -- the client's calls ------------------------------------------------------------------


async def create_schedule(
    client: Client,
    id: str,
    schedule: Schedule,
    *,
    trigger_immediately: bool = False,
    backfill: Sequence[ScheduleBackfill] = (),
    memo: Mapping[str, Any] | None = None,
    search_attributes: Any = None,
) -> ScheduleHandle:
    """See ``Client.create_schedule``."""
    if search_attributes:
        raise NotImplementedError("not supported by this engine yet: search attributes on a schedule")
    converter = client.data_converter.payload_converter
    await client._transport.create_schedule(
        id,
        schedule_to_doc(schedule, converter),
        trigger_immediately=trigger_immediately,
        backfill=_backfill_docs(backfill),
        memo={key: _converter.encode(value, converter) for key, value in (memo or {}).items()},
    )
    return ScheduleHandle(client, id)


# -- documents -----------------------------------------------------------------------------


def _secs(d: timedelta | None) -> float | None:
    return d.total_seconds() if d is not None else None


def _epoch(t: datetime) -> float:
    # A naive datetime is UTC, as protobuf's Timestamp.FromDatetime reads it for temporalio
    # (its samples pass datetime.utcnow()), not local time as datetime.timestamp() would.
    return (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).timestamp()


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


def _backfill_docs(backfills: Sequence[ScheduleBackfill]) -> list[BackfillDocument]:
    return [
        {
            "start_at": _epoch(b.start_at),
            "end_at": _epoch(b.end_at),
            "overlap": int(b.overlap) if b.overlap else None,
        }
        for b in backfills
    ]


def _calendar_to_doc(cal: ScheduleCalendarSpec, where: str) -> CalendarDocument:
    if not isinstance(cal, ScheduleCalendarSpec):
        raise TypeError(f"{where} must be a ScheduleCalendarSpec, not {type(cal).__name__}")

    def ranges(field: Sequence[ScheduleRange]) -> list[list[int]]:
        return [[r.start, r.end, r.step] for r in field]

    return {
        "second": ranges(cal.second),
        "minute": ranges(cal.minute),
        "hour": ranges(cal.hour),
        "day_of_month": ranges(cal.day_of_month),
        "month": ranges(cal.month),
        "year": ranges(cal.year),
        "day_of_week": ranges(cal.day_of_week),
        "comment": cal.comment,
    }


def _calendar_from_doc(doc: Mapping[str, Any]) -> ScheduleCalendarSpec:
    def ranges(name: str) -> tuple[ScheduleRange, ...]:
        return tuple(ScheduleRange(*r) for r in doc.get(name, []))

    return ScheduleCalendarSpec(
        second=ranges("second"),
        minute=ranges("minute"),
        hour=ranges("hour"),
        day_of_month=ranges("day_of_month"),
        month=ranges("month"),
        year=ranges("year"),
        day_of_week=ranges("day_of_week"),
        comment=doc.get("comment") or None,
    )


def schedule_to_doc(schedule: Schedule, converter: PayloadConverter | None = None) -> ScheduleDocument:
    """The document of a schedule (what the engine stores; its arguments by ``converter``).

    Raises:
        TypeError / ValueError: an action or time that cannot be stored.
    """
    action = schedule.action
    if not isinstance(action, ScheduleActionStartWorkflow):
        raise TypeError(f"schedule.action must be a ScheduleActionStartWorkflow, not {type(action).__name__}")
    spec = schedule.spec
    return {
        "action": {
            "workflow": action.workflow,
            "args": _converter.encode_args(list(action.args), converter),
            "id": action.id,
            "task_queue": action.task_queue,
        },
        "spec": {
            "calendars": [_calendar_to_doc(c, f"spec.calendars[{i}]") for i, c in enumerate(spec.calendars)],
            "skip": [_calendar_to_doc(c, f"spec.skip[{i}]") for i, c in enumerate(spec.skip)],
            "cron_expressions": list(spec.cron_expressions),
            "intervals": [
                {"every": iv.every.total_seconds(), "offset": _secs(iv.offset) or 0.0} for iv in spec.intervals
            ],
            "start_at": _epoch(spec.start_at) if spec.start_at is not None else None,
            "end_at": _epoch(spec.end_at) if spec.end_at is not None else None,
            "jitter": _secs(spec.jitter),
            "time_zone_name": spec.time_zone_name,
        },
        "policy": {
            "overlap": int(schedule.policy.overlap),
            "catchup_window": _secs(schedule.policy.catchup_window),
            "pause_on_failure": schedule.policy.pause_on_failure,
        },
        "state": {
            "note": schedule.state.note,
            "paused": schedule.state.paused,
            "limited_actions": schedule.state.limited_actions,
            "remaining_actions": schedule.state.remaining_actions,
        },
    }


def _spec_from_doc(stored: ScheduleSpecDocument) -> ScheduleSpec:
    """The spec as Temporal's server describes it: cron expressions as calendars and intervals."""
    try:
        spec = canonical_spec(dict(stored))
    except InvalidScheduleSpec as err:  # stored by a release that checked less
        raise RPCError(f"invalid schedule: {err}", RPCStatusCode.INVALID_ARGUMENT, b"") from err
    return ScheduleSpec(
        calendars=[_calendar_from_doc(c) for c in spec["calendars"]],
        skip=[_calendar_from_doc(c) for c in spec.get("skip", [])],
        cron_expressions=list(spec["cron_expressions"]),
        intervals=[
            ScheduleIntervalSpec(
                every=timedelta(seconds=iv["every"]), offset=timedelta(seconds=iv["offset"]) if iv["offset"] else None
            )
            for iv in spec["intervals"]
        ],
        start_at=_dt(spec["start_at"]) if spec.get("start_at") is not None else None,
        end_at=_dt(spec["end_at"]) if spec.get("end_at") is not None else None,
        jitter=timedelta(seconds=spec["jitter"]) if spec.get("jitter") else None,
        time_zone_name=spec.get("time_zone_name"),
    )


def schedule_from_doc(doc: ScheduleDocument, converter: PayloadConverter | None = None) -> Schedule:
    """A :class:`Schedule` from its document (arguments decoded by ``converter`` without type hints)."""
    action, policy, state = doc["action"], doc["policy"], doc["state"]
    return Schedule(
        action=ScheduleActionStartWorkflow(
            action["workflow"],
            args=_converter.decode_args(action["args"], None, converter),
            id=action["id"],
            task_queue=action["task_queue"],
        ),
        spec=_spec_from_doc(doc["spec"]),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy(policy["overlap"]),
            catchup_window=timedelta(seconds=policy["catchup_window"]) if policy["catchup_window"] else None,
            pause_on_failure=policy["pause_on_failure"],
        ),
        state=ScheduleState(
            note=state["note"],
            paused=state["paused"],
            limited_actions=state["limited_actions"],
            remaining_actions=state["remaining_actions"],
        ),
    )


def _results(actions: Sequence[ScheduleActionTaken]) -> list[ScheduleActionResult]:
    return [
        ScheduleActionResult(
            scheduled_at=_dt(a.scheduled_at),
            started_at=_dt(a.started_at),
            action=ScheduleActionExecutionStartWorkflow(workflow_id=a.workflow_id, first_execution_run_id=a.run_id),
        )
        for a in actions
    ]


def _memo(memo: Mapping[str, str], converter: PayloadConverter) -> dict[str, Any]:
    return {key: _converter.decode(value, None, converter) for key, value in memo.items()}


def _description(described: ScheduleDescribed, data_converter: DataConverter) -> ScheduleDescription:
    info = described.info
    converter = data_converter.payload_converter
    return ScheduleDescription(
        id=described.schedule_id,
        schedule=schedule_from_doc(described.schedule, converter),
        info=ScheduleInfo(
            num_actions=info.num_actions,
            num_actions_missed_catchup_window=info.num_actions_missed_catchup_window,
            num_actions_skipped_overlap=info.num_actions_skipped_overlap,
            running_actions=[
                ScheduleActionExecutionStartWorkflow(workflow_id=r.workflow_id, first_execution_run_id=r.run_id)
                for r in info.running
            ],
            recent_actions=_results(info.recent_actions),
            next_action_times=[_dt(t) for t in info.next_action_times],
            created_at=_dt(info.created_at),
            last_updated_at=_dt(info.last_updated_at) if info.last_updated_at is not None else None,
        ),
        data_converter=data_converter,
        _memo=_memo(described.memo, converter),
    )


def _list_description(listed: ScheduleListed, data_converter: DataConverter) -> ScheduleListDescription:
    return ScheduleListDescription(
        id=listed.schedule_id,
        schedule=ScheduleListSchedule(
            action=ScheduleListActionStartWorkflow(workflow=listed.workflow_type),
            spec=_spec_from_doc(listed.spec),
            state=ScheduleListState(note=listed.note, paused=listed.paused),
        ),
        info=ScheduleListInfo(
            recent_actions=_results(listed.recent_actions),
            next_action_times=[_dt(t) for t in listed.next_action_times],
        ),
        data_converter=data_converter,
    )
