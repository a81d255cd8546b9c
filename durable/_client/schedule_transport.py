"""How a client reaches the engine's schedules: one method per operation, typed.

The in-process transport (:class:`durable._local.schedule_transport.LocalScheduleTransport`)
and the HTTP one (:class:`durable._http.remote_schedules.RemoteScheduleTransport`) implement
:class:`ScheduleTransport`; the client's schedule classes (:mod:`durable._client.schedules`)
turn temporalio's values into the documents here and back.

A schedule crosses as its :class:`ScheduleDocument`, the form the engine stores
(:mod:`durable._schedules.documents`: times in epoch seconds, durations in seconds, the
action's arguments as encoded payloads, calendars as ``[start, end, step]`` ranges). Each
transport raises temporalio's exceptions itself:

- ``RPCError`` NOT_FOUND: no such schedule;
- ``RPCError`` INVALID_ARGUMENT: a spec that cannot fire, a bad list filter or page token,
  a backfill that ends before it starts;
- :class:`~durable._client.errors.ScheduleAlreadyRunningError`: the id is taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from durable._schedules.documents import (
    BackfillDocument,
    CalendarDocument,
    IntervalDocument,
    ScheduleActionDocument,
    ScheduleActionTaken,
    ScheduleDescribed,
    ScheduleDetails,
    ScheduleDocument,
    ScheduleListed,
    SchedulePage,
    SchedulePolicyDocument,
    ScheduleRun,
    ScheduleSpecDocument,
    ScheduleStateDocument,
)
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

    async def trigger_schedule(self, schedule_id: str, overlap: ScheduleOverlapPolicy | None, request_id: str) -> None:
        """Take an action now (None: under the schedule's overlap policy); a repeated ``request_id`` takes none."""
        ...

    async def backfill_schedule(self, schedule_id: str, backfills: Sequence[BackfillDocument], request_id: str) -> None:
        """Take the actions of past periods now; a repeated ``request_id`` adds nothing."""
        ...
