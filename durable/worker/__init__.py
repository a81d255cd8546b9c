"""Registering workflows and activities on a task queue: ``from durable.worker import Worker``.

Locally a Worker adds its task queue's code to the environment's engine for as long as
it runs. Deployed, the same registration is what ``functions/`` hand to the Lambda
handlers: there are no long-running worker processes.

Workflow code runs in the determinism sandbox unless asked otherwise
(``workflow_runner=UnsandboxedWorkflowRunner()``, ``@workflow.defn(sandboxed=False)``);
its restrictions are in :mod:`durable.worker.workflow_sandbox`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from durable._activity.definition import ActivityDefinition
from durable._activity.interceptor import ActivityInboundInterceptor, ActivityOutboundInterceptor, ExecuteActivityInput
from durable._client.client import Client
from durable._interceptor import Interceptor
from durable._local.environment import LocalRuntime
from durable._options import refuse
from durable._replay.definition import WorkflowDefinition
from durable._replay.interceptor import (
    ContinueAsNewInput,
    ExecuteWorkflowInput,
    HandleQueryInput,
    HandleSignalInput,
    HandleUpdateInput,
    SignalChildWorkflowInput,
    SignalExternalWorkflowInput,
    StartActivityInput,
    StartChildWorkflowInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from durable._replayer import Replayer, WorkflowReplayResult, WorkflowReplayResults
from durable._sandbox.runner import SandboxedWorkflowRunner, UnsandboxedWorkflowRunner, WorkflowRunner
from durable._workers.config import ActivityLimits

__all__ = [
    "ActivityInboundInterceptor",
    "ActivityOutboundInterceptor",
    "ContinueAsNewInput",
    "ExecuteActivityInput",
    "ExecuteWorkflowInput",
    "HandleQueryInput",
    "HandleSignalInput",
    "HandleUpdateInput",
    "Interceptor",
    "Replayer",
    "SignalChildWorkflowInput",
    "SignalExternalWorkflowInput",
    "StartActivityInput",
    "StartChildWorkflowInput",
    "StartLocalActivityInput",
    "UnsandboxedWorkflowRunner",
    "Worker",
    "WorkflowInboundInterceptor",
    "WorkflowInterceptorClassInput",
    "WorkflowOutboundInterceptor",
    "WorkflowReplayResult",
    "WorkflowReplayResults",
    "WorkflowRunner",
]


# The default runners: one each for every Worker, as temporalio's argument defaults are.
_DEFAULT_WORKFLOW_RUNNER = SandboxedWorkflowRunner()
_DEFAULT_UNSANDBOXED_WORKFLOW_RUNNER = UnsandboxedWorkflowRunner()


class Worker:
    """Serves a task queue's workflows and activities while it runs."""

    def __init__(
        self,
        client: Client,
        *,
        task_queue: str,
        activities: Sequence[Callable[..., Any]] = (),
        workflows: Sequence[type] = (),
        activity_executor: concurrent.futures.Executor | None = None,
        workflow_runner: WorkflowRunner = _DEFAULT_WORKFLOW_RUNNER,
        unsandboxed_workflow_runner: WorkflowRunner = _DEFAULT_UNSANDBOXED_WORKFLOW_RUNNER,
        workflow_task_executor: concurrent.futures.ThreadPoolExecutor | None = None,
        max_cached_workflows: int = 1000,
        max_concurrent_workflow_tasks: int | None = None,
        max_concurrent_activities: int | None = None,
        max_concurrent_local_activities: int | None = None,
        tuner: Any = None,
        max_concurrent_workflow_task_polls: int | None = None,
        nonsticky_to_sticky_poll_ratio: float = 0.2,
        max_concurrent_activity_task_polls: int | None = None,
        sticky_queue_schedule_to_start_timeout: timedelta = timedelta(seconds=10),
        max_eager_activity_reservations_per_workflow_task: int = 3,
        disable_eager_activity_execution: bool = False,
        workflow_task_poller_behavior: Any = None,
        activity_task_poller_behavior: Any = None,
        max_workflow_task_external_storage_concurrency: int = 3,
        graceful_shutdown_timeout: timedelta = timedelta(),
        debug_mode: bool = False,
        disable_safe_workflow_eviction: bool = False,
        on_fatal_error: Callable[[BaseException], Awaitable[None]] | None = None,
        plugin_shutdown_timeout: timedelta = timedelta(seconds=60),
        identity: str | None = None,
        plugins: Sequence[Any] = (),
        build_id: str | None = None,
        use_worker_versioning: bool = False,
        deployment_config: Any = None,
        no_remote_activities: bool = False,
        max_heartbeat_throttle_interval: timedelta = timedelta(seconds=60),
        default_heartbeat_throttle_interval: timedelta = timedelta(seconds=30),
        max_activities_per_second: float | None = None,
        max_task_queue_activities_per_second: float | None = None,
        workflow_failure_exception_types: Sequence[type[BaseException]] = (),
        shared_state_manager: Any = None,
        patch_activation_callback: Any = None,
        disable_payload_error_limit: bool = False,
        nexus_service_handlers: Sequence[Any] = (),
        nexus_task_executor: concurrent.futures.Executor | None = None,
        max_concurrent_nexus_tasks: int | None = None,
        nexus_task_poller_behavior: Any = None,
        interceptors: Sequence[Interceptor] = (),
    ) -> None:
        """Check the registrations (as temporalio does, before anything runs).

        Args:
            client: the environment's client.
            task_queue: the task queue to serve.
            activities: ``@activity.defn`` functions or bound methods.
            workflows: ``@workflow.defn`` classes.
            activity_executor: runs sync activities; required when there are any.
            workflow_runner: runs the workflows' code: in the determinism sandbox by default
                (``SandboxedWorkflowRunner``, whose ``restrictions`` say what it refuses), or
                without it (``UnsandboxedWorkflowRunner()``).
            unsandboxed_workflow_runner: runs the workflows marked ``sandboxed=False``.
            max_concurrent_activities: most of the task queue's attempts running at once
                (deployed: ``durable.deployment.TaskQueueConfig`` in ``statemachines/registry.py``).
            max_task_queue_activities_per_second: most of the task queue's attempts started per
                second, whatever runs them (deployed: ``TaskQueueConfig`` likewise).
            workflow_task_executor, max_cached_workflows, max_concurrent_workflow_tasks,
                max_concurrent_local_activities, tuner, *_polls,
                nonsticky_to_sticky_poll_ratio, sticky_queue_schedule_to_start_timeout,
                max_eager_activity_reservations_per_workflow_task,
                disable_eager_activity_execution, *_poller_behavior,
                max_workflow_task_external_storage_concurrency: no effect here: Lambda scales
                the functions (deployed), the environment's dispatcher runs every task
                (locally); there are no pollers, slots or sticky caches to tune.
            graceful_shutdown_timeout, debug_mode, disable_safe_workflow_eviction,
                on_fatal_error, plugin_shutdown_timeout: no effect here: a Worker only
                registers code with the engine; it has no pollers to drain or fail, no
                deadlock detector, and nothing to evict.
            build_id: names this worker's workflow code on the workflow tasks it completes
                (``WorkflowTaskCompleted``'s build id) and in its runs' ``BuildIds`` search
                attribute; by default a hash of the modules that define ``workflows``.
            identity, plugins, use_worker_versioning, deployment_config,
                no_remote_activities, max_heartbeat_throttle_interval,
                default_heartbeat_throttle_interval, max_activities_per_second,
                workflow_failure_exception_types,
                shared_state_manager, patch_activation_callback, disable_payload_error_limit,
                nexus_*: refused unless left at their defaults (NotImplementedError naming the
                option): see README, "Differences from temporalio".
            interceptors: wrap the workflows' runs and the activities' attempts (the first is
                the outermost); the client's interceptors that are also worker interceptors
                come first, as in temporalio.

        Raises:
            ValueError: nothing to register, a sync activity without an executor, duplicates.
            TypeError: an entry is not a workflow or activity, or an unknown keyword.
            NotImplementedError: an option durable does not implement, set.
        """
        del unsandboxed_workflow_runner  # sandboxed=False runs unrestricted whatever the runner
        # Tuning of pollers, slots and caches that do not exist here (see the docstring).
        del workflow_task_executor, max_cached_workflows, max_concurrent_workflow_tasks
        del max_concurrent_local_activities, tuner, max_concurrent_workflow_task_polls, nonsticky_to_sticky_poll_ratio
        del max_concurrent_activity_task_polls, sticky_queue_schedule_to_start_timeout, disable_eager_activity_execution
        del max_eager_activity_reservations_per_workflow_task, workflow_task_poller_behavior
        del activity_task_poller_behavior, max_workflow_task_external_storage_concurrency, graceful_shutdown_timeout
        del debug_mode, disable_safe_workflow_eviction, on_fatal_error, plugin_shutdown_timeout
        refuse("identity", identity)
        refuse("plugins", list(plugins), [])
        refuse("use_worker_versioning", use_worker_versioning, False)
        refuse("deployment_config", deployment_config)
        refuse("no_remote_activities", no_remote_activities, False)
        refuse("max_heartbeat_throttle_interval", max_heartbeat_throttle_interval, timedelta(seconds=60))
        refuse("default_heartbeat_throttle_interval", default_heartbeat_throttle_interval, timedelta(seconds=30))
        refuse("max_activities_per_second", max_activities_per_second)
        refuse("workflow_failure_exception_types", list(workflow_failure_exception_types), [])
        refuse("shared_state_manager", shared_state_manager)
        refuse("patch_activation_callback", patch_activation_callback)
        refuse("disable_payload_error_limit", disable_payload_error_limit, False)
        refuse("nexus_service_handlers", list(nexus_service_handlers), [])
        refuse("nexus_task_executor", nexus_task_executor)
        refuse("max_concurrent_nexus_tasks", max_concurrent_nexus_tasks)
        refuse("nexus_task_poller_behavior", nexus_task_poller_behavior)
        if not isinstance(workflow_runner, WorkflowRunner):
            raise TypeError("workflow_runner must be a SandboxedWorkflowRunner or an UnsandboxedWorkflowRunner")
        if not activities and not workflows:
            raise ValueError("At least one activity or workflow must be specified")
        names: set[str | None] = set()  # None: the dynamic one
        for fn in activities:
            d = ActivityDefinition.of(fn)
            if d.name in names:
                if d.name is None:
                    raise TypeError("More than one dynamic activity")
                raise ValueError(f"More than one activity named {d.name}")
            names.add(d.name)
            if not d.is_async and activity_executor is None:
                raise ValueError(f"Activity function {d.name} is not async, so an activity_executor must be provided")
        workflow_names: set[str | None] = set()
        for cls in workflows:
            w = WorkflowDefinition.of(cls)
            if w.name in workflow_names:
                if w.name is None:
                    raise TypeError("More than one dynamic workflow")
                raise ValueError(f"More than one workflow named {w.name}")
            workflow_names.add(w.name)
        # The engine in this process: the local environment's (or, in tests, the one
        # behind an in-process dev server that the client reaches over HTTP).
        runtime = getattr(client._transport, "runtime", None)
        if not isinstance(runtime, LocalRuntime):
            raise TypeError(
                "Worker runs workflows in a local environment; a deployed stack runs them in its Lambda "
                "functions (register them in statemachines/ and functions/activities/)"
            )
        self._runtime = runtime
        self._task_queue = task_queue
        self._activities = list(activities)
        self._workflows = list(workflows)
        self._executor = activity_executor
        self._workflow_runner = workflow_runner
        self._data_converter = client.data_converter  # its runs and attempts convert values as its client does
        self._interceptors = [i for i in client._interceptors if isinstance(i, Interceptor)] + list(interceptors)
        self._build_id = build_id
        self._limits = (
            ActivityLimits(max_concurrent=max_concurrent_activities, per_second=max_task_queue_activities_per_second)
            if activities and (max_concurrent_activities or max_task_queue_activities_per_second)
            else None
        )
        self._running = False
        self._stopped: asyncio.Event | None = None

    @property
    def task_queue(self) -> str:
        """The task queue served."""
        return self._task_queue

    @property
    def is_running(self) -> bool:
        """Whether the worker is registered."""
        return self._running

    def _start(self) -> None:
        self._runtime.register(
            self._task_queue,
            self._workflows,
            self._activities,
            self._executor,
            workflow_runner=self._workflow_runner,
            data_converter=self._data_converter,
            interceptors=self._interceptors,
            build_id=self._build_id,
            limits=self._limits,
        )
        self._running = True

    def _stop(self) -> None:
        if self._running:
            self._runtime.unregister(self._task_queue, self._workflows, self._activities)
            self._running = False

    async def __aenter__(self) -> Worker:
        self._start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._stop()

    async def run(self) -> None:
        """Serve until :meth:`shutdown`."""
        self._stopped = asyncio.Event()
        self._start()
        try:
            await self._stopped.wait()
        finally:
            self._stop()

    async def shutdown(self) -> None:
        """Stop serving."""
        if self._stopped is not None:
            self._stopped.set()
        self._stop()
