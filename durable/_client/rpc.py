"""Small helpers shared by the client's calls."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from durable import _converter
from durable._client.errors import WorkflowUpdateRPCTimeoutOrCancelledError
from durable._limits import InvalidIdError, check_id
from durable._runtime.control import NotRunning
from durable._runtime.ports import ExecutionNotFound
from durable._schedules.cron import CronExpression, InvalidCronExpression
from durable._search_attributes import SearchAttributes, TypedSearchAttributes, to_stored
from durable._visibility.query import InvalidQuery
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from durable.service import RPCError, RPCStatusCode


async def _update_rpc(awaitable: Any, timeout: timedelta | None) -> Any:
    """Wait for an update call; its timeout or cancellation is temporalio's error for it."""
    try:
        async with asyncio.timeout(timeout.total_seconds() if timeout is not None else None):
            return await _rpc(awaitable)
    except (TimeoutError, asyncio.CancelledError) as err:
        raise WorkflowUpdateRPCTimeoutOrCancelledError() from err


async def _rpc(awaitable: Any) -> Any:
    """Engine lookups that fail become temporalio's ``RPCError`` codes."""
    try:
        return await awaitable
    except ExecutionNotFound as err:
        raise RPCError(f"workflow not found: {err}", RPCStatusCode.NOT_FOUND, b"") from err
    except NotRunning as err:
        raise RPCError(str(err), RPCStatusCode.NOT_FOUND, b"") from err
    except InvalidQuery as err:
        raise RPCError(str(err), RPCStatusCode.INVALID_ARGUMENT, b"") from err


def _dt(v: float) -> datetime:
    return datetime.fromtimestamp(v, tz=UTC)


def _refuse(unsupported: dict[str, Any]) -> None:
    used = sorted(k for k, v in unsupported.items() if v not in (None, (), [], {}, ""))
    if used:
        raise NotImplementedError(f"not supported by this engine yet: {', '.join(used)}")


def _start_options(
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
) -> dict[str, Any]:
    """A start's arguments as a transport takes them, checked as Temporal's server checks them.

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
    return {
        "workflow_type": workflow_type,
        "workflow_id": id,
        "task_queue": task_queue,
        "input": _converter.encode_args(list(values)),
        "id_reuse_policy": id_reuse_policy,
        "id_conflict_policy": id_conflict_policy,
        **({"cron_schedule": cron_schedule} if cron_schedule else {}),
        **({"memo": {k: _converter.encode(v) for k, v in memo.items()}} if memo else {}),
        **({"search_attributes": to_stored(search_attributes)} if search_attributes else {}),
    }
