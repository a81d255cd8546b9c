"""Workflow interceptors (temporalio's ``worker.WorkflowInboundInterceptor`` and
``worker.WorkflowOutboundInterceptor``) and their inputs.

A run's inbound chain is made of the classes its worker's interceptors return from
``workflow_interceptor_class`` (the first interceptor's class is the outermost), ending
at the instance's own implementation (:mod:`durable._replay.intercepted`). ``init`` hands
the outbound chain down; each inbound interceptor may wrap it. The engine calls the
inbound chain to run the workflow and its handlers, and workflow code's calls (activities,
children, signals to other workflows, continue-as-new, ``workflow.info()``) go through the
outbound one. Headers arrive with the run, each signal, query and update (replayed too),
and leave with each activity, child, signal and continue-as-new.

Pure: no I/O; it imports nothing of the instance but its types.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from durable._converter import Payload
from durable.common import RetryPolicy, WorkflowIDReusePolicy

if TYPE_CHECKING:
    from durable._replay.children import ChildWorkflowCancellationType, ChildWorkflowHandle, ParentClosePolicy
    from durable._replay.context import Info
    from durable._replay.instance import ActivityCancellationType, ActivityHandle
    from durable._search_attributes import SearchAttributes, TypedSearchAttributes

__all__ = [
    "ContinueAsNewInput",
    "ExecuteWorkflowInput",
    "HandleQueryInput",
    "HandleSignalInput",
    "HandleUpdateInput",
    "SignalChildWorkflowInput",
    "SignalExternalWorkflowInput",
    "StartActivityInput",
    "StartChildWorkflowInput",
    "StartLocalActivityInput",
    "WorkflowInboundInterceptor",
    "WorkflowInterceptorClassInput",
    "WorkflowOutboundInterceptor",
]

Headers = Mapping[str, Payload]


@dataclass(frozen=True)
class WorkflowInterceptorClassInput:
    """Input for ``Interceptor.workflow_interceptor_class``."""

    unsafe_extern_functions: MutableMapping[str, Callable[..., Any]]
    """Functions workflow code may call outside the sandbox (``workflow.extern_functions()``)."""


@dataclass
class ExecuteWorkflowInput:
    """Input for :meth:`WorkflowInboundInterceptor.execute_workflow`."""

    type: type
    run_fn: Callable[..., Awaitable[Any]]
    """The run method, unbound."""
    args: Sequence[Any]
    headers: Headers


@dataclass
class HandleSignalInput:
    """Input for :meth:`WorkflowInboundInterceptor.handle_signal`."""

    signal: str
    args: Sequence[Any]
    headers: Headers


@dataclass
class HandleQueryInput:
    """Input for :meth:`WorkflowInboundInterceptor.handle_query`."""

    id: str
    query: str
    args: Sequence[Any]
    headers: Headers


@dataclass
class HandleUpdateInput:
    """Input for :meth:`WorkflowInboundInterceptor.handle_update_validator` and
    :meth:`WorkflowInboundInterceptor.handle_update_handler`."""

    id: str
    update: str
    args: Sequence[Any]
    headers: Headers


@dataclass
class ContinueAsNewInput:
    """Input for :meth:`WorkflowOutboundInterceptor.continue_as_new`."""

    workflow: str | None
    args: Sequence[Any]
    task_queue: str | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    backoff_start_interval: timedelta | None
    retry_policy: RetryPolicy | None
    memo: Mapping[str, Any] | None
    search_attributes: SearchAttributes | TypedSearchAttributes | None
    headers: Headers
    versioning_intent: Any
    initial_versioning_behavior: Any = None
    arg_types: list[type] | None = None


@dataclass
class SignalChildWorkflowInput:
    """Input for :meth:`WorkflowOutboundInterceptor.signal_child_workflow`."""

    signal: str
    args: Sequence[Any]
    child_workflow_id: str
    headers: Headers


@dataclass
class SignalExternalWorkflowInput:
    """Input for :meth:`WorkflowOutboundInterceptor.signal_external_workflow`."""

    signal: str
    args: Sequence[Any]
    namespace: str
    workflow_id: str
    workflow_run_id: str | None
    headers: Headers


@dataclass
class StartActivityInput:
    """Input for :meth:`WorkflowOutboundInterceptor.start_activity`."""

    activity: str
    args: Sequence[Any]
    activity_id: str | None
    task_queue: str | None
    schedule_to_close_timeout: timedelta | None
    schedule_to_start_timeout: timedelta | None
    start_to_close_timeout: timedelta | None
    heartbeat_timeout: timedelta | None
    retry_policy: RetryPolicy | None
    cancellation_type: ActivityCancellationType
    headers: Headers
    disable_eager_execution: bool
    versioning_intent: Any
    summary: str | None
    priority: Any
    arg_types: list[type] | None
    ret_type: type | None


@dataclass
class StartChildWorkflowInput:
    """Input for :meth:`WorkflowOutboundInterceptor.start_child_workflow`."""

    workflow: str
    args: Sequence[Any]
    id: str
    task_queue: str | None
    cancellation_type: ChildWorkflowCancellationType
    parent_close_policy: ParentClosePolicy
    execution_timeout: timedelta | None
    run_timeout: timedelta | None
    task_timeout: timedelta | None
    id_reuse_policy: WorkflowIDReusePolicy
    retry_policy: RetryPolicy | None
    cron_schedule: str
    memo: Mapping[str, Any] | None
    search_attributes: SearchAttributes | TypedSearchAttributes | None
    headers: Headers
    versioning_intent: Any
    static_summary: str | None
    static_details: str | None
    priority: Any
    arg_types: list[type] | None
    ret_type: type | None


@dataclass
class StartLocalActivityInput:
    """Input for :meth:`WorkflowOutboundInterceptor.start_local_activity`."""

    activity: str
    args: Sequence[Any]
    activity_id: str | None
    schedule_to_close_timeout: timedelta | None
    schedule_to_start_timeout: timedelta | None
    start_to_close_timeout: timedelta | None
    retry_policy: RetryPolicy | None
    local_retry_threshold: timedelta | None
    cancellation_type: ActivityCancellationType
    headers: Headers
    summary: str | None
    arg_types: list[type] | None = None
    ret_type: type | None = None


class WorkflowInboundInterceptor:
    """Wraps running the workflow and its handlers; every method delegates to ``next`` by default."""

    def __init__(self, next: WorkflowInboundInterceptor) -> None:
        """Create the inbound interceptor.

        Args:
            next: the next interceptor in the chain.
        """
        self.next = next

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        """Initialize with an outbound interceptor; wrap it before passing it on to add one."""
        self.next.init(outbound)

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        """Called to run the workflow."""
        return await self.next.execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        """Called to handle a signal."""
        return await self.next.handle_signal(input)

    async def handle_query(self, input: HandleQueryInput) -> Any:
        """Called to handle a query."""
        return await self.next.handle_query(input)

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        """Called to handle an update's validation stage."""
        self.next.handle_update_validator(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        """Called to handle an update's handler."""
        return await self.next.handle_update_handler(input)


class WorkflowOutboundInterceptor:
    """Wraps what workflow code calls; every method delegates to ``next`` by default."""

    def __init__(self, next: WorkflowOutboundInterceptor) -> None:
        """Create the outbound interceptor.

        Args:
            next: the next interceptor in the chain.
        """
        self.next = next

    def continue_as_new(self, input: ContinueAsNewInput) -> NoReturn:
        """Called for every ``workflow.continue_as_new`` call."""
        self.next.continue_as_new(input)

    def info(self) -> Info:
        """Called for every ``workflow.info()`` call."""
        return self.next.info()

    async def signal_child_workflow(self, input: SignalChildWorkflowInput) -> None:
        """Called for every ``ChildWorkflowHandle.signal`` call."""
        return await self.next.signal_child_workflow(input)

    async def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> None:
        """Called for every ``ExternalWorkflowHandle.signal`` call."""
        return await self.next.signal_external_workflow(input)

    def start_activity(self, input: StartActivityInput) -> ActivityHandle[Any]:
        """Called for every ``workflow.start_activity`` and ``workflow.execute_activity`` call."""
        return self.next.start_activity(input)

    async def start_child_workflow(self, input: StartChildWorkflowInput) -> ChildWorkflowHandle[Any, Any]:
        """Called for every ``workflow.start_child_workflow`` and ``workflow.execute_child_workflow`` call."""
        return await self.next.start_child_workflow(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> ActivityHandle[Any]:
        """Called for every ``workflow.start_local_activity`` and ``workflow.execute_local_activity`` call."""
        return self.next.start_local_activity(input)
