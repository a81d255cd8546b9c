"""The embedded engine: one backend, the runtime over it, and the dispatcher driving it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Sequence
from typing import Any

from durable._batch.install import install_batcher
from durable._batch.job import BATCH_TASK_QUEUE
from durable._codec.boundary import PayloadBoundary
from durable._codec.engine import EngineServices, engine_services
from durable._conversion.data_converter import DataConverter
from durable._local.backends import Backend, make_backend
from durable._local.concurrency import task_queue_of
from durable._local.dispatcher import Dispatcher
from durable._metrics.engine import EngineMetrics
from durable._metrics.runtime import Runtime
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.control import Control
from durable._runtime.inbox import send_to_inbox
from durable._runtime.lambda_handlers import activity_handler, orchestrator_handler
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.registry import Registry
from durable._workers.config import ActivityLimits

__all__ = ["LocalRuntime"]


class LocalRuntime:
    """What ``WorkflowEnvironment`` runs: the deployed handlers, in-process, on a local backend."""

    def __init__(
        self,
        *,
        backend: str,
        skipping: bool,
        heartbeat_throttle: float = 1.0,
        data_converter: DataConverter | None = None,
        runtime: Runtime | None = None,
        archival: bool = False,
        retention_days: float = 30.0,
        db_filename: str | None = None,
    ) -> None:
        """``archival``: archive closed runs and let their items expire ``retention_days``
        after their close, as a deployment does (off by default: it costs each close a few
        writes); :meth:`sweep_expired` plays DynamoDB's TTL. ``db_filename``: the SQLite file
        of the "sqlite" backend (what it holds is carried on)."""
        self.backend: Backend = make_backend(
            backend,
            skipping=skipping,
            archival=archival,
            retention_seconds=retention_days * 24 * 3600,
            path=db_filename,
        )
        self.backend_kind = backend
        self.skipping = skipping
        self.registry = Registry()
        services = self.backend.services
        # The engine's metrics, and what workflow and activity code records, go to the runtime's meter.
        self.metrics_runtime = runtime or Runtime.default()
        services.metrics = EngineMetrics(self.metrics_runtime.metric_meter, prefix=self.metrics_runtime.metric_prefix)
        # The orchestrator and the activity worker run user code: they decode and encode with
        # the codec; the control passes the client's encoded payloads through.
        self._codec_of: DataConverter | None = data_converter if PayloadBoundary.of(data_converter) else None
        engine = engine_services(services, PayloadBoundary.of(data_converter), switchable=True)
        assert isinstance(engine, EngineServices)
        self._engine = engine
        self.orchestrator = Orchestrator(engine, self.registry)
        self.activity_worker = ActivityWorker(
            engine, self.registry, heartbeat_throttle=heartbeat_throttle, executor=None
        )
        self.control = Control(services, self.orchestrator)
        # Batch jobs run here as in a deployment: a built-in workflow over this engine's control.
        install_batcher(self.registry, lambda: self.control)
        services.activity_queue(BATCH_TASK_QUEUE)
        self.dispatcher = Dispatcher(
            self.backend,
            lambda event: orchestrator_handler(self.orchestrator, event),
            lambda event: activity_handler(self.activity_worker, event),
            skipping=skipping,
            queue_concurrency=self._queue_concurrency,
        )
        self.dispatcher.start()

    def _queue_concurrency(self, queue_name: str) -> int | None:
        """An activity queue's most attempts at once: its task queue's ``max_concurrent_activities``."""
        task_queue = task_queue_of(queue_name)
        return None if task_queue is None else self.registry.activity_limits(task_queue).max_concurrent

    def register(
        self,
        task_queue: str,
        workflows: list[type],
        activities: list[Any],
        executor: concurrent.futures.Executor | None,
        *,
        workflow_runner: Any = None,
        data_converter: DataConverter | None = None,
        interceptors: Sequence[Any] = (),
        build_id: str | None = None,
        limits: ActivityLimits | None = None,
    ) -> None:
        """A worker joins: its task queue's queue exists and its code is known (with the
        data converter of its client, which its runs and attempts convert values with, and
        the build id its workflow tasks are recorded with).

        Workflow tasks that failed for want of a worker are retried at once, as a
        Temporal worker that starts polling picks up the tasks waiting for it.
        """
        self.registry.register(
            task_queue,
            workflows,
            activities,
            executor=executor,
            workflow_runner=workflow_runner,
            data_converter=data_converter,
            interceptors=interceptors,
            build_id=build_id,
        )
        if limits is not None:
            self.registry.limit_activities(task_queue, limits)  # its max_concurrent_activities, its rate
        self._adopt_codec(data_converter)
        self.backend.services.activity_queue(task_queue)  # created on first use
        for workflow_id, run_id in list(self.backend.notifier.failing_tasks):
            send_to_inbox(self.backend.services, workflow_id, run_id, "wake", f"wake:{uuid.uuid4()}")
        self.backend.notifier.poke()

    def _adopt_codec(self, data_converter: DataConverter | None) -> None:
        """Run the payload codec of a worker's client in the engine, as a Temporal worker runs
        its client's: one codec per environment, as one per deployment.

        Raises:
            ValueError: another worker's client has a different codec.
        """
        boundary = PayloadBoundary.of(data_converter)
        if boundary is None or data_converter is None:
            return
        if self._codec_of is None:
            self._codec_of = data_converter
            self._engine.boundary = boundary
            return
        adopted = self._codec_of
        if data_converter.payload_codec is not adopted.payload_codec or type(
            data_converter.failure_converter
        ) is not type(adopted.failure_converter):
            raise ValueError(
                "this environment's workflows and activities run with one payload codec: give every worker a "
                "client whose data converter has the same payload codec and failure converter as the first one"
            )

    def unregister(self, task_queue: str, workflows: list[type], activities: list[Any]) -> None:
        """A worker leaves."""
        self.registry.unregister(task_queue, workflows, activities)
        if activities:
            self.registry.limit_activities(task_queue, None)

    async def wait_closed(self, workflow_id: str, run_id: str) -> None:
        """Wait until the run closes; under time skipping, time may jump meanwhile."""
        notifier = self.backend.notifier
        if (workflow_id, run_id) in notifier.closed_runs:
            return
        if self.control.close_event(workflow_id, run_id) is not None:
            return
        loop = asyncio.get_running_loop()
        closed = loop.create_future()

        def settle() -> None:
            if not closed.done():
                closed.set_result(None)

        def wake() -> None:  # on the thread that closed the run
            try:
                loop.call_soon_threadsafe(settle)
            except RuntimeError:  # the waiter's loop closed meanwhile: nobody to wake
                pass

        self.dispatcher.auto_skip(True)
        forget = notifier.when_closed(workflow_id, run_id, wake)
        try:
            await closed
        finally:
            forget()
            self.dispatcher.auto_skip(False)

    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of environment time pass (skipped when time skipping)."""
        if not self.skipping:
            await asyncio.sleep(seconds)
            return
        target = self.backend.clock.now() + seconds
        await asyncio.get_running_loop().run_in_executor(None, self.dispatcher.skip_until, target)
        await asyncio.get_running_loop().run_in_executor(None, self.sweep_expired)

    def sweep_expired(self) -> int:
        """Delete the table items whose TTL passed on this runtime's clock, as DynamoDB's TTL
        does on AWS (moto never does); how many were deleted."""
        return self.backend.sweep(self.backend.clock.now())

    def shutdown(self) -> None:
        """Stop the dispatcher and the backend."""
        self.dispatcher.stop()
        self.backend.stop()
