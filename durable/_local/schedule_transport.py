"""Schedules in process: the client transport's schedule half, over the runtime's Control.

:class:`LocalScheduleTransport` (a mixin of :class:`~durable._local.transport.LocalTransport`)
runs each operation with :class:`~durable._schedules.operations.ScheduleOperations`, as the
HTTP API's schedule routes do, and raises the engine's errors as temporalio's client does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from durable._client.errors import ScheduleAlreadyRunningError
from durable._limits import InvalidIdError
from durable._local.environment import LocalRuntime
from durable._runtime.ports import ScheduleAlreadyExists, ScheduleNotFound
from durable._schedules.documents import BackfillDocument, ScheduleDescribed, ScheduleDocument, SchedulePage
from durable._schedules.operations import InvalidScheduleRequest, ScheduleOperations
from durable._schedules.overlap import ScheduleOverlapPolicy
from durable._schedules.spec import InvalidScheduleSpec
from durable._visibility.query import InvalidQuery
from durable.service import RPCError, RPCStatusCode

__all__ = ["LocalScheduleTransport", "temporal_errors"]


@contextmanager
def temporal_errors(schedule_id: str | None) -> Iterator[None]:
    """The engine's schedule errors as temporalio's client raises them."""
    try:
        yield
    except ScheduleNotFound as err:
        raise RPCError(f"schedule not found: {schedule_id}", RPCStatusCode.NOT_FOUND, b"") from err
    except ScheduleAlreadyExists as err:
        raise ScheduleAlreadyRunningError() from err
    except InvalidScheduleSpec as err:
        raise RPCError(f"invalid schedule: {err}", RPCStatusCode.INVALID_ARGUMENT, b"") from err
    except (InvalidQuery, InvalidScheduleRequest, InvalidIdError) as err:
        raise RPCError(str(err), RPCStatusCode.INVALID_ARGUMENT, b"") from err


class LocalScheduleTransport:
    """:class:`~durable._client.schedule_transport.ScheduleTransport` over the local runtime."""

    runtime: LocalRuntime

    @property
    def _schedules(self) -> ScheduleOperations:
        return ScheduleOperations(self.runtime.control)

    async def _settled(self) -> None:
        # As the local environment's start does: let the first workflow task of a run a
        # schedule started be decided before the caller looks at it.
        await asyncio.get_running_loop().run_in_executor(None, self.runtime.dispatcher.wait_inbox_drained)

    async def create_schedule(
        self,
        schedule_id: str,
        schedule: ScheduleDocument,
        *,
        trigger_immediately: bool,
        backfill: Sequence[BackfillDocument],
        memo: Mapping[str, str],
    ) -> None:
        with temporal_errors(schedule_id):
            self._schedules.create(
                schedule_id, schedule, trigger_immediately=trigger_immediately, backfill=backfill, memo=memo
            )
        await self._settled()

    async def describe_schedule(self, schedule_id: str) -> ScheduleDescribed:
        with temporal_errors(schedule_id):
            return self._schedules.describe(schedule_id)

    async def list_schedules(self, query: str | None, page_size: int, next_page_token: bytes | None) -> SchedulePage:
        with temporal_errors(None):
            return self._schedules.list(query, page_size, next_page_token)

    async def update_schedule(self, schedule_id: str, schedule: ScheduleDocument) -> None:
        with temporal_errors(schedule_id):
            self._schedules.update(schedule_id, schedule)
        await self._settled()

    async def delete_schedule(self, schedule_id: str) -> None:
        with temporal_errors(schedule_id):
            self._schedules.delete(schedule_id)

    async def pause_schedule(self, schedule_id: str, note: str | None) -> None:
        with temporal_errors(schedule_id):
            self._schedules.pause(schedule_id, note)

    async def unpause_schedule(self, schedule_id: str, note: str | None) -> None:
        with temporal_errors(schedule_id):
            self._schedules.unpause(schedule_id, note)
        await self._settled()

    async def trigger_schedule(self, schedule_id: str, overlap: ScheduleOverlapPolicy | None, request_id: str) -> None:
        with temporal_errors(schedule_id):
            self._schedules.trigger(schedule_id, overlap, request_id)
        await self._settled()

    async def backfill_schedule(self, schedule_id: str, backfills: Sequence[BackfillDocument], request_id: str) -> None:
        with temporal_errors(schedule_id):
            self._schedules.backfill(schedule_id, backfills, request_id)
