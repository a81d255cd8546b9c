"""Testing helpers: the embedded engine and a harness for one activity (temporalio's ``testing``).

``WorkflowEnvironment.start_time_skipping()`` runs workflows with virtual time (a 30-day
timer takes milliseconds); ``start_local()`` runs them in real time on the embedded AWS
emulation (moto). Both run the same handlers a deployment runs.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar, cast

from durable._activity import context as activity_context
from durable._activity.context import ActivityCancellationDetails, ActivityContext, Info
from durable._client.client import Client
from durable._client.interceptor import Interceptor
from durable._conversion.data_converter import DataConverter
from durable._conversion.payload_converter import PayloadConverter
from durable._local.environment import LocalRuntime
from durable._local.transport import LocalTransport
from durable._metrics.meter import MetricMeter
from durable._metrics.runtime import Runtime
from durable._options import refuse

__all__ = ["ActivityEnvironment", "WorkflowEnvironment"]

_Params = ParamSpec("_Params")
_Return = TypeVar("_Return")

BACKEND_ENV = "DURABLE_TEST_BACKEND"
"""Set to ``moto``, ``memory`` or ``sqlite`` (a scratch file per environment) to choose every
environment's backend (e.g. in CI)."""


class WorkflowEnvironment:
    """An embedded engine with a client; use as ``async with await WorkflowEnvironment.start_...()``."""

    def __init__(
        self,
        runtime: LocalRuntime,
        *,
        namespace: str = "default",
        data_converter: DataConverter = DataConverter.default,
        interceptors: Sequence[Interceptor] = (),
    ) -> None:
        self._runtime = runtime
        self._client = Client(
            LocalTransport(runtime), namespace=namespace, data_converter=data_converter, interceptors=interceptors
        )

    @staticmethod
    async def start_local(
        *,
        data_converter: DataConverter = DataConverter.default,
        interceptors: Sequence[Interceptor] = (),
        backend: str | None = None,
        runtime: Runtime | None = None,
        namespace: str = "default",
        plugins: Sequence[Any] = (),
        default_workflow_query_reject_condition: Any = None,
        retry_config: Any = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        identity: str | None = None,
        tls: bool | Any = False,
        ip: str = "127.0.0.1",
        port: int | None = None,
        download_dest_dir: str | None = None,
        ui: bool = False,
        ui_port: int | None = None,
        search_attributes: Sequence[Any] = (),
        dev_server_existing_path: str | None = None,
        dev_server_database_filename: str | None = None,
        dev_server_log_format: str = "pretty",
        dev_server_log_level: str | None = "warn",
        dev_server_download_version: str = "default",
        dev_server_extra_args: Sequence[str] = [],
        dev_server_download_ttl: timedelta | None = None,
        dev_server_startup_timeout: timedelta | None = None,
    ) -> WorkflowEnvironment:
        """Real time, on moto (the embedded AWS emulation).

        Args:
            data_converter: the client's, and so every Worker's given that client.
            interceptors: the client's (``durable.client.Interceptor``); those that are
                worker interceptors too apply to the workers made with it, as in temporalio.
            backend: ``moto`` (default) or ``memory``.
            runtime: where metrics go (:class:`durable.runtime.Runtime`; the default runtime if None).
            namespace: the client's namespace.
            dev_server_database_filename: keep the engine's state in this SQLite file (as
                ``durable dev --db-filename``): an environment started again on it carries on
                with its runs, timers, schedules and queued messages. Without it, the state
                is lost at shutdown.
            retry_config, rpc_metadata, identity, tls, ip, port, download_dest_dir, ui,
                ui_port, the other dev_server_*: no effect here: no server process is downloaded or
                started, the engine runs in this process (``make dev`` serves the web UI).
            search_attributes: no effect here: search attribute keys need no registration.
            plugins, default_workflow_query_reject_condition: refused unless left at their
                defaults (NotImplementedError): see README, "Differences from temporalio".
        """
        del retry_config, rpc_metadata, identity, tls, ip, port, download_dest_dir, ui, ui_port, search_attributes
        del dev_server_existing_path, dev_server_log_format, dev_server_log_level
        del dev_server_download_version, dev_server_extra_args, dev_server_download_ttl, dev_server_startup_timeout
        refuse("plugins", list(plugins), [])
        refuse("default_workflow_query_reject_condition", default_workflow_query_reject_condition)
        local = LocalRuntime(
            backend="sqlite" if dev_server_database_filename else backend or os.environ.get(BACKEND_ENV, "moto"),
            skipping=False,
            data_converter=data_converter,
            runtime=runtime,
            db_filename=dev_server_database_filename,
        )
        return WorkflowEnvironment(local, namespace=namespace, data_converter=data_converter, interceptors=interceptors)

    @staticmethod
    async def start_time_skipping(
        *,
        data_converter: DataConverter = DataConverter.default,
        interceptors: Sequence[Interceptor] = (),
        backend: str | None = None,
        runtime: Runtime | None = None,
        plugins: Sequence[Any] = (),
        default_workflow_query_reject_condition: Any = None,
        retry_config: Any = None,
        rpc_metadata: Mapping[str, str | bytes] = {},
        identity: str | None = None,
        port: int | None = None,
        download_dest_dir: str | None = None,
        test_server_existing_path: str | None = None,
        test_server_download_version: str = "default",
        test_server_extra_args: Sequence[str] = [],
        test_server_download_ttl: timedelta | None = None,
        test_server_startup_timeout: timedelta | None = None,
    ) -> WorkflowEnvironment:
        """Virtual time that jumps to the next timer while a client awaits a result.

        Args:
            data_converter: the client's, and so every Worker's given that client.
            backend: ``memory`` (default: fast, same contract as moto) or ``moto``.
            interceptors: the client's (``durable.client.Interceptor``); those that are
                worker interceptors too apply to the workers made with it, as in temporalio.
            runtime: where metrics go (:class:`durable.runtime.Runtime`; the default runtime if None).
            retry_config, rpc_metadata, identity, port, download_dest_dir, test_server_*: no
                effect here: no test server is downloaded or started, the engine runs in
                this process.
            plugins, default_workflow_query_reject_condition: refused unless left at their
                defaults (NotImplementedError): see README, "Differences from temporalio".
        """
        del retry_config, rpc_metadata, identity, port, download_dest_dir, test_server_existing_path
        del test_server_download_version, test_server_extra_args, test_server_download_ttl, test_server_startup_timeout
        refuse("plugins", list(plugins), [])
        refuse("default_workflow_query_reject_condition", default_workflow_query_reject_condition)
        local = LocalRuntime(
            backend=backend or os.environ.get(BACKEND_ENV, "memory"),
            skipping=True,
            data_converter=data_converter,
            runtime=runtime,
        )
        return WorkflowEnvironment(local, data_converter=data_converter, interceptors=interceptors)

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


_CANCEL_REQUESTED = ActivityCancellationDetails(cancel_requested=True)
"""What ``ActivityEnvironment.cancel()`` delivers by default, as temporalio's (frozen: shared safely)."""


class ActivityEnvironment:
    """Runs one activity function alone, with heartbeat and cancellation hooks."""

    def __init__(self) -> None:
        self.info = ActivityEnvironment.default_info()
        self.on_heartbeat: Callable[..., None] = lambda *args: None
        self.payload_converter: PayloadConverter = DataConverter.default.payload_converter
        """What ``activity.payload_converter()`` returns in the activity (set it to test another)."""
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

    def cancel(self, cancellation_details: ActivityCancellationDetails = _CANCEL_REQUESTED) -> None:
        """Deliver cancellation to the running activity (only the first call matters);
        ``activity.cancellation_details()`` then gives ``cancellation_details`` (e.g. ``paused``)."""
        if self._cancelled:
            return
        self._cancelled = True
        for ctx in list(self._contexts):
            ctx.cancellation_details = cancellation_details
            ctx.request_cancel()

    def run(self, fn: Callable[_Params, _Return], *args: _Params.args, **kwargs: _Params.kwargs) -> _Return:
        """Call ``fn`` as an activity; an async one returns an awaitable of its result."""
        ctx = ActivityContext(
            self.info,
            heartbeat=lambda details: self.on_heartbeat(*details),
            payload_converter=self.payload_converter,
        )
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
