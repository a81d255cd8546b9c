"""The end of the client's interceptor chain: each typed input turned into a transport call."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from durable import _converter, _failure
from durable._client import schedules
from durable._client.errors import AsyncActivityCancelledError
from durable._client.executions import (
    ActivityPauseInfo,
    PendingActivityInfo,
    WorkerVersionStamp,
    WorkflowExecutionAsyncIterator,
    WorkflowExecutionCount,
    WorkflowExecutionCountAggregationGroup,
    WorkflowExecutionDescription,
    WorkflowExecutionInfo,
    _execution_fields,
)
from durable._client.handles import WorkflowHandle, WorkflowUpdateHandle
from durable._client.interceptor import (
    BackfillScheduleInput,
    CancelWorkflowInput,
    CompleteAsyncActivityInput,
    CountWorkflowsInput,
    CreateScheduleInput,
    DeleteScheduleInput,
    DescribeScheduleInput,
    DescribeWorkflowInput,
    FailAsyncActivityInput,
    FetchWorkflowHistoryEventsInput,
    HeartbeatAsyncActivityInput,
    ListSchedulesInput,
    ListWorkflowsInput,
    OutboundInterceptor,
    PauseScheduleInput,
    QueryWorkflowInput,
    ReportCancellationAsyncActivityInput,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    StartWorkflowUpdateWithStartInput,
    TerminateWorkflowInput,
    TriggerScheduleInput,
    UnpauseScheduleInput,
    UpdateScheduleInput,
    UpdateWithStartStartWorkflowInput,
)
from durable._client.rpc import _dt, _start_input, _update_rpc
from durable._client.schedules import ScheduleAsyncIterator, ScheduleDescription, ScheduleHandle, ScheduleUpdateInput
from durable._client.transport import StartWorkflowInput as TransportStart
from durable._client.transport import UpdateInput, UpdateWaitStage
from durable._conversion.payload_converter import PayloadConverter
from durable._headers import to_wire
from durable._replay.events import Event
from durable._statuses import PendingActivityState, WorkflowUpdateStage
from durable._visibility.listing import Count

if TYPE_CHECKING:
    from durable._client.client import Client

__all__ = ["ClientOutbound"]


def _stage(wait_for_stage: WorkflowUpdateStage) -> UpdateWaitStage:
    return "ACCEPTED" if wait_for_stage == WorkflowUpdateStage.ACCEPTED else "COMPLETED"


class ClientOutbound(OutboundInterceptor):
    """What the client does once every interceptor has had its say: it calls the transport."""

    def __init__(self, client: Client) -> None:  # the last in the chain: there is no next
        self._client = client

    @property
    def _pc(self) -> PayloadConverter:
        """The client's payload converter: every value sent and received."""
        return self._client.data_converter.payload_converter

    def _transport_start(
        self,
        input: StartWorkflowInput | UpdateWithStartStartWorkflowInput,
        *,
        start_signal: str | None = None,
        start_signal_args: Sequence[Any] = (),
        request_eager_start: bool = False,
    ) -> TransportStart:
        """A start as the transport takes it: values by the client's converter, checked."""
        return _start_input(
            self._pc,
            input.workflow,
            input.args,
            id=input.id,
            task_queue=input.task_queue,
            id_reuse_policy=input.id_reuse_policy,
            id_conflict_policy=input.id_conflict_policy,
            cron_schedule=input.cron_schedule,
            memo=input.memo,
            search_attributes=input.search_attributes,
            start_signal=start_signal,
            start_signal_args=start_signal_args,
            request_eager_start=request_eager_start,
            execution_timeout=input.execution_timeout,
            run_timeout=input.run_timeout,
            task_timeout=input.task_timeout,
            static_summary=input.static_summary,
            static_details=input.static_details,
            headers=to_wire(input.headers),
        )

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any]:
        start = self._transport_start(
            input,
            start_signal=input.start_signal,
            start_signal_args=input.start_signal_args,
            request_eager_start=input.request_eager_start,
        )
        started = await self._client._transport.start(start)
        run_id = started.run_id
        handle: WorkflowHandle[Any] = WorkflowHandle(
            self._client,
            input.id,
            run_id=None,
            result_run_id=run_id,
            first_execution_run_id=run_id,
            result_type=input.ret_type,
        )
        # temporalio's own spelling: an attribute named "__temporal_eagerly_started", set on
        # each handle a start returns (read it with getattr).
        setattr(handle, "__temporal_eagerly_started", started.eagerly_started)
        return handle

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        await self._client._transport.signal(
            input.id,
            input.run_id,
            input.signal,
            _converter.encode_args(list(input.args), self._pc),
            headers=to_wire(input.headers),
        )

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        payload = await self._client._transport.query(
            input.id,
            input.run_id,
            input.query,
            _converter.encode_args(list(input.args), self._pc),
            headers=to_wire(input.headers),
        )
        return _converter.decode(payload, input.ret_type, self._pc)

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        if input.wait_for_stage == WorkflowUpdateStage.ADMITTED:
            raise ValueError("ADMITTED wait stage not supported")
        assert input.update_id is not None  # the handle made one when the caller gave none
        update = UpdateInput(
            input.update_id,
            input.update,
            _converter.encode_args(list(input.args), self._pc),
            _stage(input.wait_for_stage),
            headers=to_wire(input.headers),
        )
        status = await _update_rpc(
            self._client._transport.start_update(input.id, input.run_id, update), input.rpc_timeout
        )
        handle: WorkflowUpdateHandle[Any] = WorkflowUpdateHandle(
            self._client, input.update_id, input.id, workflow_run_id=status.run_id, result_type=input.ret_type
        )
        if status.stage == "COMPLETED":
            handle._known = status
        return handle

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        s, u = input.start_workflow_input, input.update_workflow_input
        assert u.update_id is not None  # the client made one when the caller gave none
        start = self._transport_start(s)
        update = UpdateInput(
            u.update_id,
            u.update,
            _converter.encode_args(list(u.args), self._pc),
            _stage(u.wait_for_stage),
            headers=to_wire(u.headers),
        )
        try:
            status = await _update_rpc(
                self._client._transport.update_with_start(start, update, on_start=input._on_start), input.rpc_timeout
            )
        except BaseException as err:
            input._on_start_error(err)
            raise
        handle: WorkflowUpdateHandle[Any] = WorkflowUpdateHandle(
            self._client, u.update_id, s.id, workflow_run_id=status.run_id, result_type=u.ret_type
        )
        if status.stage == "COMPLETED":
            handle._known = status
        return handle

    async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
        await self._client._transport.cancel(input.id, input.run_id, reason=input.reason)

    async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
        await self._client._transport.terminate(
            input.id, input.run_id, input.reason or "", _converter.encode_args(list(input.args), self._pc)
        )

    async def describe_workflow(self, input: DescribeWorkflowInput) -> WorkflowExecutionDescription:
        d = await self._client._transport.describe(input.id, input.run_id)
        r = d.record
        pending = [
            PendingActivityInfo(
                activity_id=p.activity_id,
                activity_type=p.activity_type,
                attempt=p.attempt,
                state=PendingActivityState[p.state],
                scheduled_time=_dt(p.scheduled_time),
                last_failure=_failure.to_exception(p.last_failure, self._pc) if p.last_failure else None,
                heartbeat_details=_converter.decode_args(p.heartbeat.details, None, self._pc) if p.heartbeat else [],
                last_heartbeat_time=_dt(p.heartbeat.at) if p.heartbeat and p.heartbeat.at else None,
                paused=p.paused is not None,
                pause_info=ActivityPauseInfo(_dt(p.paused["time"]), p.paused["identity"], p.paused["reason"])
                if p.paused
                else None,
            )
            for p in d.pending_activities
        ]
        fields = {
            **_execution_fields(r, self._client.namespace, self._client.data_converter),
            "history_length": d.history_length,
            "execution_time": _dt(d.execution_time if d.execution_time is not None else r.start_time),
        }
        return WorkflowExecutionDescription(
            **fields,
            parent_id=d.parent["workflow_id"] if d.parent else None,
            parent_run_id=d.parent["run_id"] if d.parent else None,
            pending_activities=pending,
            workflow_task_failure=_failure.to_exception(r.task_failure, self._pc) if r.task_failure else None,
            _static_summary=d.static_summary,
            _static_details=d.static_details,
            raw_info=WorkflowExecutionInfo(
                most_recent_worker_version_stamp=WorkerVersionStamp(build_id=d.build_ids[-1] if d.build_ids else "")
            ),
        )

    def fetch_workflow_history_events(self, input: FetchWorkflowHistoryEventsInput) -> AsyncIterator[Event]:
        return self._history_events(input.id, input.run_id)

    async def _history_events(self, workflow_id: str, run_id: str | None) -> AsyncIterator[Event]:
        _run_id, events = await self._client._transport.history(workflow_id, run_id)
        for event in events:
            yield event

    def list_workflows(self, input: ListWorkflowsInput) -> WorkflowExecutionAsyncIterator:
        return WorkflowExecutionAsyncIterator(
            self._client,
            input.query,
            limit=input.limit,
            page_size=input.page_size,
            next_page_token=input.next_page_token,
        )

    async def count_workflows(self, input: CountWorkflowsInput) -> WorkflowExecutionCount:
        counted: Count = await self._client._transport.count_workflows(input.query)
        groups = [
            WorkflowExecutionCountAggregationGroup(count=n, group_values=[status])
            for status, n in counted.groups.items()
        ]
        return WorkflowExecutionCount(count=counted.count, groups=groups)

    async def heartbeat_async_activity(self, input: HeartbeatAsyncActivityInput) -> None:
        if await self._client._transport.heartbeat_async_activity(
            input.id_or_token, _converter.encode_args(list(input.details), self._pc)
        ):
            raise AsyncActivityCancelledError()

    async def complete_async_activity(self, input: CompleteAsyncActivityInput) -> None:
        await self._client._transport.complete_async_activity(
            input.id_or_token, _converter.encode(input.result, self._pc)
        )

    async def fail_async_activity(self, input: FailAsyncActivityInput) -> None:
        await self._client._transport.fail_async_activity(
            input.id_or_token,
            _failure.from_exception(input.error, self._pc),
            _converter.encode_args(list(input.last_heartbeat_details), self._pc),
        )

    async def report_cancellation_async_activity(self, input: ReportCancellationAsyncActivityInput) -> None:
        await self._client._transport.report_async_activity_cancelled(input.id_or_token)

    async def create_schedule(self, input: CreateScheduleInput) -> ScheduleHandle:
        return await schedules.create_schedule(
            self._client,
            input.id,
            input.schedule,
            trigger_immediately=input.trigger_immediately,
            backfill=input.backfill,
            memo=input.memo,
            search_attributes=input.search_attributes,
        )

    def list_schedules(self, input: ListSchedulesInput) -> ScheduleAsyncIterator:
        return ScheduleAsyncIterator(self._client, input.query, input.page_size, input.next_page_token)

    async def backfill_schedule(self, input: BackfillScheduleInput) -> None:
        await self._client._transport.backfill_schedule(
            input.id, schedules._backfill_docs(input.backfills), str(uuid.uuid4())
        )

    async def delete_schedule(self, input: DeleteScheduleInput) -> None:
        await self._client._transport.delete_schedule(input.id)

    async def describe_schedule(self, input: DescribeScheduleInput) -> ScheduleDescription:
        return schedules._description(
            await self._client._transport.describe_schedule(input.id), self._client.data_converter
        )

    async def pause_schedule(self, input: PauseScheduleInput) -> None:
        await self._client._transport.pause_schedule(input.id, input.note)

    async def trigger_schedule(self, input: TriggerScheduleInput) -> None:
        await self._client._transport.trigger_schedule(input.id, input.overlap, str(uuid.uuid4()))

    async def unpause_schedule(self, input: UnpauseScheduleInput) -> None:
        await self._client._transport.unpause_schedule(input.id, input.note)

    async def update_schedule(self, input: UpdateScheduleInput) -> None:
        described = await self.describe_schedule(
            DescribeScheduleInput(id=input.id, rpc_metadata=input.rpc_metadata, rpc_timeout=input.rpc_timeout)
        )
        update = input.updater(ScheduleUpdateInput(description=described))
        if inspect.isawaitable(update):
            update = await update
        if update is None:
            return
        converter = self._client.data_converter.payload_converter
        await self._client._transport.update_schedule(input.id, schedules.schedule_to_doc(update.schedule, converter))
