"""The running workflow as workflow code sees it: an interface, and how to find it.

``durable.workflow``'s functions, the handler registration calls and the sandbox's
``unsafe`` helpers all act on the workflow that is running now. They reach it through
:class:`WorkflowRuntime`, which the replay instance implements and attaches to the event
loop it is (as temporalio's ``_Runtime`` is found through an attribute on the running
loop). Nothing here imports the instance: the modules the instance builds on (the
workflow's info, child handles) can ask for the running workflow without a cycle.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from durable._conversion.payload_converter import PayloadConverter
from durable.exceptions import TemporalError

if TYPE_CHECKING:
    from durable._replay.children import ChildWorkflowCancellationType, ChildWorkflowHandle, ParentClosePolicy
    from durable._replay.context import Info
    from durable._replay.instance import ActivityCancellationType, ActivityHandle
    from durable._search_attributes import SearchAttributes, TypedSearchAttributes
    from durable.common import RetryPolicy

__all__ = ["WorkflowRuntime", "attach", "current", "in_workflow"]

_ATTRIBUTE = "__durable_workflow_runtime"


class WorkflowRuntime(Protocol):
    """What workflow code may ask of the run it belongs to (implemented by the replay instance)."""

    info: Info
    history_length: int
    """Events in the history up to the current decision."""
    is_replaying: bool
    read_only: bool
    """A query or an update validator runs: nothing may change the workflow's state."""
    random: random.Random
    memo: dict[str, str]
    last_completion_result: str | None
    last_failure: dict[str, Any] | None
    next_timer_summary: str | None
    payload_converter: PayloadConverter
    """The converter of the client or environment that registered the run's task queue."""
    extern_functions: dict[str, Callable[..., Any]]
    """What the worker's interceptors exposed to workflow code (``workflow.extern_functions()``)."""

    @property
    def workflow_object(self) -> Any:
        """The instance of the ``@workflow.defn`` class."""
        ...

    def now(self) -> datetime: ...

    def time(self) -> float: ...

    def uuid4(self) -> uuid.UUID: ...

    def get_handler(self, kind: str, name: str | None) -> Callable[..., Any] | None: ...

    def set_signal_handler(self, name: str | None, handler: Callable[..., Any] | None) -> None: ...

    def set_query_handler(self, name: str | None, handler: Callable[..., Any] | None) -> None: ...

    def set_update_handler(
        self, name: str | None, handler: Callable[..., Any] | None, validator: Callable[..., Any] | None
    ) -> None: ...

    def start_activity(
        self,
        activity: Any,
        *args: Any,
        task_queue: str | None,
        result_type: type | None,
        schedule_to_close_timeout: timedelta | None,
        start_to_close_timeout: timedelta | None,
        heartbeat_timeout: timedelta | None,
        retry_policy: RetryPolicy | None,
        cancellation_type: ActivityCancellationType,
        activity_id: str | None,
        schedule_to_start_timeout: timedelta | None = None,
        summary: str | None = None,
    ) -> ActivityHandle[Any]: ...

    def start_local_activity(
        self,
        activity: Any,
        *args: Any,
        result_type: type | None,
        schedule_to_close_timeout: timedelta | None,
        start_to_close_timeout: timedelta | None,
        retry_policy: RetryPolicy | None,
        local_retry_threshold: timedelta | None,
        cancellation_type: ActivityCancellationType,
        activity_id: str | None,
        summary: str | None = None,
    ) -> ActivityHandle[Any]: ...

    async def start_child_workflow(
        self,
        workflow: Any,
        *args: Any,
        id: str,
        task_queue: str | None,
        result_type: type | None,
        cancellation_type: ChildWorkflowCancellationType,
        parent_close_policy: ParentClosePolicy,
        execution_timeout: timedelta | None,
        run_timeout: timedelta | None,
        id_reuse_policy: int,
        retry_policy: RetryPolicy | None,
        task_timeout: timedelta | None = None,
        cron_schedule: str = "",
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
        static_summary: str | None = None,
        static_details: str | None = None,
    ) -> ChildWorkflowHandle[Any, Any]: ...

    async def signal_external(self, workflow_id: str, run_id: str | None, name: str, args: list[Any]) -> None: ...

    async def signal_child(self, workflow_id: str, name: str, args: list[Any]) -> None: ...

    def continue_as_new(
        self,
        workflow_type: str | None,
        task_queue: str | None,
        args: Sequence[Any],
        *,
        run_timeout: timedelta | None = None,
        task_timeout: timedelta | None = None,
        backoff_start_interval: timedelta | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
    ) -> NoReturn:
        """End the run as continued-as-new (raises ContinueAsNewError through the interceptors)."""
        ...

    def intercepted_info(self) -> Info:
        """``workflow.info()``, through the outbound interceptors."""
        ...

    async def cancel_external(self, workflow_id: str, run_id: str | None) -> None: ...

    async def wait_condition(self, fn: Callable[[], bool], timeout: float | None) -> None: ...

    def all_handlers_finished(self) -> bool: ...

    def patched(self, patch_id: str, *, deprecated: bool = False) -> bool: ...

    def upsert_search_attributes(self, updates: Any) -> None: ...


class _NotInWorkflowEventLoopError(TemporalError, RuntimeError):
    """A workflow call made outside workflow code: temporalio's error (a TemporalError), and a
    RuntimeError as this module has always raised."""

    def __init__(self, *args: object) -> None:
        super().__init__("Not in workflow event loop")
        self.message = "Not in workflow event loop"


def attach(loop: asyncio.AbstractEventLoop, runtime: WorkflowRuntime) -> None:
    """Make ``runtime`` the workflow that code running on ``loop`` belongs to."""
    setattr(loop, _ATTRIBUTE, runtime)


def current() -> WorkflowRuntime:
    """The running workflow.

    Raises:
        _NotInWorkflowEventLoopError: not called from workflow code (a RuntimeError).
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    runtime: WorkflowRuntime | None = getattr(loop, _ATTRIBUTE, None)
    if runtime is None:
        raise _NotInWorkflowEventLoopError()
    return runtime


def in_workflow() -> bool:
    """Whether the caller is workflow code."""
    try:
        current()
    except RuntimeError:
        return False
    return True
