"""Client interceptors (temporalio's ``client.Interceptor`` and ``client.OutboundInterceptor``).

Every client call goes through a chain of outbound interceptors, one typed input per
operation, ending at the client's own implementation (:mod:`durable._client.outbound`),
which calls the transport. An interceptor may change the input (add ``headers``: they
travel with starts, signals, queries and updates to the workflow's inbound interceptors)
and wrap the call. ``Client(interceptors=[...])``: the first one is the outermost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from durable._converter import Payload
from durable._search_attributes import SearchAttributes, TypedSearchAttributes
from durable._statuses import WorkflowUpdateStage
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

if TYPE_CHECKING:
    from durable._client.executions import (
        WorkflowExecutionAsyncIterator,
        WorkflowExecutionCount,
        WorkflowExecutionDescription,
    )
    from durable._client.handles import WorkflowHandle, WorkflowUpdateHandle
    from durable._client.schedules import (
        Schedule,
        ScheduleAsyncIterator,
        ScheduleBackfill,
        ScheduleDescription,
        ScheduleHandle,
        ScheduleOverlapPolicy,
        ScheduleUpdate,
        ScheduleUpdateInput,
    )
    from durable._replay.events import Event

__all__ = [
    "BackfillScheduleInput",
    "CancelWorkflowInput",
    "CompleteAsyncActivityInput",
    "CountWorkflowsInput",
    "CreateScheduleInput",
    "DeleteScheduleInput",
    "DescribeScheduleInput",
    "DescribeWorkflowInput",
    "FailAsyncActivityInput",
    "FetchWorkflowHistoryEventsInput",
    "HeartbeatAsyncActivityInput",
    "Interceptor",
    "ListSchedulesInput",
    "ListWorkflowsInput",
    "OutboundInterceptor",
    "PauseScheduleInput",
    "QueryWorkflowInput",
    "ReportCancellationAsyncActivityInput",
    "SignalWorkflowInput",
    "StartWorkflowInput",
    "StartWorkflowUpdateInput",
    "StartWorkflowUpdateWithStartInput",
    "TerminateWorkflowInput",
    "TriggerScheduleInput",
    "UnpauseScheduleInput",
    "UpdateScheduleInput",
    "UpdateWithStartStartWorkflowInput",
    "UpdateWithStartUpdateWorkflowInput",
]

Headers = Mapping[str, Payload]
RpcMetadata = Mapping[str, str | bytes]


@dataclass
class StartWorkflowInput:
    """Input for :meth:`OutboundInterceptor.start_workflow`."""

    workflow: str
    args: Sequence[Any]
    id: str
    task_queue: str
    execution_timeout: timedelta | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    id_reuse_policy: WorkflowIDReusePolicy
    id_conflict_policy: WorkflowIDConflictPolicy
    retry_policy: Any
    cron_schedule: str
    memo: Mapping[str, Any] | None
    search_attributes: SearchAttributes | TypedSearchAttributes | None
    start_delay: timedelta | None
    headers: Headers
    start_signal: str | None
    start_signal_args: Sequence[Any]
    static_summary: str | None
    static_details: str | None
    ret_type: type | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None
    request_eager_start: bool
    priority: Any = None
    versioning_override: Any = None


@dataclass
class CancelWorkflowInput:
    """Input for :meth:`OutboundInterceptor.cancel_workflow`."""

    id: str
    run_id: str | None
    first_execution_run_id: str | None
    reason: str
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class DescribeWorkflowInput:
    """Input for :meth:`OutboundInterceptor.describe_workflow`."""

    id: str
    run_id: str | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class FetchWorkflowHistoryEventsInput:
    """Input for :meth:`OutboundInterceptor.fetch_workflow_history_events`."""

    id: str
    run_id: str | None
    page_size: int | None
    next_page_token: bytes | None
    wait_new_event: bool
    event_filter_type: Any
    skip_archival: bool
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class ListWorkflowsInput:
    """Input for :meth:`OutboundInterceptor.list_workflows`."""

    query: str | None
    page_size: int
    next_page_token: bytes | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None
    limit: int | None


@dataclass
class CountWorkflowsInput:
    """Input for :meth:`OutboundInterceptor.count_workflows`."""

    query: str | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class QueryWorkflowInput:
    """Input for :meth:`OutboundInterceptor.query_workflow`."""

    id: str
    run_id: str | None
    query: str
    args: Sequence[Any]
    reject_condition: Any
    headers: Headers
    ret_type: type | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class SignalWorkflowInput:
    """Input for :meth:`OutboundInterceptor.signal_workflow`."""

    id: str
    run_id: str | None
    signal: str
    args: Sequence[Any]
    headers: Headers
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class TerminateWorkflowInput:
    """Input for :meth:`OutboundInterceptor.terminate_workflow`."""

    id: str
    run_id: str | None
    first_execution_run_id: str | None
    args: Sequence[Any]
    reason: str | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class StartWorkflowUpdateInput:
    """Input for :meth:`OutboundInterceptor.start_workflow_update`."""

    id: str
    run_id: str | None
    first_execution_run_id: str | None
    update_id: str | None
    update: str
    args: Sequence[Any]
    wait_for_stage: WorkflowUpdateStage
    headers: Headers
    ret_type: type | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class UpdateWithStartUpdateWorkflowInput:
    """Update input for :meth:`OutboundInterceptor.start_update_with_start_workflow`."""

    update_id: str | None
    update: str
    args: Sequence[Any]
    wait_for_stage: WorkflowUpdateStage
    headers: Headers
    ret_type: type | None


@dataclass
class UpdateWithStartStartWorkflowInput:
    """Start input for :meth:`OutboundInterceptor.start_update_with_start_workflow`."""

    workflow: str
    args: Sequence[Any]
    id: str
    task_queue: str
    execution_timeout: timedelta | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    id_reuse_policy: WorkflowIDReusePolicy
    id_conflict_policy: WorkflowIDConflictPolicy
    retry_policy: Any
    cron_schedule: str
    memo: Mapping[str, Any] | None
    search_attributes: SearchAttributes | TypedSearchAttributes | None
    start_delay: timedelta | None
    headers: Headers
    static_summary: str | None
    static_details: str | None
    ret_type: type | None
    priority: Any = None
    versioning_override: Any = None


@dataclass
class StartWorkflowUpdateWithStartInput:
    """Input for :meth:`OutboundInterceptor.start_update_with_start_workflow`."""

    start_workflow_input: UpdateWithStartStartWorkflowInput
    update_workflow_input: UpdateWithStartUpdateWorkflowInput
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None
    _on_start: Callable[[str], None] = field(default=lambda run_id: None)
    """Told the run id as soon as the start is known (it resolves the operation's handle)."""
    _on_start_error: Callable[[BaseException], None] = field(default=lambda err: None)


@dataclass
class HeartbeatAsyncActivityInput:
    """Input for :meth:`OutboundInterceptor.heartbeat_async_activity`."""

    id_or_token: bytes
    details: Sequence[Any]
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None
    data_converter_override: Any = None


@dataclass
class CompleteAsyncActivityInput:
    """Input for :meth:`OutboundInterceptor.complete_async_activity`."""

    id_or_token: bytes
    result: Any | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None
    data_converter_override: Any = None


@dataclass
class FailAsyncActivityInput:
    """Input for :meth:`OutboundInterceptor.fail_async_activity`."""

    id_or_token: bytes
    error: Exception
    last_heartbeat_details: Sequence[Any]
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None
    data_converter_override: Any = None


@dataclass
class ReportCancellationAsyncActivityInput:
    """Input for :meth:`OutboundInterceptor.report_cancellation_async_activity`."""

    id_or_token: bytes
    details: Sequence[Any]
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None
    data_converter_override: Any = None


@dataclass
class CreateScheduleInput:
    """Input for :meth:`OutboundInterceptor.create_schedule`."""

    id: str
    schedule: Schedule
    trigger_immediately: bool
    backfill: Sequence[ScheduleBackfill]
    memo: Mapping[str, Any] | None
    search_attributes: SearchAttributes | TypedSearchAttributes | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class ListSchedulesInput:
    """Input for :meth:`OutboundInterceptor.list_schedules`."""

    page_size: int
    next_page_token: bytes | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None
    query: str | None = None


@dataclass
class BackfillScheduleInput:
    """Input for :meth:`OutboundInterceptor.backfill_schedule`."""

    id: str
    backfills: Sequence[ScheduleBackfill]
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class DeleteScheduleInput:
    """Input for :meth:`OutboundInterceptor.delete_schedule`."""

    id: str
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class DescribeScheduleInput:
    """Input for :meth:`OutboundInterceptor.describe_schedule`."""

    id: str
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class PauseScheduleInput:
    """Input for :meth:`OutboundInterceptor.pause_schedule`."""

    id: str
    note: str | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class TriggerScheduleInput:
    """Input for :meth:`OutboundInterceptor.trigger_schedule`."""

    id: str
    overlap: ScheduleOverlapPolicy | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class UnpauseScheduleInput:
    """Input for :meth:`OutboundInterceptor.unpause_schedule`."""

    id: str
    note: str | None
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


@dataclass
class UpdateScheduleInput:
    """Input for :meth:`OutboundInterceptor.update_schedule`."""

    id: str
    updater: Callable[[ScheduleUpdateInput], ScheduleUpdate | None | Awaitable[ScheduleUpdate | None]]
    rpc_metadata: RpcMetadata
    rpc_timeout: timedelta | None


class Interceptor:
    """Interceptor for clients: extend it, and return an outbound interceptor from :meth:`intercept_client`.

    One that is also a :class:`durable.worker.Interceptor` applies to the workers made
    with the client too (temporalio's rule).
    """

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        """Wrap the client's calls.

        Args:
            next: the outbound interceptor this one delegates to.

        Returns:
            The interceptor called for each client call.
        """
        return next


class OutboundInterceptor:
    """Intercepts client calls; every method delegates to ``next`` by default."""

    def __init__(self, next: OutboundInterceptor) -> None:
        """Create the outbound interceptor.

        Args:
            next: the next interceptor in the chain.
        """
        self.next = next

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any]:
        """Called for every :meth:`Client.start_workflow` call."""
        return await self.next.start_workflow(input)

    async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
        """Called for every :meth:`WorkflowHandle.cancel` call."""
        await self.next.cancel_workflow(input)

    async def describe_workflow(self, input: DescribeWorkflowInput) -> WorkflowExecutionDescription:
        """Called for every :meth:`WorkflowHandle.describe` call."""
        return await self.next.describe_workflow(input)

    def fetch_workflow_history_events(self, input: FetchWorkflowHistoryEventsInput) -> AsyncIterator[Event]:
        """Called for every :meth:`WorkflowHandle.fetch_history` call."""
        return self.next.fetch_workflow_history_events(input)

    def list_workflows(self, input: ListWorkflowsInput) -> WorkflowExecutionAsyncIterator:
        """Called for every :meth:`Client.list_workflows` call."""
        return self.next.list_workflows(input)

    async def count_workflows(self, input: CountWorkflowsInput) -> WorkflowExecutionCount:
        """Called for every :meth:`Client.count_workflows` call."""
        return await self.next.count_workflows(input)

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        """Called for every :meth:`WorkflowHandle.query` call."""
        return await self.next.query_workflow(input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        """Called for every :meth:`WorkflowHandle.signal` call."""
        await self.next.signal_workflow(input)

    async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
        """Called for every :meth:`WorkflowHandle.terminate` call."""
        await self.next.terminate_workflow(input)

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        """Called for every :meth:`WorkflowHandle.start_update` and :meth:`WorkflowHandle.execute_update` call."""
        return await self.next.start_workflow_update(input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        """Called for every :meth:`Client.start_update_with_start_workflow` and
        :meth:`Client.execute_update_with_start_workflow` call."""
        return await self.next.start_update_with_start_workflow(input)

    async def heartbeat_async_activity(self, input: HeartbeatAsyncActivityInput) -> None:
        """Called for every :meth:`AsyncActivityHandle.heartbeat` call."""
        await self.next.heartbeat_async_activity(input)

    async def complete_async_activity(self, input: CompleteAsyncActivityInput) -> None:
        """Called for every :meth:`AsyncActivityHandle.complete` call."""
        await self.next.complete_async_activity(input)

    async def fail_async_activity(self, input: FailAsyncActivityInput) -> None:
        """Called for every :meth:`AsyncActivityHandle.fail` call."""
        await self.next.fail_async_activity(input)

    async def report_cancellation_async_activity(self, input: ReportCancellationAsyncActivityInput) -> None:
        """Called for every :meth:`AsyncActivityHandle.report_cancellation` call."""
        await self.next.report_cancellation_async_activity(input)

    async def create_schedule(self, input: CreateScheduleInput) -> ScheduleHandle:
        """Called for every :meth:`Client.create_schedule` call."""
        return await self.next.create_schedule(input)

    def list_schedules(self, input: ListSchedulesInput) -> ScheduleAsyncIterator:
        """Called for every :meth:`Client.list_schedules` call."""
        return self.next.list_schedules(input)

    async def backfill_schedule(self, input: BackfillScheduleInput) -> None:
        """Called for every :meth:`ScheduleHandle.backfill` call."""
        await self.next.backfill_schedule(input)

    async def delete_schedule(self, input: DeleteScheduleInput) -> None:
        """Called for every :meth:`ScheduleHandle.delete` call."""
        await self.next.delete_schedule(input)

    async def describe_schedule(self, input: DescribeScheduleInput) -> ScheduleDescription:
        """Called for every :meth:`ScheduleHandle.describe` call."""
        return await self.next.describe_schedule(input)

    async def pause_schedule(self, input: PauseScheduleInput) -> None:
        """Called for every :meth:`ScheduleHandle.pause` call."""
        await self.next.pause_schedule(input)

    async def trigger_schedule(self, input: TriggerScheduleInput) -> None:
        """Called for every :meth:`ScheduleHandle.trigger` call."""
        await self.next.trigger_schedule(input)

    async def unpause_schedule(self, input: UnpauseScheduleInput) -> None:
        """Called for every :meth:`ScheduleHandle.unpause` call."""
        await self.next.unpause_schedule(input)

    async def update_schedule(self, input: UpdateScheduleInput) -> None:
        """Called for every :meth:`ScheduleHandle.update` call."""
        await self.next.update_schedule(input)
