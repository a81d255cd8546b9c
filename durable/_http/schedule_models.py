"""Request and response bodies of the schedule routes (the OpenAPI document is generated from them).

A schedule in the API is what temporalio's ``Schedule`` holds, in JSON: times in RFC 3339
(UTC when no offset is given), durations in seconds, the action's arguments as JSON values,
overlap policies by name (``ScheduleOverlapPolicy``'s), calendar fields as inclusive ranges
with temporalio's defaults (0 for second, minute and hour; every day, month and weekday; any year).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from durable._http import wire
from durable._http.models import IdText
from durable._schedules.overlap import ScheduleOverlapPolicy

__all__ = [
    "Backfill",
    "BackfillRequest",
    "Calendar",
    "CreateScheduleRequest",
    "CreateScheduleResponse",
    "Interval",
    "NoteRequest",
    "OverlapName",
    "Range",
    "ScheduleAction",
    "ScheduleActionTaken",
    "ScheduleBody",
    "ScheduleDescription",
    "ScheduleInfo",
    "ScheduleList",
    "ScheduleListAction",
    "ScheduleListEntry",
    "ScheduleListInfo",
    "ScheduleListState",
    "SchedulePolicy",
    "ScheduleRun",
    "ScheduleSpec",
    "ScheduleState",
    "TriggerRequest",
    "UpdateScheduleRequest",
]

OverlapName = Literal[tuple(p.name for p in ScheduleOverlapPolicy)]  # type: ignore[valid-type]
"""An overlap policy by its temporalio name."""


def _rfc3339(value: str) -> str:
    try:
        wire.parse_time(value)
    except ValueError:
        raise ValueError(f"not an RFC 3339 time: {value[:60]!r} (e.g. '2026-12-01T09:00:00Z')") from None
    return value


Time = Annotated[str, AfterValidator(_rfc3339), Field(description="RFC 3339 (UTC when it has no offset)")]
Seconds = Annotated[float, Field(description="seconds")]


class _Body(BaseModel):
    # An unknown field is a mistake the caller wants to hear about, not a silent drop.
    model_config = ConfigDict(extra="forbid")


class Range(_Body):
    """An inclusive range of values; ``end`` below ``start`` is ``start``, ``step`` 0 is 1."""

    start: int
    end: int = 0
    step: int = 0


def _ranges(*ranges: tuple[int, int]) -> Any:
    return Field(default_factory=lambda: [Range(start=s, end=e, step=1) for s, e in ranges])


class Calendar(_Body):
    """Calendar times: a time matches when a range of every field matches (day of month *and* day of week)."""

    second: list[Range] = _ranges((0, 0))
    minute: list[Range] = _ranges((0, 0))
    hour: list[Range] = _ranges((0, 0))
    day_of_month: list[Range] = _ranges((1, 31))
    month: list[Range] = _ranges((1, 12))
    year: list[Range] = Field(default_factory=list, description="empty: every year")
    day_of_week: list[Range] = Field(default_factory=lambda: [Range(start=0, end=6, step=1)], description="0 is Sunday")
    comment: str | None = None


class Interval(_Body):
    """Times ``epoch + n * every + offset``."""

    every: Seconds
    offset: Seconds = 0.0


class ScheduleSpec(_Body):
    """When actions fall due: calendars, cron expressions and intervals, minus ``skip``."""

    calendars: list[Calendar] = Field(default_factory=list)
    skip: list[Calendar] = Field(default_factory=list, description="times none of these match")
    cron_expressions: list[str] = Field(
        default_factory=list,
        description="Temporal's schedule cron (5 to 7 fields, `@every 1h`, `CRON_TZ=`); described as calendars",
    )
    intervals: list[Interval] = Field(default_factory=list)
    start_at: Time | None = None
    end_at: Time | None = None
    jitter: Seconds | None = Field(default=None, description="each action is delayed by up to this many seconds")
    time_zone_name: str | None = Field(default=None, description="IANA name of the calendars' time zone")


class ScheduleAction(_Body):
    """The workflow each action starts; its runs get the id `<workflow_id>-<scheduled time>`."""

    workflow_type: str = Field(min_length=1)
    workflow_id: IdText = Field(description="the prefix of each run's workflow id")
    task_queue: str = Field(min_length=1)
    input: list[Any] = Field(default_factory=list, description="the workflow's arguments, as JSON values")


class SchedulePolicy(_Body):
    """How actions that overlap, come late or fail are handled."""

    overlap: OverlapName = "SKIP"  # type: ignore[valid-type]
    catchup_window: Seconds | None = Field(default=None, description="how late an action may still be taken")
    pause_on_failure: bool = False


class ScheduleState(_Body):
    """Paused or not, and the actions left when limited."""

    note: str | None = None
    paused: bool = False
    limited_actions: bool = False
    remaining_actions: int = 0


class ScheduleBody(_Body):
    """A schedule: what it starts, when, under which policies, in which state."""

    action: ScheduleAction
    spec: ScheduleSpec = Field(default_factory=ScheduleSpec)
    policy: SchedulePolicy = Field(default_factory=SchedulePolicy)
    state: ScheduleState = Field(default_factory=ScheduleState)


class Backfill(_Body):
    """A past period whose actions are taken now (both ends inclusive)."""

    start_at: Time
    end_at: Time
    overlap: OverlapName | None = None  # type: ignore[valid-type]


class CreateScheduleRequest(_Body):
    """Create a schedule."""

    schedule_id: IdText
    schedule: ScheduleBody
    trigger_immediately: bool = False
    backfill: list[Backfill] = Field(default_factory=list)
    memo: dict[str, Any] | None = Field(default=None, description="memo values, as JSON values")


class CreateScheduleResponse(BaseModel):
    """The schedule created."""

    schedule_id: str


class UpdateScheduleRequest(_Body):
    """Replace a schedule's action, spec, policies and state."""

    schedule: ScheduleBody


class NoteRequest(_Body):
    """Pause or unpause, with a note (none: Temporal's default note)."""

    note: str | None = None


class TriggerRequest(_Body):
    """Take an action now, paused or not."""

    overlap: OverlapName | None = Field(default=None, description="none: the schedule's policy")  # type: ignore[valid-type]
    request_id: str | None = Field(
        default=None,
        pattern=r"^[!-~]{1,128}$",
        description="sent again with the same id, it takes no other action (as the `Idempotency-Key` header)",
    )


class BackfillRequest(_Body):
    """Take the actions of past periods now."""

    backfills: list[Backfill] = Field(min_length=1)
    request_id: str | None = Field(
        default=None, pattern=r"^[!-~]{1,128}$", description="sent again with the same id, it adds nothing"
    )


class ScheduleRun(BaseModel):
    """A workflow run a schedule started."""

    workflow_id: str
    run_id: str


class ScheduleActionTaken(ScheduleRun):
    """An action taken: the run it started, when it was due (jitter included) and when it was taken."""

    scheduled_at: str
    started_at: str


class ScheduleInfo(BaseModel):
    """What a schedule has done and will do."""

    num_actions: int
    num_actions_missed_catchup_window: int
    num_actions_skipped_overlap: int
    running_actions: list[ScheduleRun]
    recent_actions: list[ScheduleActionTaken] = Field(description="the 10 most recent, oldest first")
    next_action_times: list[str] = Field(description="the next 10")
    created_at: str
    last_updated_at: str | None


class ScheduleDescription(BaseModel):
    """A schedule, as it is stored (cron expressions shown as calendars), with what it did and will do."""

    schedule_id: str
    schedule: ScheduleBody
    info: ScheduleInfo
    memo: dict[str, Any] = Field(default_factory=dict, description="memo values, as JSON values")


class ScheduleListAction(BaseModel):
    """What a listed schedule starts."""

    workflow_type: str


class ScheduleListState(BaseModel):
    """Whether a listed schedule is paused, and its note."""

    note: str | None
    paused: bool


class ScheduleListInfo(BaseModel):
    """A listed schedule's recent and next actions."""

    recent_actions: list[ScheduleActionTaken]
    next_action_times: list[str]


class ScheduleListEntry(BaseModel):
    """One schedule of a listing."""

    schedule_id: str
    action: ScheduleListAction
    spec: ScheduleSpec
    state: ScheduleListState
    info: ScheduleListInfo
    memo: dict[str, Any] = Field(default_factory=dict)


class ScheduleList(BaseModel):
    """A page of schedules, by id; ``next_page_token`` gets the next page (null: the last)."""

    schedules: list[ScheduleListEntry]
    next_page_token: str | None
