"""Testing helpers: the embedded engine and a harness for one activity (temporalio's ``testing``).

``WorkflowEnvironment.start_time_skipping()`` runs workflows with virtual time (a 30-day
timer takes milliseconds); ``start_local()`` runs them in real time on the embedded AWS
emulation (moto). Both run the same handlers a deployment runs.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar, cast

from durable._activity import context as activity_context
from durable._activity.context import ActivityContext, Info
from durable._client.client import Client
from durable._local.environment import LocalRuntime
from durable._local.transport import LocalTransport
from durable._metrics.meter import MetricMeter
from durable._metrics.runtime import Runtime

__all__ = ["ActivityEnvironment", "WorkflowEnvironment"]

_Params = ParamSpec("_Params")
_Return = TypeVar("_Return")

BACKEND_ENV = "DURABLE_TEST_BACKEND"
"""Set to ``moto`` or ``memory`` to choose every environment's backend (e.g. in CI)."""


class WorkflowEnvironment:
    """An embedded engine with a client; use as ``async with await WorkflowEnvironment.start_...()``."""

    def __init__(self, runtime: LocalRuntime) -> None:
        self._runtime = runtime
        self._client = Client(LocalTransport(runtime))

    @staticmethod
    async def start_local(
        *, backend: str | None = None, runtime: Runtime | None = None, **_: Any
    ) -> WorkflowEnvironment:
        """Real time, on moto (the embedded AWS emulation).

        Args:
            backend: ``moto`` (default) or ``memory``.
            runtime: where metrics go (:class:`durable.runtime.Runtime`; the default runtime if None).
        """
        return WorkflowEnvironment(
            LocalRuntime(backend=backend or os.environ.get(BACKEND_ENV, "moto"), skipping=False, runtime=runtime)
        )

    @staticmethod
    async def start_time_skipping(
        *, backend: str | None = None, runtime: Runtime | None = None, **_: Any
    ) -> WorkflowEnvironment:
        """Virtual time that jumps to the next timer while a client awaits a result.

        Args:
            backend: ``memory`` (default: fast, same contract as moto) or ``moto``.
            runtime: where metrics go (:class:`durable.runtime.Runtime`; the default runtime if None).
        """
        return WorkflowEnvironment(
            LocalRuntime(backend=backend or os.environ.get(BACKEND_ENV, "memory"), skipping=True, runtime=runtime)
        )

    @property
    def client(self) -> Client:
        """A client of this environment."""
        return self._client

    @property
    def supports_time_skipping(self) -> bool:
        """Whether :meth:`sleep` skips time."""
        return self._runtime.skipping

    @property
    def runtime(self) -> LocalRuntime:
        """The engine behind the environment (backend, dispatcher), for tests of the engine."""
        return self._runtime

    async def sleep(self, duration: timedelta | float) -> None:
        """Let time pass: skipped at once under time skipping, real otherwise."""
        await self._runtime.sleep(duration.total_seconds() if isinstance(duration, timedelta) else duration)

    async def get_current_time(self) -> datetime:
        """The environment's current time."""
        return datetime.fromtimestamp(self._runtime.backend.clock.now(), tz=UTC)

    async def shutdown(self) -> None:
        """Stop the engine."""
        await asyncio.get_running_loop().run_in_executor(None, self._runtime.shutdown)

    async def __aenter__(self) -> WorkflowEnvironment:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.shutdown()


class ActivityEnvironment:
    """Runs one activity function alone, with heartbeat and cancellation hooks."""

    def __init__(self) -> None:
        self.info = ActivityEnvironment.default_info()
        self.on_heartbeat: Callable[..., None] = lambda *args: None
        self.metric_meter: MetricMeter = MetricMeter.noop
        """The meter ``activity.metric_meter()`` builds on (temporalio's default: no-op)."""
        self._cancelled = False
        self._contexts: set[ActivityContext] = set()

    @staticmethod
    def default_info() -> Info:
        """The info an activity sees when run here (temporalio's defaults)."""
        zero = datetime.fromtimestamp(0, tz=UTC)
        return Info(
            activity_id="test",
            activity_type="unknown",
            attempt=1,
            current_attempt_scheduled_time=zero,
            heartbeat_details=[],
            heartbeat_timeout=None,
            is_local=False,
            namespace="default",
            schedule_to_close_timeout=timedelta(seconds=1),
            scheduled_time=zero,
            start_to_close_timeout=timedelta(seconds=1),
            started_time=zero,
            task_queue="test",
            task_token=b"test",
            workflow_id="test",
            workflow_namespace="default",
            workflow_run_id="test-run",
            workflow_type="test",
        )

    def cancel(self) -> None:
        """Deliver cancellation to the running activity (only the first call matters)."""
        if self._cancelled:
            return
        self._cancelled = True
        for ctx in list(self._contexts):
            ctx.request_cancel()

    def run(self, fn: Callable[_Params, _Return], *args: _Params.args, **kwargs: _Params.kwargs) -> _Return:
        """Call ``fn`` as an activity; an async one returns an awaitable of its result."""
        ctx = ActivityContext(self.info, heartbeat=lambda details: self.on_heartbeat(*details))
        ctx.runtime_metric_meter = self.metric_meter
        if inspect.iscoroutinefunction(fn):

            async def run_async() -> Any:
                self._contexts.add(ctx)
                token = activity_context.set_current(ctx)
                try:
                    task = asyncio.create_task(fn(*args, **kwargs))
                    ctx.on_cancel(task.cancel)
                    if self._cancelled:
                        ctx.request_cancel()
                    return await task
                finally:
                    activity_context.reset_current(token)
                    self._contexts.discard(ctx)

            # fn is a coroutine function, so _Return is a coroutine of its result, as run_async()
            # is: mypy cannot tie the narrowed fn back to _Return.
            return cast(_Return, run_async())
        self._contexts.add(ctx)
        token = activity_context.set_current(ctx)
        try:
            if self._cancelled:
                ctx.request_cancel()
            return fn(*args, **kwargs)
        finally:
            activity_context.reset_current(token)
            self._contexts.discard(ctx)
