"""A schedule as the engine stores it, and what describing and listing it return.

The stored document (:class:`ScheduleDocument`) is JSON: times in epoch seconds, durations
in seconds, the action's arguments as encoded payloads (the converter's JSON text), calendars
as ``[start, end, step]`` ranges, the overlap policy as a :class:`ScheduleOverlapPolicy`
value. The client's transports (:mod:`durable._client.schedule_transport`) carry these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

__all__ = [
    "BackfillDocument",
    "CalendarDocument",
    "IntervalDocument",
    "RangeDocument",
    "ScheduleActionDocument",
    "ScheduleActionTaken",
    "ScheduleDescribed",
    "ScheduleDetails",
    "ScheduleDocument",
    "ScheduleListed",
    "SchedulePage",
    "SchedulePolicyDocument",
    "ScheduleRun",
    "ScheduleSpecDocument",
    "ScheduleStateDocument",
]

RangeDocument = list[int]
"""An inclusive ``[start, end, step]`` range of a calendar field."""


class CalendarDocument(TypedDict):
    """Calendar times: a time matches when a range of every field matches (empty ``year``: any)."""

    second: list[RangeDocument]
    minute: list[RangeDocument]
    hour: list[RangeDocument]
    day_of_month: list[RangeDocument]
    month: list[RangeDocument]
    year: list[RangeDocument]
    day_of_week: list[RangeDocument]
    comment: str | None


class IntervalDocument(TypedDict):
    """Times ``epoch + n * every + offset`` (seconds)."""

    every: float
    offset: float


class ScheduleSpecDocument(TypedDict):
    """When actions fall due: calendars, cron expressions and intervals, minus ``skip``."""

    calendars: list[CalendarDocument]
    skip: list[CalendarDocument]
    cron_expressions: list[str]
    intervals: list[IntervalDocument]
    start_at: float | None
    end_at: float | None
    jitter: float | None
    time_zone_name: str | None


class ScheduleActionDocument(TypedDict):
    """The workflow each action starts (its run ids are ``<id>-<scheduled time>``)."""

    workflow: str
    args: list[str]
    """Encoded payloads."""
    id: str
    task_queue: str


class SchedulePolicyDocument(TypedDict):
    """Overlap policy (a :class:`ScheduleOverlapPolicy` value), catchup window (seconds), pause on failure."""

    overlap: int
    catchup_window: float | None
    pause_on_failure: bool


class ScheduleStateDocument(TypedDict):
    """Paused or not (with a note), and the actions left when limited."""

    note: str | None
    paused: bool
    limited_actions: bool
    remaining_actions: int


class ScheduleDocument(TypedDict):
    """A schedule as the engine stores it."""

    action: ScheduleActionDocument
    spec: ScheduleSpecDocument
    policy: SchedulePolicyDocument
    state: ScheduleStateDocument


class BackfillDocument(TypedDict):
    """A past period (epoch seconds, both ends inclusive) whose actions to take now."""

    start_at: float
    end_at: float
    overlap: int | None
    """A :class:`ScheduleOverlapPolicy` value; None: the schedule's."""


@dataclass(frozen=True)
class ScheduleRun:
    """A workflow run a schedule started."""

    workflow_id: str
    run_id: str


@dataclass(frozen=True)
class ScheduleActionTaken:
    """An action the schedule took: the run it started, when it was due (jitter included) and when taken."""

    workflow_id: str
    run_id: str
    scheduled_at: float
    started_at: float


@dataclass(frozen=True)
class ScheduleDetails:
    """What a schedule has done and will do."""

    num_actions: int
    num_actions_missed_catchup_window: int
    num_actions_skipped_overlap: int
    running: tuple[ScheduleRun, ...]
    recent_actions: tuple[ScheduleActionTaken, ...]
    """The 10 most recent, oldest first."""
    next_action_times: tuple[float, ...]
    """The next 10 (fewer when the remaining actions are fewer)."""
    created_at: float
    last_updated_at: float | None


@dataclass(frozen=True)
class ScheduleDescribed:
    """A schedule's description: the schedule, what it did and will do, its memo."""

    schedule_id: str
    schedule: ScheduleDocument
    info: ScheduleDetails
    memo: Mapping[str, str]
    """Encoded payloads by key."""


@dataclass(frozen=True)
class ScheduleListed:
    """One schedule of a listing, as temporalio lists it: less than a description."""

    schedule_id: str
    workflow_type: str
    spec: ScheduleSpecDocument
    note: str | None
    paused: bool
    recent_actions: tuple[ScheduleActionTaken, ...]
    next_action_times: tuple[float, ...]
    memo: Mapping[str, str]


@dataclass(frozen=True)
class SchedulePage:
    """One page of a listing; ``next_page_token`` None when it is the last."""

    schedules: tuple[ScheduleListed, ...]
    next_page_token: bytes | None
