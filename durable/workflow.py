"""What workflow code imports: ``from durable import workflow`` (temporalio's ``workflow``).

Decorators (``defn``, ``run``, ``signal``, ``query``, ``update``, ``init``) and the calls a workflow
makes: activities, timers, conditions, deterministic time/randomness/ids, info, logger.
Inside a workflow, plain asyncio works too: ``asyncio.sleep`` is a durable timer and
``gather``/``wait``/``wait_for``/``Queue``/``Event``/tasks behave deterministically.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from random import Random
from typing import Any, Concatenate, Generic, NoReturn, TypeVar, overload
from uuid import UUID

from durable import _converter, _failure
from durable._metrics.meter import MetricMeter
from durable._metrics.workflow_meter import ReplaySafeMetricMeter, current_engine_meter
from durable._options import Priority, refuse
from durable._replay import context as _context
from durable._replay.children import ChildWorkflowCancellationType, ChildWorkflowHandle, ParentClosePolicy
from durable._replay.context import Info, ParentInfo, UpdateInfo, current_update_info
from durable._replay.definition import (
    DynamicWorkflowConfig,
    HandlerUnfinishedPolicy,
    WorkflowDefinition,
    defn,
    dynamic_config,
    init,
    query,
    run,
    signal,
    signal_name,
    update,
)
from durable._replay.handlers import (
    get_dynamic_query_handler,
    get_dynamic_signal_handler,
    get_dynamic_update_handler,
    get_query_handler,
    get_signal_handler,
    get_update_handler,
    payload_converter,
    set_dynamic_query_handler,
    set_dynamic_signal_handler,
    set_dynamic_update_handler,
    set_query_handler,
    set_signal_handler,
    set_update_handler,
)
from durable._replay.instance import (
    ActivityCancellationType,
    ActivityHandle,
    ContinueAsNewError,
    ReadOnlyContextError,
    UnfinishedSignalHandlersWarning,
    UnfinishedUpdateHandlersWarning,
)
from durable._replay.logger import LoggerAdapter
from durable._replay.machine import NondeterminismError
from durable._replay.waiting import as_completed, wait
from durable._sandbox.restrictions import SandboxImportNotificationPolicy
from durable._sandbox.unsafe import unsafe
from durable._search_attributes import SearchAttributes, SearchAttributeUpdate, TypedSearchAttributes
from durable.common import RetryPolicy, WorkflowIDReusePolicy, _arg_or_args, _arg_unset

__all__ = [
    "ActivityCancellationType",
    "ActivityHandle",
    "ChildWorkflowCancellationType",
    "ChildWorkflowHandle",
    "ContinueAsNewError",
    "DynamicWorkflowConfig",
    "ExternalWorkflowHandle",
    "HandlerUnfinishedPolicy",
    "Info",
    "NondeterminismError",
    "ParentClosePolicy",
    "ParentInfo",
    "ReadOnlyContextError",
    "SandboxImportNotificationPolicy",
    "UnfinishedSignalHandlersWarning",
    "UnfinishedUpdateHandlersWarning",
    "UpdateInfo",
    "all_handlers_finished",
    "as_completed",
    "continue_as_new",
    "current_update_info",
    "defn",
    "deprecate_patch",
    "dynamic_config",
    "execute_activity",
    "execute_activity_method",
    "execute_child_workflow",
    "execute_local_activity",
    "execute_local_activity_method",
    "extern_functions",
    "get_dynamic_query_handler",
    "get_dynamic_signal_handler",
    "get_dynamic_update_handler",
    "get_external_workflow_handle",
    "get_external_workflow_handle_for",
    "get_last_completion_result",
    "get_last_failure",
    "get_query_handler",
    "get_signal_handler",
    "get_update_handler",
    "has_last_completion_result",
    "in_workflow",
    "info",
    "init",
    "instance",
    "logger",
    "memo",
    "memo_value",
    "metric_meter",
    "now",
    "patched",
    "payload_converter",
    "query",
    "random",
    "run",
    "set_dynamic_query_handler",
    "set_dynamic_signal_handler",
    "set_dynamic_update_handler",
    "set_query_handler",
    "set_signal_handler",
    "set_update_handler",
    "signal",
    "sleep",
    "start_activity",
    "start_activity_method",
    "start_child_workflow",
    "start_local_activity",
    "start_local_activity_method",
    "time",
    "time_ns",
    "unsafe",
    "update",
    "upsert_search_attributes",
    "uuid4",
    "wait",
    "wait_condition",
]


_Result = TypeVar("_Result")
"""What an activity or a child workflow returns: ``execute_*`` return it, awaited."""
_Workflow = TypeVar("_Workflow")
"""A workflow class, as an external handle is typed by it."""


def start_activity(
    activity: str | Callable[..., Any],
    arg: Any = _arg_unset,
    *,
    args: Sequence[Any] = (),
    task_queue: str | None = None,
    result_type: type | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    schedule_to_start_timeout: timedelta | None = None,
    start_to_close_timeout: timedelta | None = None,
    heartbeat_timeout: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    cancellation_type: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
    activity_id: str | None = None,
    versioning_intent: Any = None,
    summary: str | None = None,
    priority: Priority = Priority.default,
) -> ActivityHandle[Any]:
    """Schedule an activity and return its handle (an awaitable, cancellable task).

    Args:
        activity: an ``@activity.defn`` function or an activity type name.
        arg: the single argument; or ``args`` for several.
        task_queue: where the activity runs; the workflow's task queue by default.
        result_type: the type to decode the result into, for activities given by name.
        schedule_to_close_timeout: bound on all attempts together.
        schedule_to_start_timeout: bound on an attempt's wait in its queue (a throttled
            activity function, say): an attempt that starts later fails with
            ``TimeoutError(SCHEDULE_TO_START)`` without running, and is not retried (Temporal's rule).
        start_to_close_timeout: bound on one attempt. One of the two is required.
        heartbeat_timeout: longest silence between heartbeats before the attempt times out.
        retry_policy: how failed attempts are retried; temporalio's defaults when None.
        cancellation_type: what cancelling the handle waits for.
        activity_id: the activity's id; its sequence number by default.
        summary: a short text shown with the activity in its history (``userMetadata``).
        versioning_intent, priority: refused unless left at their defaults (NotImplementedError):
            see README, "Differences from temporalio".
    """
    refuse("versioning_intent", versioning_intent)
    refuse("priority", priority, Priority.default)
    return _context.current().start_activity(
        activity,
        *_arg_or_args(arg, args),
        task_queue=task_queue,
        result_type=result_type,
        schedule_to_close_timeout=schedule_to_close_timeout,
        start_to_close_timeout=start_to_close_timeout,
        heartbeat_timeout=heartbeat_timeout,
        retry_policy=retry_policy,
        cancellation_type=cancellation_type,
        activity_id=activity_id,
        schedule_to_start_timeout=schedule_to_start_timeout,
        summary=summary,
    )


@overload
async def execute_activity(
    activity: Callable[..., Awaitable[_Result]], arg: Any = _arg_unset, **kwargs: Any
) -> _Result: ...


@overload
async def execute_activity(activity: Callable[..., _Result], arg: Any = _arg_unset, **kwargs: Any) -> _Result: ...


@overload
async def execute_activity(
    activity: str, arg: Any = _arg_unset, *, result_type: type[_Result], **kwargs: Any
) -> _Result: ...


@overload
async def execute_activity(activity: str, arg: Any = _arg_unset, **kwargs: Any) -> Any: ...


async def execute_activity(activity: Any, arg: Any = _arg_unset, **kwargs: Any) -> Any:
    """Run an activity and return its result: ``await start_activity(...)``.

    Raises:
        ActivityError: the activity failed for good; ``cause`` says why.
    """
    return await start_activity(activity, arg, **kwargs)


def start_activity_method(activity: Callable[..., Any], arg: Any = _arg_unset, **kwargs: Any) -> ActivityHandle[Any]:
    """:func:`start_activity` for an ``@activity.defn`` method of a class (unbound)."""
    return start_activity(activity, arg, **kwargs)


@overload
async def execute_activity_method(
    activity: Callable[..., Awaitable[_Result]], arg: Any = _arg_unset, **kwargs: Any
) -> _Result: ...


@overload
async def execute_activity_method(
    activity: Callable[..., _Result], arg: Any = _arg_unset, **kwargs: Any
) -> _Result: ...


async def execute_activity_method(activity: Callable[..., Any], arg: Any = _arg_unset, **kwargs: Any) -> Any:
    """:func:`execute_activity` for an ``@activity.defn`` method of a class (unbound)."""
    return await start_activity(activity, arg, **kwargs)


@overload
async def start_child_workflow(
    workflow: Callable[Concatenate[_Workflow, ...], Awaitable[_Result]], arg: Any = _arg_unset, **kwargs: Any
) -> ChildWorkflowHandle[_Workflow, _Result]: ...


@overload
async def start_child_workflow(
    workflow: str, arg: Any = _arg_unset, *, result_type: type[_Result], **kwargs: Any
) -> ChildWorkflowHandle[Any, _Result]: ...


@overload
async def start_child_workflow(
    workflow: str, arg: Any = _arg_unset, **kwargs: Any
) -> ChildWorkflowHandle[Any, Any]: ...


# The overloads type the keywords as **kwargs; the implementation names each of temporalio's,
# so an unknown one is a TypeError.
async def start_child_workflow(  # type: ignore[misc]
    workflow: str | Callable[..., Awaitable[Any]],
    arg: Any = _arg_unset,
    *,
    args: Sequence[Any] = (),
    id: str | None = None,
    task_queue: str | None = None,
    result_type: type | None = None,
    cancellation_type: ChildWorkflowCancellationType = ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    parent_close_policy: ParentClosePolicy = ParentClosePolicy.TERMINATE,
    execution_timeout: timedelta | None = None,
    run_timeout: timedelta | None = None,
    task_timeout: timedelta | None = None,
    id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    retry_policy: RetryPolicy | None = None,
    cron_schedule: str = "",
    memo: Mapping[str, Any] | None = None,
    search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
    versioning_intent: Any = None,
    static_summary: str | None = None,
    static_details: str | None = None,
    priority: Priority = Priority.default,
    versioning_override: Any = None,
) -> ChildWorkflowHandle[Any, Any]:
    """Start a child workflow and return its handle once the child has started.

    Args:
        workflow: the ``@workflow.run`` method of a workflow class, or a workflow type name.
        arg: the single argument; or ``args`` for several.
        id: the child's workflow id; a deterministic :func:`uuid4` by default.
        task_queue: where the child runs; the parent's task queue by default.
        result_type: the type to decode the result into, for workflows given by name.
        cancellation_type: what cancelling the handle waits for.
        parent_close_policy: what happens to the child when the parent closes while it runs.
        execution_timeout: the child's whole chain of runs closes TIMED_OUT after this long
            (the parent sees a ChildWorkflowError whose cause is a TimeoutError).
        run_timeout: each run of the child closes TIMED_OUT after this long (retried per
            ``retry_policy``).
        task_timeout: shown as the child's ``workflow.info().task_timeout``.
        id_reuse_policy: which earlier runs of the same id a new child may replace.
        retry_policy: retries a failed child as new runs of the same id (``info().attempt``
            counts them); the parent sees only the last run's outcome. None: no retries.
        cron_schedule: the child runs on this cron schedule, as a top-level start's (its first
            run waits for the next tick; the parent sees the chain's outcome).
        memo: values kept with the child's run (its ``workflow.memo()``, ``describe()``).
        search_attributes: the child's typed search attributes (listings filter on them).
        static_summary, static_details: texts recorded on the child's start (``userMetadata``
            of its initiated event in the parent's history and of its start event).
        versioning_intent, priority, versioning_override: refused unless left at their
            defaults (NotImplementedError): see README, "Differences from temporalio".

    Raises:
        WorkflowAlreadyStartedError: a run of that id exists that the policy may not replace.
        ValueError: ``cron_schedule`` does not parse.
    """
    refuse("versioning_intent", versioning_intent)
    refuse("priority", priority, Priority.default)
    refuse("versioning_override", versioning_override)
    instance = _context.current()
    return await instance.start_child_workflow(
        workflow,
        *_arg_or_args(arg, args),
        id=id or str(instance.uuid4()),
        task_queue=task_queue,
        result_type=result_type,
        cancellation_type=cancellation_type,
        parent_close_policy=parent_close_policy,
        execution_timeout=execution_timeout,
        run_timeout=run_timeout,
        id_reuse_policy=int(id_reuse_policy),
        retry_policy=retry_policy,
        task_timeout=task_timeout,
        cron_schedule=cron_schedule,
        memo=memo,
        search_attributes=search_attributes,
        static_summary=static_summary,
        static_details=static_details,
    )


@overload
async def execute_child_workflow(
    workflow: Callable[..., Awaitable[_Result]], arg: Any = _arg_unset, **kwargs: Any
) -> _Result: ...


@overload
async def execute_child_workflow(
    workflow: str, arg: Any = _arg_unset, *, result_type: type[_Result], **kwargs: Any
) -> _Result: ...


@overload
async def execute_child_workflow(workflow: str, arg: Any = _arg_unset, **kwargs: Any) -> Any: ...


async def execute_child_workflow(workflow: Any, arg: Any = _arg_unset, **kwargs: Any) -> Any:
    """Start a child workflow and wait for its result: ``await (await start_child_workflow(...))``.

    Raises:
        ChildWorkflowError: the child failed, was cancelled or terminated; ``cause`` says why.
        WorkflowAlreadyStartedError: the child's id is in use.
    """
    handle = await start_child_workflow(workflow, arg, **kwargs)
    return await handle


def start_local_activity(
    activity: str | Callable[..., Any],
    arg: Any = _arg_unset,
    *,
    args: Sequence[Any] = (),
    result_type: type | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    schedule_to_start_timeout: timedelta | None = None,
    start_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    local_retry_threshold: timedelta | None = None,
    cancellation_type: ActivityCancellationType = ActivityCancellationType.TRY_CANCEL,
    activity_id: str | None = None,
    summary: str | None = None,
) -> ActivityHandle[Any]:
    """Run an activity inside the workflow's own task, and return its handle.

    No queue and no extra invocation: the orchestrator runs it before it commits the
    decision, and records the outcome as a marker that replay reads instead of running it
    again. The activity must be registered on the workflow's worker. Crashing after it ran
    and before the decision committed runs it again (at least once).

    Args:
        activity: an ``@activity.defn`` function or an activity type name.
        arg: the single argument; or ``args`` for several.
        result_type: the type to decode the result into, for activities given by name.
        schedule_to_close_timeout: bound on all attempts together.
        schedule_to_start_timeout: bound on the wait before an attempt starts; a local
            activity starts within the workflow task that asked for it, so it never waits.
        start_to_close_timeout: bound on one attempt. One of the two is required.
        retry_policy: how failed attempts are retried; temporalio's defaults when None.
        local_retry_threshold: back-offs up to this long (a minute by default) are waited
            out in place; a longer one is a durable timer before the next attempt.
        cancellation_type: accepted for compatibility; cancelling drops what has not run.
        activity_id: the activity's id; its sequence number by default.
        summary: a short text recorded with the activity's marker in its history.
    """
    del schedule_to_start_timeout  # cannot be exceeded here: the attempt starts in this task
    return _context.current().start_local_activity(
        activity,
        *_arg_or_args(arg, args),
        result_type=result_type,
        schedule_to_close_timeout=schedule_to_close_timeout,
        start_to_close_timeout=start_to_close_timeout,
        retry_policy=retry_policy,
        local_retry_threshold=local_retry_threshold,
        cancellation_type=cancellation_type,
        activity_id=activity_id,
        summary=summary,
    )


@overload
async def execute_local_activity(
    activity: Callable[..., Awaitable[_Result]], arg: Any = _arg_unset, **kwargs: Any
) -> _Result: ...


@overload
async def execute_local_activity(activity: Callable[..., _Result], arg: Any = _arg_unset, **kwargs: Any) -> _Result: ...


@overload
async def execute_local_activity(
    activity: str, arg: Any = _arg_unset, *, result_type: type[_Result], **kwargs: Any
) -> _Result: ...


@overload
async def execute_local_activity(activity: str, arg: Any = _arg_unset, **kwargs: Any) -> Any: ...


async def execute_local_activity(activity: Any, arg: Any = _arg_unset, **kwargs: Any) -> Any:
    """Run a local activity and return its result: ``await start_local_activity(...)``.

    Raises:
        ApplicationError (or what the activity raised, as a failure error): it failed for
            good; ActivityError: it timed out (temporalio's shapes for local activities).
    """
    return await start_local_activity(activity, arg, **kwargs)


def start_local_activity_method(
    activity: Callable[..., Any], arg: Any = _arg_unset, **kwargs: Any
) -> ActivityHandle[Any]:
    """:func:`start_local_activity` for an ``@activity.defn`` method of a class (unbound)."""
    return start_local_activity(activity, arg, **kwargs)


@overload
async def execute_local_activity_method(
    activity: Callable[..., Awaitable[_Result]], arg: Any = _arg_unset, **kwargs: Any
) -> _Result: ...


@overload
async def execute_local_activity_method(
    activity: Callable[..., _Result], arg: Any = _arg_unset, **kwargs: Any
) -> _Result: ...


async def execute_local_activity_method(activity: Callable[..., Any], arg: Any = _arg_unset, **kwargs: Any) -> Any:
    """:func:`execute_local_activity` for an ``@activity.defn`` method of a class (unbound)."""
    return await start_local_activity(activity, arg, **kwargs)


async def sleep(duration: float | timedelta, *, summary: str | None = None) -> None:
    """A durable timer: sleep for seconds or a timedelta of workflow time.

    ``summary`` is recorded with the timer in the history (``userMetadata``).
    """
    _context.current().next_timer_summary = summary  # asyncio.sleep starts its timer before it waits
    await asyncio.sleep(duration.total_seconds() if isinstance(duration, timedelta) else duration)


async def wait_condition(
    fn: Callable[[], bool], *, timeout: timedelta | float | None = None, timeout_summary: str | None = None
) -> None:
    """Wait until ``fn()`` returns true; it is checked after every step of the workflow.

    ``timeout_summary`` is recorded with the timeout's timer in the history.

    Raises:
        asyncio.TimeoutError: ``timeout`` (a durable timer) passed first.
    """
    _context.current().next_timer_summary = timeout_summary if timeout is not None else None
    await _context.current().wait_condition(fn, timeout.total_seconds() if isinstance(timeout, timedelta) else timeout)


def all_handlers_finished() -> bool:
    """Whether no signal or update handler is running: wait for it before returning with
    ``await workflow.wait_condition(workflow.all_handlers_finished)``, so that no update's
    caller gets an error instead of its result."""
    return _context.current().all_handlers_finished()


def info() -> Info:
    """Information about the running workflow (through the outbound interceptors)."""
    return _context.current().intercepted_info()


def extern_functions() -> Mapping[str, Callable[..., Any]]:
    """The functions the worker's interceptors exposed to workflow code (their
    ``workflow_interceptor_class`` input's ``unsafe_extern_functions``)."""
    return _context.current().extern_functions


def instance() -> Any:
    """The workflow object (the instance of the ``@workflow.defn`` class)."""
    return _context.current().workflow_object


def in_workflow() -> bool:
    """Whether the caller is workflow code."""
    return _context.in_workflow()


def metric_meter() -> MetricMeter:
    """Get the metric meter for the current workflow.

    The runtime's meter with the attributes ``namespace``, ``task_queue`` and
    ``workflow_type``. It is replay safe: nothing is recorded while the workflow replays.
    """
    runtime = _context.current()
    info = runtime.info
    meter = current_engine_meter().with_additional_attributes(
        {"namespace": info.namespace, "task_queue": info.task_queue, "workflow_type": info.workflow_type}
    )
    return ReplaySafeMetricMeter(meter, lambda: runtime.is_replaying)


def now() -> datetime:
    """Workflow time (UTC): deterministic, the time of the current decision."""
    return _context.current().now()


def time() -> float:
    """Workflow time in epoch seconds."""
    return _context.current().time()


def time_ns() -> int:
    """Workflow time in epoch nanoseconds."""
    return int(_context.current().time() * 1e9)


def random() -> Random:
    """The workflow's deterministic random generator (seeded from its run)."""
    return _context.current().random


def uuid4() -> UUID:
    """A deterministic random UUID."""
    return _context.current().uuid4()


def continue_as_new(
    arg: Any = _arg_unset,
    *,
    args: Sequence[Any] = (),
    workflow: Callable[..., Any] | str | None = None,
    task_queue: str | None = None,
    run_timeout: timedelta | None = None,
    task_timeout: timedelta | None = None,
    backoff_start_interval: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    memo: Mapping[str, Any] | None = None,
    search_attributes: TypedSearchAttributes | SearchAttributes | None = None,
    versioning_intent: Any = None,
    initial_versioning_behavior: Any = None,
) -> NoReturn:
    """End this run and start a new one of the same workflow id with fresh history.

    Args:
        arg: the single argument of the next run; or ``args`` for several.
        workflow: the next run's workflow (this one by default).
        task_queue: the next run's task queue (this one's by default).
        run_timeout, task_timeout: the next run's (this run's by default).
        backoff_start_interval: how long the next run waits before its first workflow task.
        memo, search_attributes: the next run's (this run's by default).
        retry_policy, versioning_intent, initial_versioning_behavior: refused unless None
            (NotImplementedError): see README, "Differences from temporalio".

    Raises:
        ContinueAsNewError: always; let it propagate out of the run method.
    """
    refuse("continue_as_new retry_policy", retry_policy)
    refuse("versioning_intent", versioning_intent)
    refuse("initial_versioning_behavior", initial_versioning_behavior)
    if isinstance(search_attributes, Mapping) and search_attributes:
        warnings.warn("Dictionary-based search attributes are deprecated", DeprecationWarning, stacklevel=2)
    instance = _context.current()
    if workflow is None:
        workflow_type = instance.info.workflow_type
    elif isinstance(workflow, str):
        workflow_type = workflow
    else:
        # A dynamic workflow's run method has no type name: the run goes on as its own type.
        workflow_type = WorkflowDefinition.of(workflow).name or instance.info.workflow_type
    # Through the outbound interceptors, whose end raises ContinueAsNewError.
    instance.continue_as_new(
        workflow_type,
        task_queue,
        _arg_or_args(arg, args),
        run_timeout=run_timeout,
        task_timeout=task_timeout,
        backoff_start_interval=backoff_start_interval,
        memo=memo,
        search_attributes=search_attributes,
    )


class ExternalWorkflowHandle(Generic[_Workflow]):
    """Another workflow, seen from workflow code: signal it or ask it to cancel (typed by its
    class when made by :func:`get_external_workflow_handle_for`)."""

    def __init__(self, workflow_id: str, run_id: str | None) -> None:
        self._id = workflow_id
        self._run_id = run_id

    @property
    def id(self) -> str:
        """Its workflow id."""
        return self._id

    @property
    def run_id(self) -> str | None:
        """Its run id, if bound to one run."""
        return self._run_id

    async def signal(
        self, signal: str | Callable[..., Any], arg: Any = _arg_unset, *, args: Sequence[Any] = ()
    ) -> None:
        """Send it a signal; returns once delivered.

        Raises:
            ApplicationError: no such running workflow.
        """
        name = signal_name(signal)
        await _context.current().signal_external(self._id, self._run_id, name, _arg_or_args(arg, args))

    async def cancel(self) -> None:
        """Ask it to cancel; returns once the request was delivered."""
        await _context.current().cancel_external(self._id, self._run_id)


def get_external_workflow_handle(workflow_id: str, *, run_id: str | None = None) -> ExternalWorkflowHandle[Any]:
    """A handle to another workflow by id (its latest run unless ``run_id`` is given)."""
    return ExternalWorkflowHandle(workflow_id, run_id)


def get_external_workflow_handle_for(
    workflow: Callable[[_Workflow], Awaitable[Any]] | Callable[[_Workflow, Any], Awaitable[Any]],
    workflow_id: str,
    *,
    run_id: str | None = None,
) -> ExternalWorkflowHandle[_Workflow]:
    """:func:`get_external_workflow_handle`, typed by a workflow's run method."""
    del workflow
    return ExternalWorkflowHandle(workflow_id, run_id)


def patched(id: str) -> bool:
    """Whether this run takes the new branch of a code change (temporalio's ``patched``).

    New runs (and new decisions) take it and record a marker; runs whose history was made
    by the old code replay the old branch. Once no run of the old code is left, replace
    the call by :func:`deprecate_patch`, then remove it.
    """
    return _context.current().patched(id)


def deprecate_patch(id: str) -> None:
    """Mark a patch as the only path: histories with or without its marker both replay."""
    _context.current().patched(id, deprecated=True)


def has_last_completion_result() -> bool:
    """Whether an earlier run of this cron chain (or schedule) completed with a result."""
    return _context.current().last_completion_result is not None


def get_last_completion_result(type_hint: type | None = None) -> Any:
    """The result of the last run of this cron chain that completed, or None."""
    instance = _context.current()
    encoded = instance.last_completion_result
    return None if encoded is None else _converter.decode(encoded, type_hint, instance.payload_converter)


def get_last_failure() -> BaseException | None:
    """The failure of the previous run of this cron chain, if it failed."""
    instance = _context.current()
    failure = instance.last_failure
    return None if failure is None else _failure.to_exception(failure, instance.payload_converter)


def memo() -> Mapping[str, Any]:
    """The memo the run was started with, each value decoded without a type hint."""
    instance = _context.current()
    return {key: _converter.decode(payload, None, instance.payload_converter) for key, payload in instance.memo.items()}


def memo_value(key: str, default: Any = _arg_unset, *, type_hint: type | None = None) -> Any:
    """One memo value, decoded with ``type_hint``.

    Raises:
        KeyError: no such key and no default.
    """
    instance = _context.current()
    if key not in instance.memo:
        if default is _arg_unset:
            raise KeyError(f"Memo does not have a value for key {key}")
        return default
    return _converter.decode(instance.memo[key], type_hint, instance.payload_converter)


def upsert_search_attributes(attributes: Sequence[SearchAttributeUpdate[Any]] | SearchAttributes) -> None:
    """Set or unset search attributes of this run (``key.value_set(v)`` / ``key.value_unset()``).

    The change is recorded in the history (an ``UpsertWorkflowSearchAttributes`` event),
    shows in ``info().typed_search_attributes`` at once, and in listings and ``describe()``
    once the decision is committed. temporalio's older dict form (name -> list of values)
    is accepted too, with its DeprecationWarning.

    Raises:
        TypeError: a value does not fit its key's type.
    """
    if isinstance(attributes, Mapping) and attributes:
        warnings.warn("Dictionary-based search attributes are deprecated", DeprecationWarning, stacklevel=2)
    _context.current().upsert_search_attributes(attributes)


logger = LoggerAdapter(logging.getLogger("durable.workflow"), None)
"""Logger for workflow code."""
