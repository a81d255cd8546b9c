"""The client's side of the codec: a transport that encodes what it sends and decodes what
it gets back.

:class:`CodecTransport` wraps either transport (in-process or HTTP), so every payload a
client sends (start arguments, memo, signal, query and update arguments, signal-with-start
and update-with-start, async activity completions and heartbeats, terminate details,
schedule action arguments and memo) is encoded before the transport sees it, and every
payload it gets (results, query and update results, failures' details, describe's memo,
pending activities' heartbeat details and failures, listings' memo, schedules) is decoded.
Over HTTP the server thus never sees a plain payload.

A run's history comes back as stored, encoded, as temporalio's ``fetch_history`` returns
it: a :class:`~durable.worker.Replayer` given the same data converter decodes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from durable._client.transport import (
    FailureDocument,
    HistoryEvent,
    RunOutcome,
    StartWorkflowInput,
    Transport,
    UpdateInput,
)
from durable._codec.boundary import PayloadBoundary
from durable._codec.catalogue import EXECUTION_RECORD, FAILURE, PAYLOAD, PAYLOAD_MAP, PAYLOADS
from durable._runtime.control import Description, PendingActivity, Started, UpdateStatus
from durable._runtime.ports import ExecutionRecord
from durable._runtime.reset import ResetRequest
from durable._schedules.documents import (
    BackfillDocument,
    ScheduleDescribed,
    ScheduleDocument,
    SchedulePage,
)
from durable._schedules.overlap import ScheduleOverlapPolicy
from durable._visibility.listing import Count, Page

__all__ = ["CodecTransport"]

_SCHEDULE = {"action": {"args": PAYLOADS}}


class CodecTransport:
    """A :class:`Transport` that runs a payload codec around another one."""

    def __init__(self, inner: Transport, boundary: PayloadBoundary) -> None:
        self.inner = inner
        self._b = boundary

    # -- helpers ----------------------------------------------------------------------------

    async def _enc(self, value: Any, field: Any) -> Any:
        return await self._b.encode_field_async(value, field)

    async def _dec(self, value: Any, field: Any) -> Any:
        return await self._b.decode_field_async(value, field)

    async def _status(self, status: UpdateStatus) -> UpdateStatus:
        if status.result is None and status.failure is None:
            return status
        done = await self._dec(
            {"result": status.result, "failure": status.failure}, {"result": PAYLOAD, "failure": FAILURE}
        )
        return dataclasses.replace(status, result=done["result"], failure=done["failure"])

    async def _records(self, records: Sequence[ExecutionRecord]) -> list[ExecutionRecord]:
        shown = [{"memo": r.memo, "task_failure": r.task_failure} for r in records]
        done = await self._b.decode_async(shown, [EXECUTION_RECORD] * len(shown))
        return [
            dataclasses.replace(r, memo=d["memo"], task_failure=d["task_failure"])
            for r, d in zip(records, done, strict=True)
        ]

    async def _start(self, start: StartWorkflowInput) -> StartWorkflowInput:
        done = await self._enc(
            {"args": start.args, "memo": start.memo, "start_signal_args": start.start_signal_args},
            {"args": PAYLOADS, "memo": PAYLOAD_MAP, "start_signal_args": PAYLOADS},
        )
        return dataclasses.replace(
            start, args=done["args"], memo=done["memo"], start_signal_args=done["start_signal_args"]
        )

    async def _update(self, update: UpdateInput) -> UpdateInput:
        return dataclasses.replace(update, args=await self._enc(update.args, PAYLOADS))

    # -- workflows --------------------------------------------------------------------------

    async def start(self, start: StartWorkflowInput) -> Started:
        return await self.inner.start(await self._start(start))

    async def signal(
        self,
        workflow_id: str,
        run_id: str | None,
        name: str,
        args: list[str],
        *,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        encoded = await self._enc(args, PAYLOADS)
        await self.inner.signal(workflow_id, run_id, name, encoded, request_id=request_id, headers=headers)

    async def query(
        self, workflow_id: str, run_id: str | None, name: str, args: list[str], *, headers: dict[str, str] | None = None
    ) -> str:
        result = await self.inner.query(workflow_id, run_id, name, await self._enc(args, PAYLOADS), headers=headers)
        decoded: str = await self._dec(result, PAYLOAD)
        return decoded

    async def start_update(self, workflow_id: str, run_id: str | None, update: UpdateInput) -> UpdateStatus:
        return await self._status(await self.inner.start_update(workflow_id, run_id, await self._update(update)))

    async def poll_update(self, workflow_id: str, run_id: str | None, update_id: str) -> UpdateStatus:
        return await self._status(await self.inner.poll_update(workflow_id, run_id, update_id))

    async def update_with_start(
        self, start: StartWorkflowInput, update: UpdateInput, *, on_start: Callable[[str], None]
    ) -> UpdateStatus:
        status = await self.inner.update_with_start(
            await self._start(start), await self._update(update), on_start=on_start
        )
        return await self._status(status)

    async def cancel(
        self, workflow_id: str, run_id: str | None, *, reason: str = "", request_id: str | None = None
    ) -> None:
        await self.inner.cancel(workflow_id, run_id, reason=reason, request_id=request_id)

    async def terminate(
        self, workflow_id: str, run_id: str | None, reason: str, details: list[str], *, request_id: str | None = None
    ) -> None:
        encoded = await self._enc(details, PAYLOADS)
        await self.inner.terminate(workflow_id, run_id, reason, encoded, request_id=request_id)

    async def reset(self, workflow_id: str, run_id: str | None, reset: ResetRequest) -> str:
        return await self.inner.reset(workflow_id, run_id, reset)

    async def describe(self, workflow_id: str, run_id: str | None) -> Description:
        described = await self.inner.describe(workflow_id, run_id)
        (record,) = await self._records([described.record])
        pending = [await self._pending(p) for p in described.pending_activities]
        return dataclasses.replace(described, record=record, pending_activities=pending)

    async def _pending(self, pending: PendingActivity) -> PendingActivity:
        beat = pending.heartbeat
        done = await self._dec(
            {"last_failure": pending.last_failure, "details": beat.details if beat else None},
            {"last_failure": FAILURE, "details": PAYLOADS},
        )
        return dataclasses.replace(
            pending,
            last_failure=done["last_failure"],
            heartbeat=dataclasses.replace(beat, details=done["details"]) if beat else None,
        )

    async def history(self, workflow_id: str, run_id: str | None) -> tuple[str, list[HistoryEvent]]:
        return await self.inner.history(workflow_id, run_id)

    async def list_workflows(self, query: str | None, page_size: int, next_page_token: bytes | None) -> Page:
        page = await self.inner.list_workflows(query, page_size, next_page_token)
        return dataclasses.replace(page, executions=await self._records(page.executions))

    async def count_workflows(self, query: str | None) -> Count:
        return await self.inner.count_workflows(query)

    async def wait_result(self, workflow_id: str, run_id: str | None) -> RunOutcome:
        outcome = await self.inner.wait_result(workflow_id, run_id)
        done = await self._dec(
            {"result": outcome.result, "failure": outcome.failure, "details": outcome.details},
            {"result": PAYLOAD, "failure": FAILURE, "details": PAYLOADS},
        )
        return dataclasses.replace(outcome, result=done["result"], failure=done["failure"], details=done["details"])

    # -- async activities -------------------------------------------------------------------

    async def complete_async_activity(self, task_token: bytes, result: str) -> None:
        await self.inner.complete_async_activity(task_token, await self._enc(result, PAYLOAD))

    async def fail_async_activity(
        self, task_token: bytes, failure: FailureDocument, heartbeat_details: list[str]
    ) -> None:
        done = await self._enc(
            {"failure": failure, "details": heartbeat_details}, {"failure": FAILURE, "details": PAYLOADS}
        )
        await self.inner.fail_async_activity(task_token, done["failure"], done["details"])

    async def report_async_activity_cancelled(self, task_token: bytes) -> None:
        await self.inner.report_async_activity_cancelled(task_token)

    async def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool:
        return await self.inner.heartbeat_async_activity(task_token, await self._enc(details, PAYLOADS))

    # -- schedules --------------------------------------------------------------------------

    async def create_schedule(
        self,
        schedule_id: str,
        schedule: ScheduleDocument,
        *,
        trigger_immediately: bool,
        backfill: Sequence[BackfillDocument],
        memo: Mapping[str, str],
    ) -> None:
        done = await self._enc({"schedule": schedule, "memo": dict(memo)}, {"schedule": _SCHEDULE, "memo": PAYLOAD_MAP})
        await self.inner.create_schedule(
            schedule_id, done["schedule"], trigger_immediately=trigger_immediately, backfill=backfill, memo=done["memo"]
        )

    async def describe_schedule(self, schedule_id: str) -> ScheduleDescribed:
        described = await self.inner.describe_schedule(schedule_id)
        done = await self._dec(
            {"schedule": described.schedule, "memo": dict(described.memo)}, {"schedule": _SCHEDULE, "memo": PAYLOAD_MAP}
        )
        return dataclasses.replace(described, schedule=done["schedule"], memo=done["memo"])

    async def list_schedules(self, query: str | None, page_size: int, next_page_token: bytes | None) -> SchedulePage:
        page = await self.inner.list_schedules(query, page_size, next_page_token)
        memos = await self._b.decode_async(
            [{"memo": dict(s.memo)} for s in page.schedules], [{"memo": PAYLOAD_MAP}] * len(page.schedules)
        )
        listed = tuple(dataclasses.replace(s, memo=m["memo"]) for s, m in zip(page.schedules, memos, strict=True))
        return dataclasses.replace(page, schedules=listed)

    async def update_schedule(self, schedule_id: str, schedule: ScheduleDocument) -> None:
        await self.inner.update_schedule(schedule_id, await self._enc(schedule, _SCHEDULE))

    async def delete_schedule(self, schedule_id: str) -> None:
        await self.inner.delete_schedule(schedule_id)

    async def pause_schedule(self, schedule_id: str, note: str | None) -> None:
        await self.inner.pause_schedule(schedule_id, note)

    async def unpause_schedule(self, schedule_id: str, note: str | None) -> None:
        await self.inner.unpause_schedule(schedule_id, note)

    async def trigger_schedule(self, schedule_id: str, overlap: ScheduleOverlapPolicy | None, request_id: str) -> None:
        await self.inner.trigger_schedule(schedule_id, overlap, request_id)

    async def backfill_schedule(self, schedule_id: str, backfills: Sequence[BackfillDocument], request_id: str) -> None:
        await self.inner.backfill_schedule(schedule_id, backfills, request_id)

    def __getattr__(self, name: str) -> Any:
        # What a transport has beyond the contract (the HTTP one's check and close).
        return getattr(self.inner, name)


_: type[Transport] = CodecTransport  # mypy checks that CodecTransport implements Transport
