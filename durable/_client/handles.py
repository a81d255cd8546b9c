"""Handles to a workflow run, an update, an async activity, and a start-with operation."""

from __future__ import annotations

import asyncio
import uuid
import warnings
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from durable import _converter, _failure
from durable._client.errors import (
    WorkflowContinuedAsNewError,
    WorkflowFailureError,
    WorkflowUpdateFailedError,
)
from durable._client.executions import (
    WorkflowExecutionDescription,
    WorkflowHistory,
)
from durable._client.interceptor import (
    CancelWorkflowInput,
    CompleteAsyncActivityInput,
    DescribeWorkflowInput,
    FailAsyncActivityInput,
    FetchWorkflowHistoryEventsInput,
    HeartbeatAsyncActivityInput,
    QueryWorkflowInput,
    ReportCancellationAsyncActivityInput,
    SignalWorkflowInput,
    StartWorkflowUpdateInput,
    TerminateWorkflowInput,
    UpdateWithStartStartWorkflowInput,
)
from durable._client.rpc import _update_rpc
from durable._client.transport import Transport
from durable._conversion.payload_converter import PayloadConverter
from durable._options import Priority, refuse
from durable._replay.definition import WorkflowDefinition, query_definition, signal_name, update_definition
from durable._runtime.control import UpdateStatus
from durable._runtime.reset import ResetReapplyType, ResetRequest, ResetType
from durable._search_attributes import SearchAttributes, TypedSearchAttributes
from durable._statuses import WorkflowUpdateStage
from durable.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy, _arg_or_args, _arg_unset
from durable.exceptions import CancelledError, TerminatedError, TimeoutError, TimeoutType

if TYPE_CHECKING:
    from durable._client.client import Client


_ALL_EVENT = 1
"""temporalio's ``WorkflowHistoryEventFilterType.ALL_EVENT``."""

ReturnType = TypeVar("ReturnType")
SelfType = TypeVar("SelfType")


class AsyncActivityHandle:
    """Completes an activity from anywhere (another process too: the token says it all)."""

    def __init__(self, client: Client, task_token: bytes) -> None:
        self._client = client
        self._task_token = task_token

    async def complete(
        self,
        result: Any = _arg_unset,
        *,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Complete the activity with ``result``."""
        value = None if result is _arg_unset else result
        await self._client._outbound.complete_async_activity(
            CompleteAsyncActivityInput(
                id_or_token=self._task_token, result=value, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout
            )
        )

    async def fail(
        self,
        error: Exception,
        last_heartbeat_details: Sequence[Any] = (),
        *,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Fail the attempt with ``error``; the workflow's retry policy applies."""
        await self._client._outbound.fail_async_activity(
            FailAsyncActivityInput(
                id_or_token=self._task_token,
                error=error,
                last_heartbeat_details=last_heartbeat_details,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def report_cancellation(
        self, *details: Any, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> None:
        """Report that the activity stopped after being asked to cancel."""
        await self._client._outbound.report_cancellation_async_activity(
            ReportCancellationAsyncActivityInput(
                id_or_token=self._task_token, details=details, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout
            )
        )

    async def heartbeat(
        self, *details: Any, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> None:
        """Record progress.

        Raises:
            AsyncActivityCancelledError: the workflow asked the activity to cancel.
        """
        await self._client._outbound.heartbeat_async_activity(
            HeartbeatAsyncActivityInput(
                id_or_token=self._task_token, details=details, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout
            )
        )


class WorkflowHandle(Generic[ReturnType]):
    """A workflow execution: await its result, signal, query, cancel, terminate, describe."""

    def __init__(
        self,
        client: Client,
        id: str,
        *,
        run_id: str | None = None,
        result_run_id: str | None = None,
        first_execution_run_id: str | None = None,
        result_type: type | None = None,
    ) -> None:
        self._client = client
        self._id = id
        self._run_id = run_id
        self._result_run_id = result_run_id
        self._first_execution_run_id = first_execution_run_id
        self._result_type = result_type

    @property
    def id(self) -> str:
        """The workflow id."""
        return self._id

    @property
    def run_id(self) -> str | None:
        """The run id the handle is bound to, if any (None: the latest run)."""
        return self._run_id

    @property
    def result_run_id(self) -> str | None:
        """The run whose result :meth:`result` waits for."""
        return self._result_run_id

    @property
    def first_execution_run_id(self) -> str | None:
        """The run id the handle was started with."""
        return self._first_execution_run_id

    @property
    def _t(self) -> Transport:
        return self._client._transport

    @property
    def _pc(self) -> PayloadConverter:
        """The client's payload converter: every value sent and received."""
        return self._client.data_converter.payload_converter

    async def result(
        self, *, follow_runs: bool = True, rpc_metadata: Any = None, rpc_timeout: timedelta | None = None
    ) -> ReturnType:
        """Wait for the run to close and return its result.

        Raises:
            WorkflowFailureError: it failed, was cancelled or terminated (see ``cause``).
        """
        del rpc_metadata, rpc_timeout
        outcome = await self._t.wait_result(self._id, self._result_run_id)
        while outcome.status == "CONTINUED_AS_NEW" and outcome.new_execution_run_id is not None:
            if not follow_runs:
                raise WorkflowContinuedAsNewError(outcome.new_execution_run_id)
            outcome = await self._t.wait_result(self._id, outcome.new_execution_run_id)
        if outcome.status == "COMPLETED":
            return _converter.decode(outcome.result or "null", self._result_type, self._pc)  # type: ignore[no-any-return]
        if outcome.status == "FAILED" and outcome.failure is not None:
            raise WorkflowFailureError(cause=_failure.to_exception(outcome.failure, self._pc))
        if outcome.status == "CANCELED":
            raise WorkflowFailureError(cause=CancelledError("Workflow cancelled"))
        if outcome.status == "TIMED_OUT":
            raise WorkflowFailureError(
                cause=TimeoutError("Workflow timed out", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[])
            )
        details = _converter.decode_args(outcome.details, None, self._pc)
        raise WorkflowFailureError(cause=TerminatedError(outcome.reason or "Workflow terminated", *details))

    async def signal(
        self,
        signal: Any,
        arg: Any = _arg_unset,
        *,
        args: Sequence[Any] = (),
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """Send a signal (a ``@workflow.signal`` method or a name)."""
        await self._client._outbound.signal_workflow(
            SignalWorkflowInput(
                id=self._id,
                run_id=self._run_id,
                signal=signal_name(signal),
                args=_arg_or_args(arg, args),
                headers={},
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def query(
        self,
        query: Any,
        arg: Any = _arg_unset,
        *,
        args: Sequence[Any] = (),
        result_type: type | None = None,
        reject_condition: Any = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> Any:
        """Run a query handler on the workflow's current state.

        Raises:
            WorkflowQueryFailedError: no such query, or the handler failed.
            NotImplementedError: a ``reject_condition``.
        """
        refuse("reject_condition", reject_condition)
        name, hint = query_definition(query)
        return await self._client._outbound.query_workflow(
            QueryWorkflowInput(
                id=self._id,
                run_id=self._run_id,
                query=name,
                args=_arg_or_args(arg, args),
                reject_condition=None,
                headers={},
                ret_type=result_type or hint,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def execute_update(
        self,
        update: Any,
        arg: Any = _arg_unset,
        *,
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> Any:
        """Send an update and wait for its result.

        Raises:
            WorkflowUpdateFailedError: the validator rejected it or the handler failed.
            WorkflowUpdateRPCTimeoutOrCancelledError: ``rpc_timeout`` passed, or the call was cancelled.
            RPCError: the workflow is not running (NOT_FOUND).
        """
        handle = await self._start_update(
            update,
            arg,
            args=args,
            wait_for_stage=WorkflowUpdateStage.COMPLETED,
            id=id,
            result_type=result_type,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        )
        return await handle.result(rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)

    async def start_update(
        self,
        update: Any,
        arg: Any = _arg_unset,
        *,
        wait_for_stage: WorkflowUpdateStage,
        args: Sequence[Any] = (),
        id: str | None = None,
        result_type: type | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowUpdateHandle[Any]:
        """Send an update and return its handle once it reached ``wait_for_stage``
        (ACCEPTED or COMPLETED); a rejected update's handle raises from ``result()``.

        Raises:
            ValueError: ``wait_for_stage`` is ADMITTED (temporalio does not support it either).
            WorkflowUpdateRPCTimeoutOrCancelledError: ``rpc_timeout`` passed, or the call was cancelled.
            RPCError: the workflow is not running (NOT_FOUND).
        """
        return await self._start_update(
            update,
            arg,
            args=args,
            wait_for_stage=wait_for_stage,
            id=id,
            result_type=result_type,
            rpc_metadata=rpc_metadata,
            rpc_timeout=rpc_timeout,
        )

    async def _start_update(
        self,
        update: Any,
        arg: Any,
        *,
        args: Sequence[Any],
        wait_for_stage: WorkflowUpdateStage,
        id: str | None,
        result_type: type | None,
        rpc_metadata: Mapping[str, str | bytes],
        rpc_timeout: timedelta | None,
    ) -> WorkflowUpdateHandle[Any]:
        if wait_for_stage == WorkflowUpdateStage.ADMITTED:
            raise ValueError("ADMITTED wait stage not supported")
        name, hint = update_definition(update)
        return await self._client._outbound.start_workflow_update(
            StartWorkflowUpdateInput(
                id=self._id,
                run_id=self._run_id,
                first_execution_run_id=self._first_execution_run_id,
                update_id=id or str(uuid.uuid4()),
                update=name,
                args=_arg_or_args(arg, args),
                wait_for_stage=wait_for_stage,
                headers={},
                ret_type=result_type or hint,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    def get_update_handle(
        self, id: str, *, workflow_run_id: str | None = None, result_type: type | None = None
    ) -> WorkflowUpdateHandle[Any]:
        """A handle to an update of this workflow by its id."""
        return WorkflowUpdateHandle(
            self._client, id, self._id, workflow_run_id=workflow_run_id or self._run_id, result_type=result_type
        )

    def get_update_handle_for(
        self, update: Any, id: str, *, workflow_run_id: str | None = None
    ) -> WorkflowUpdateHandle[Any]:
        """:meth:`get_update_handle` with the result type taken from a ``@workflow.update`` method."""
        return self.get_update_handle(id, workflow_run_id=workflow_run_id, result_type=update_definition(update)[1])

    async def describe(
        self, *, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> WorkflowExecutionDescription:
        """The execution's status, times, history length and pending activities."""
        return await self._client._outbound.describe_workflow(
            DescribeWorkflowInput(id=self._id, run_id=self._run_id, rpc_metadata=rpc_metadata, rpc_timeout=rpc_timeout)
        )

    async def cancel(
        self, *, reason: str = "", rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> None:
        """Request cancellation: the workflow gets ``asyncio.CancelledError`` where it waits.

        ``reason`` is kept on the run's WorkflowExecutionCancelRequested event (its ``cause``).
        """
        await self._client._outbound.cancel_workflow(
            CancelWorkflowInput(
                id=self._id,
                run_id=self._run_id,
                first_execution_run_id=self._first_execution_run_id,
                reason=reason,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def terminate(
        self,
        *args: Any,
        reason: str | None = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> None:
        """End the workflow now (TERMINATED); its code gets no chance to clean up."""
        await self._client._outbound.terminate_workflow(
            TerminateWorkflowInput(
                id=self._id,
                run_id=self._run_id,
                first_execution_run_id=self._first_execution_run_id,
                args=args,
                reason=reason,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )

    async def reset(
        self,
        *,
        event_id: int | None = None,
        reset_type: ResetType | None = None,
        reason: str = "",
        reapply_type: ResetReapplyType = ResetReapplyType.ALL,
        request_id: str | None = None,
    ) -> WorkflowHandle[ReturnType]:
        """Reset the run to one of its workflow tasks, as ``temporal workflow reset`` does (durable's own
        method: temporalio offers only the raw ``workflow_service.reset_workflow_execution``).

        A new run of the same workflow id starts from the history before that workflow task
        and decides it again; activities that completed after it run again. The signals the
        run received after the point are delivered to the new run (``reapply_type``); the
        run, if it still runs, is terminated with a reason naming the new run. A closed run
        can be reset too.

        Args:
            event_id: the id of a ``WorkflowTaskCompleted`` (or ``WorkflowTaskFailed``) event of
                the run, as its history shows it (the API, the UI, ``durable workflow show``).
            reset_type: ``FIRST_WORKFLOW_TASK`` or ``LAST_WORKFLOW_TASK``, when no ``event_id``.
            reason: why; kept on the old run's termination and on the new run's reset event.
            reapply_type: ``ALL`` or ``SIGNAL`` (the default: signals), or ``NONE``.
            request_id: makes the call idempotent (a retry answers the same new run).

        Returns:
            A handle on the new run.

        Raises:
            RPCError: INVALID_ARGUMENT when the point is not a workflow task of the run (the
                message lists those that are); FAILED_PRECONDITION when the workflow id has
                another running run (a concurrent reset won); NOT_FOUND for no such run.
        """
        request = ResetRequest(
            event_id=event_id,
            reset_type=reset_type,
            reason=reason,
            reapply_type=reapply_type,
            request_id=request_id or str(uuid.uuid4()),
        )
        new_run_id = await self._client._transport.reset(self._id, self._run_id, request)
        return WorkflowHandle(
            self._client,
            self._id,
            run_id=new_run_id,
            result_run_id=new_run_id,
            first_execution_run_id=self._first_execution_run_id,
            result_type=self._result_type,
        )

    async def fetch_history(
        self,
        *,
        event_filter_type: Any = None,
        skip_archival: bool = False,
        rpc_metadata: Mapping[str, str | bytes] = {},
        rpc_timeout: timedelta | None = None,
    ) -> WorkflowHistory:
        """The run's events.

        Args:
            event_filter_type: temporalio's ``ALL_EVENT`` (its default) only: the whole history.
            skip_archival: no effect here: closed histories stay in the history table (no archival).
            rpc_metadata, rpc_timeout: handed to the interceptors, as temporalio's.

        Raises:
            NotImplementedError: ``CLOSE_EVENT`` (read the last event instead).
        """
        if event_filter_type is not None and int(event_filter_type) != _ALL_EVENT:
            refuse("event_filter_type", event_filter_type)
        events = self._client._outbound.fetch_workflow_history_events(
            FetchWorkflowHistoryEventsInput(
                id=self._id,
                run_id=self._run_id or self._result_run_id,
                page_size=None,
                next_page_token=None,
                wait_new_event=False,
                event_filter_type=event_filter_type,
                skip_archival=skip_archival,
                rpc_metadata=rpc_metadata,
                rpc_timeout=rpc_timeout,
            )
        )
        return WorkflowHistory(workflow_id=self._id, events=[event async for event in events])


class WithStartWorkflowOperation(Generic[SelfType, ReturnType]):
    """The start of an update-with-start: how to start the workflow if it does not run.

    Pass it to :meth:`Client.execute_update_with_start_workflow` or
    :meth:`Client.start_update_with_start_workflow` (once: it cannot be reused); then
    :meth:`workflow_handle` gives the handle of the run the update went to.
    """

    def __init__(
        self,
        workflow: Any,
        arg: Any = _arg_unset,
        *,
        args: Sequence[Any] = (),
        id: str,
        task_queue: str,
        id_conflict_policy: WorkflowIDConflictPolicy,
        result_type: type | None = None,
        execution_timeout: timedelta | None = None,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
        start_delay: timedelta | None = None,
        retry_policy: RetryPolicy | None = None,
        priority: Priority = Priority.default,
        versioning_override: Any = None,
        stack_level: int = 2,
    ) -> None:
        """Describe the start; see :meth:`Client.start_workflow` for the arguments.

        Raises:
            ValueError: ``id_conflict_policy`` is UNSPECIFIED (update-with-start needs one:
                FAIL, USE_EXISTING or TERMINATE_EXISTING).
            NotImplementedError: ``start_delay``, ``retry_policy``, ``priority`` or
                ``versioning_override`` other than their defaults.
        """
        refuse("start_delay", start_delay)
        refuse("retry_policy", retry_policy)
        refuse("priority", priority, Priority.default)
        refuse("versioning_override", versioning_override)
        if isinstance(search_attributes, Mapping) and search_attributes:
            warnings.warn(
                "Dictionary-based search attributes are deprecated", DeprecationWarning, stacklevel=stack_level
            )
        name, hint = WorkflowDefinition.name_and_result_hint(workflow)
        if id_conflict_policy == WorkflowIDConflictPolicy.UNSPECIFIED:
            raise ValueError("WorkflowIDConflictPolicy is required")
        self._id = id
        self._workflow_type = name
        self._result_type = result_type or hint
        self._values = _arg_or_args(arg, args)
        self._task_queue = task_queue
        self._id_reuse_policy = id_reuse_policy
        self._id_conflict_policy = id_conflict_policy
        self._cron_schedule = cron_schedule
        self._memo = memo
        self._search_attributes = search_attributes
        self._timeouts = (execution_timeout, run_timeout, task_timeout)
        self._metadata = (static_summary, static_details)
        self._handle: asyncio.Future[WorkflowHandle[ReturnType]] | None = None
        self._used = False

    def _future(self) -> asyncio.Future[WorkflowHandle[ReturnType]]:
        # Made on first use, in the running loop (temporalio's is made at construction).
        if self._handle is None:
            self._handle = asyncio.get_running_loop().create_future()
        return self._handle

    def _interceptor_input(self) -> UpdateWithStartStartWorkflowInput:
        execution_timeout, run_timeout, task_timeout = self._timeouts
        return UpdateWithStartStartWorkflowInput(
            workflow=self._workflow_type,
            args=self._values,
            id=self._id,
            task_queue=self._task_queue,
            execution_timeout=execution_timeout,
            run_timeout=run_timeout,
            task_timeout=task_timeout,
            id_reuse_policy=self._id_reuse_policy,
            id_conflict_policy=self._id_conflict_policy,
            retry_policy=None,
            cron_schedule=self._cron_schedule,
            memo=self._memo,
            search_attributes=self._search_attributes,
            start_delay=None,
            headers={},
            static_summary=self._metadata[0],
            static_details=self._metadata[1],
            ret_type=self._result_type,
        )

    async def workflow_handle(self) -> WorkflowHandle[ReturnType]:
        """Wait until the workflow runs (or the start failed) and return its handle.

        Raises:
            WorkflowAlreadyStartedError, RPCError: what the update-with-start call raised
                before the run was known.
        """
        return await self._future()


class WorkflowUpdateHandle(Generic[ReturnType]):
    """An update sent to a workflow: its id, and its result once its handler finished."""

    def __init__(
        self,
        client: Client,
        id: str,
        workflow_id: str,
        *,
        workflow_run_id: str | None = None,
        result_type: type | None = None,
    ) -> None:
        self._client = client
        self._id = id
        self._workflow_id = workflow_id
        self._workflow_run_id = workflow_run_id
        self._result_type = result_type
        self._known: UpdateStatus | None = None

    @property
    def id(self) -> str:
        """The update id."""
        return self._id

    @property
    def workflow_id(self) -> str:
        """The workflow the update was sent to."""
        return self._workflow_id

    @property
    def workflow_run_id(self) -> str | None:
        """The run the update was sent to, if known."""
        return self._workflow_run_id

    async def result(
        self, *, rpc_metadata: Mapping[str, str | bytes] = {}, rpc_timeout: timedelta | None = None
    ) -> ReturnType:
        """Wait for the update's handler to finish and return its result.

        Raises:
            WorkflowUpdateFailedError: the update was rejected or its handler failed.
            WorkflowUpdateRPCTimeoutOrCancelledError: ``rpc_timeout`` passed, or the call was cancelled.
            RPCError: no such update, or the run closed without accepting it (NOT_FOUND).
        """
        del rpc_metadata
        if self._known is None:
            poll = self._client._transport.poll_update(self._workflow_id, self._workflow_run_id, self._id)
            self._known = await _update_rpc(poll, rpc_timeout)
        pc = self._client.data_converter.payload_converter
        if self._known.failure is not None:
            raise WorkflowUpdateFailedError(_failure.to_exception(self._known.failure, pc))
        return _converter.decode(self._known.result or "null", self._result_type, pc)  # type: ignore[no-any-return]
