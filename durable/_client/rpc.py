"""Small helpers shared by the client's calls: update waits, start inputs, refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from durable import _converter
from durable._client.errors import WorkflowUpdateRPCTimeoutOrCancelledError
from durable._client.transport import StartWorkflowInput
from durable._conversion.payload_converter import PayloadConverter
from durable._limits import InvalidIdError, check_id
from durable._schedules.cron import CronExpression, InvalidCronExpression
from durable._search_attributes import SearchAttributes, TypedSearchAttributes, to_stored
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from durable.service import RPCError, RPCStatusCode

T = TypeVar("T")


async def _update_rpc(awaitable: Awaitable[T], timeout: timedelta | None) -> T:
    """Wait for an update call; its timeout or cancellation is temporalio's error for it."""
    try:
        async with asyncio.timeout(timeout.total_seconds() if timeout is not None else None):
            return await awaitable
    except (TimeoutError, asyncio.CancelledError) as err:
        raise WorkflowUpdateRPCTimeoutOrCancelledError() from err


def _dt(v: float) -> datetime:
    return datetime.fromtimestamp(v, tz=UTC)


def _refuse(unsupported: dict[str, Any]) -> None:
    used = sorted(k for k, v in unsupported.items() if v not in (None, (), [], {}, ""))
    if used:
        raise NotImplementedError(f"not supported by this engine yet: {', '.join(used)}")


def _start_input(
    converter: PayloadConverter,
    workflow_type: str,
    values: Sequence[Any],
    *,
    id: str,
    task_queue: str,
    id_reuse_policy: WorkflowIDReusePolicy,
    id_conflict_policy: WorkflowIDConflictPolicy,
    cron_schedule: str,
    memo: Mapping[str, Any] | None,
    search_attributes: TypedSearchAttributes | SearchAttributes | None,
    start_signal: str | None = None,
    start_signal_args: Sequence[Any] = (),
    request_eager_start: bool = False,
    execution_timeout: timedelta | None = None,
    run_timeout: timedelta | None = None,
    task_timeout: timedelta | None = None,
    static_summary: str | None = None,
    static_details: str | None = None,
    headers: dict[str, str] | None = None,
) -> StartWorkflowInput:
    """A start as a transport takes it (values by ``converter``), checked as Temporal's server checks it.

    Raises:
        RPCError: INVALID_ARGUMENT for a bad cron expression or workflow id (nothing is sent).
    """
    if cron_schedule:
        try:
            CronExpression.parse(cron_schedule)
        except InvalidCronExpression as err:
            raise RPCError(f"Invalid CronSchedule: {err}", RPCStatusCode.INVALID_ARGUMENT, b"") from err
    try:
        check_id("workflow id", id)
    except InvalidIdError as err:  # as Temporal's server answers: nothing is written
        raise RPCError(str(err), RPCStatusCode.INVALID_ARGUMENT, b"") from err
    return StartWorkflowInput(
        workflow_type=workflow_type,
        workflow_id=id,
        task_queue=task_queue,
        args=_converter.encode_args(list(values), converter),
        id_reuse_policy=id_reuse_policy,
        id_conflict_policy=id_conflict_policy,
        cron_schedule=cron_schedule,
        memo={k: _converter.encode(v, converter) for k, v in (memo or {}).items()},
        search_attributes=to_stored(search_attributes) if search_attributes else {},
        start_signal=start_signal,
        start_signal_args=_converter.encode_args(list(start_signal_args), converter)
        if start_signal is not None
        else [],
        request_eager_start=request_eager_start
        and start_signal is None,  # temporalio's signal-with-start is never eager
        execution_timeout=_seconds(execution_timeout),
        run_timeout=_seconds(run_timeout),
        task_timeout=_seconds(task_timeout),
        static_summary=static_summary,
        static_details=static_details,
        headers=headers or {},
    )


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None
