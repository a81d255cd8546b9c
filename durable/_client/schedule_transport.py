"""How a client reaches the engine's schedules: one method per operation, typed.

The in-process transport (:class:`durable._local.schedule_transport.LocalScheduleTransport`)
and the HTTP one (:class:`durable._http.remote_schedules.RemoteScheduleTransport`) implement
:class:`ScheduleTransport`; the client's schedule classes (:mod:`durable._client.schedules`)
turn temporalio's values into the documents here and back.

A schedule crosses as its :class:`ScheduleDocument`, the form the engine stores: times
in epoch seconds, durations in seconds, the action's arguments as encoded payloads (the
converter's JSON text), calendars as ``[start, end, step]`` ranges. Each transport raises
temporalio's exceptions itself:

- ``RPCError`` NOT_FOUND: no such schedule;
- ``RPCError`` INVALID_ARGUMENT: a spec that cannot fire, a bad list filter or page token,
  a backfill that ends before it starts;
- :class:`~durable._client.errors.ScheduleAlreadyRunningError`: the id is taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypedDict

from durable._schedules.overlap import ScheduleOverlapPolicy

__all__ = [
    "BackfillDocument",
    "CalendarDocument",
    "IntervalDocument",
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
    "ScheduleTransport",
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


class ScheduleTransport(Protocol):
    """Every schedule operation, as temporalio's client interceptor names them."""

    async def create_schedule(
        self,
        schedule_id: str,
        schedule: ScheduleDocument,
        *,
        trigger_immediately: bool,
        backfill: Sequence[BackfillDocument],
        memo: Mapping[str, str],
    ) -> None:
        """Store a new schedule and arm its first action (``memo``: encoded payloads)."""
        ...

    async def describe_schedule(self, schedule_id: str) -> ScheduleDescribed:
        """The schedule, with running workflows brought up to date."""
        ...

    async def list_schedules(self, query: str | None, page_size: int, next_page_token: bytes | None) -> SchedulePage:
        """One page of the schedules ``query`` matches (``ScheduleId``, ``TemporalSchedulePaused``), by id."""
        ...

    async def update_schedule(self, schedule_id: str, schedule: ScheduleDocument) -> None:
        """Replace action, spec, policy and state."""
        ...

    async def delete_schedule(self, schedule_id: str) -> None:
        """Remove the schedule; the workflows it started go on."""
        ...

    async def pause_schedule(self, schedule_id: str, note: str | None) -> None:
        """Stop taking actions (None: Temporal's default note)."""
        ...

    async def unpause_schedule(self, schedule_id: str, note: str | None) -> None:
        """Take actions again, from the next time on."""
        ...

    async def trigger_schedule(self, schedule_id: str, overlap: ScheduleOverlapPolicy | None) -> None:
        """Take an action now (None: under the schedule's overlap policy)."""
        ...

    async def backfill_schedule(self, schedule_id: str, backfills: Sequence[BackfillDocument], request_id: str) -> None:
        """Take the actions of past periods now; a repeated ``request_id`` adds nothing."""
        ...
