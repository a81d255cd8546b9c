"""Schedules over the HTTP API: the schedule half of the remote client transport.

:class:`RemoteScheduleTransport` implements
:class:`~durable._client.schedule_transport.ScheduleTransport` with the routes of
:mod:`durable._http.schedule_routes`, through the request method of the transport it is
mixed into (:meth:`durable._http.remote.HttpTransport.call`: signing, retries, and the
API's errors raised as temporalio's: 404 NOT_FOUND, 400 INVALID_ARGUMENT, 409
``schedule_already_exists`` ScheduleAlreadyRunningError).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from durable._client.schedule_transport import (
    BackfillDocument,
    ScheduleDescribed,
    ScheduleDocument,
    SchedulePage,
)
from durable._http import schedule_models as sm
from durable._http import schedule_wire as sw
from durable._schedules.overlap import ScheduleOverlapPolicy

__all__ = ["RemoteScheduleTransport"]

_BASE = "/schedules"


def _path(schedule_id: str, action: str = "") -> str:
    return f"{_BASE}/{quote(schedule_id, safe='')}{'/' + action if action else ''}"


class RemoteScheduleTransport:
    """:class:`~durable._client.schedule_transport.ScheduleTransport` over the HTTP API."""

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        *,
        context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> tuple[int, Any]:
        """One API call (the transport this is mixed into sends it)."""
        raise NotImplementedError("RemoteScheduleTransport is a mixin of the HTTP transport, which sends requests")

    async def create_schedule(
        self,
        schedule_id: str,
        schedule: ScheduleDocument,
        *,
        trigger_immediately: bool,
        backfill: Sequence[BackfillDocument],
        memo: Mapping[str, str],
    ) -> None:
        body = sm.CreateScheduleRequest(
            schedule_id=schedule_id,
            schedule=sw.body_of(schedule),
            trigger_immediately=trigger_immediately,
            backfill=sw.backfills_of(backfill),
            memo=sw.memo_out(memo) or None,
        )
        await self.call("POST", _BASE, body.model_dump(mode="json"))

    async def describe_schedule(self, schedule_id: str) -> ScheduleDescribed:
        _, reply = await self.call("GET", _path(schedule_id))
        return sw.described_of(sm.ScheduleDescription.model_validate(reply))

    async def list_schedules(self, query: str | None, page_size: int, next_page_token: bytes | None) -> SchedulePage:
        params = {
            "query": query,
            "page_size": page_size,
            "next_page_token": next_page_token.decode() if next_page_token else None,
        }
        _, reply = await self.call("GET", _BASE, query=params)
        page = sm.ScheduleList.model_validate(reply)
        token = page.next_page_token
        return SchedulePage(tuple(sw.listed_of(e) for e in page.schedules), token.encode() if token else None)

    async def update_schedule(self, schedule_id: str, schedule: ScheduleDocument) -> None:
        body = sm.UpdateScheduleRequest(schedule=sw.body_of(schedule))
        await self.call("PUT", _path(schedule_id), body.model_dump(mode="json"))

    async def delete_schedule(self, schedule_id: str) -> None:
        await self.call("DELETE", _path(schedule_id))

    async def pause_schedule(self, schedule_id: str, note: str | None) -> None:
        await self.call("POST", _path(schedule_id, "pause"), sm.NoteRequest(note=note).model_dump(mode="json"))

    async def unpause_schedule(self, schedule_id: str, note: str | None) -> None:
        await self.call("POST", _path(schedule_id, "unpause"), sm.NoteRequest(note=note).model_dump(mode="json"))

    async def trigger_schedule(self, schedule_id: str, overlap: ScheduleOverlapPolicy | None, request_id: str) -> None:
        body = sm.TriggerRequest(overlap=sw.overlap_name(overlap), request_id=request_id)
        await self.call("POST", _path(schedule_id, "trigger"), body.model_dump(mode="json"), request_id=request_id)

    async def backfill_schedule(self, schedule_id: str, backfills: Sequence[BackfillDocument], request_id: str) -> None:
        body = sm.BackfillRequest(backfills=sw.backfills_of(backfills), request_id=request_id)
        await self.call("POST", _path(schedule_id, "backfill"), body.model_dump(mode="json"))
