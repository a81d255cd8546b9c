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
from collections.abc import Callable, Sequence
from typing import Any

from durable._activity.definition import ActivityDefinition
from durable._activity.interceptor import ActivityInboundInterceptor, ActivityOutboundInterceptor, ExecuteActivityInput
from durable._client.client import Client
from durable._interceptor import Interceptor
from durable._local.environment import LocalRuntime
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
        interceptors: Sequence[Interceptor] = (),
        **options: Any,
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
            interceptors: wrap the workflows' runs and the activities' attempts (the first is
                the outermost); the client's interceptors that are also worker interceptors
                come first, as in temporalio.
            options: temporalio's tuning options (concurrency limits...), accepted and not
                needed here.

        Raises:
            ValueError: nothing to register, a sync activity without an executor, duplicates.
            TypeError: an entry is not a workflow or activity.
        """
        del options, unsandboxed_workflow_runner  # sandboxed=False runs unrestricted whatever the runner
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
        self._interceptors = [i for i in client._interceptors if isinstance(i, Interceptor)] + list(interceptors)
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
            interceptors=self._interceptors,
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
