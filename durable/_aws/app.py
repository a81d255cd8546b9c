"""A deployment's runtime, wired from the environment variables its stack sets.

Each Lambda function builds one :class:`LambdaApp` at import (no AWS call happens until
the first event) and hands it its events: the orchestrator the inbox's, an activity
function its task queue's, the timer relay the timer queue's, the API function API
Gateway's requests.

Environment: the deployment's settings (``DURABLE_*``, see :mod:`durable._settings`), and
``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE`` (optional; "durable").

Observability: powertools Logger writes every engine log line as JSON with the
workflow id, run id and activity id it concerns; the engine's metrics (Temporal's names,
latencies as distributions) and what workflow and activity code records with
``metric_meter()`` are published as CloudWatch EMF lines after each invocation
(:mod:`durable._aws.emf`); each invocation, each decision and each activity task is an
OpenTelemetry span (:mod:`durable._aws.tracing`), exported by the ADOT Lambda layer the stack adds.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from durable._aws.archive import S3ObjectStore
from durable._aws.emf import EmfMetrics
from durable._aws.executions import DynamoExecutionStore
from durable._aws.history import DynamoHistoryStore
from durable._aws.invoker import LambdaInvoker
from durable._aws.payloads import S3PayloadStore
from durable._aws.rate_limits import DynamoRateLimitStore
from durable._aws.schedule_dead_letters import SqsScheduleDeadLetters
from durable._aws.schedules import DynamoScheduleStore, EventBridgeScheduleFiring
from durable._aws.sqs import SqsQueue
from durable._aws.timer_schedules import EventBridgeTimerSchedules, queue_arn_beside
from durable._aws.timers import SqsTimerService
from durable._aws.tracing import InvocationTracer
from durable._aws.versions import LambdaVersions
from durable._batch.install import install_batcher
from durable._build_ids import workflow_code_build_id
from durable._codec.boundary import PayloadBoundary
from durable._codec.engine import engine_services
from durable._conversion.data_converter import DataConverter
from durable._http.app import HttpApi
from durable._http.engine import Engine
from durable._local.clock import RealClock
from durable._metrics.engine import EngineMetrics
from durable._metrics.recording import RecordingMeter
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.archive import RunArchive
from durable._runtime.build_retirement import retire_builds
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.control import Control
from durable._runtime.dead_letters import DeadLetterSource
from durable._runtime.lambda_handlers import activity_handler, orchestrator_handler, timer_relay_handler
from durable._runtime.observability import ContextFilter
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.pinning import Pinning
from durable._runtime.ports import TimerService
from durable._runtime.reconciler import Reconciler
from durable._runtime.registry import Registry
from durable._runtime.retention import Archival
from durable._runtime.schedule_dead_letters import ScheduleDeadLetterSource, redrive_schedule_dead_letters
from durable._runtime.services import INBOX, Services, UnknownTaskQueue, activity_queue_name, unsealed_timers
from durable._runtime.timer_schedules import RoutedTimers
from durable._settings import BUILD_ID, DeploymentSettings
from durable._workers.config import TaskQueueConfig

__all__ = ["LambdaApp"]


class LambdaApp:
    """The runtime of one deployed function."""

    def __init__(
        self,
        *,
        workflows: Mapping[str, Sequence[type]] | None = None,
        activities: Mapping[str, Sequence[Any]] | None = None,
        environ: Mapping[str, str] | None = None,
        workflow_runner: Any = None,
        data_converter: DataConverter | None = None,
        interceptors: Sequence[Any] = (),
        task_queues: Mapping[str, TaskQueueConfig] | None = None,
    ) -> None:
        """Register code per task queue; read the wiring from ``environ`` (os.environ).

        ``workflow_runner`` runs the workflows' code, as a Worker's: the determinism sandbox
        with temporalio's default restrictions when None (``SandboxedWorkflowRunner``).
        ``data_converter`` converts every value the runs and attempts take and give, as a
        Worker's client's does (``DataConverter.default`` when None): every function of a
        deployment must be given the same one (``DATA_CONVERTER`` in ``statemachines/registry.py``).
        ``interceptors`` (``durable.worker.Interceptor``, outermost first) wrap the workflows'
        runs, queries included, and the activities' attempts, as a Worker's do.
        ``task_queues`` (``TASK_QUEUES`` in ``statemachines/registry.py``) scale each task queue's
        activity worker; a task queue of ``activities`` without one runs as the stack deploys it
        (``TaskQueueConfig()``: its function's default timeout caps its attempts).
        """
        self._env = dict(environ if environ is not None else os.environ)
        service = self._env.get("POWERTOOLS_SERVICE_NAME", "durable")
        self.logger = Logger(service=service)
        engine_logger = logging.getLogger("durable")  # registered first: the copy below needs it
        copy_config_to_registered_loggers(source_logger=self.logger, include={"durable"})
        for handler in engine_logger.handlers:
            handler.addFilter(ContextFilter())
        self.metrics = EmfMetrics(namespace=self._env.get("POWERTOOLS_METRICS_NAMESPACE", "durable"), service=service)
        self.tracer = InvocationTracer(service)
        self.registry = Registry()
        self._payload_boundary = PayloadBoundary.of(data_converter)
        # The stack's build id; without one (a test's environ), the registered code's hash.
        build_id = self._env.get(BUILD_ID) or workflow_code_build_id(
            cls for classes in (workflows or {}).values() for cls in classes
        )
        for task_queue, classes in (workflows or {}).items():
            self.registry.register(
                task_queue,
                workflows=classes,
                workflow_runner=workflow_runner,
                data_converter=data_converter,
                interceptors=interceptors,
                build_id=build_id,
            )
        for task_queue, fns in (activities or {}).items():
            self.registry.register(task_queue, activities=fns, data_converter=data_converter, interceptors=interceptors)
        for task_queue in {*(activities or {}), *(task_queues or {})}:
            self.registry.configure(task_queue, (task_queues or {}).get(task_queue) or TaskQueueConfig())
        # Every function knows the batch job (durable._batch): the API starts it, the orchestrator
        # runs it, the batcher's activity function applies its pages through this deployment's control.
        install_batcher(self.registry, lambda: self.control, build_id=build_id)

    @cached_property
    def settings(self) -> DeploymentSettings:
        """Where this deployment's tables and queues are (raises MissingSetting on first use)."""
        return DeploymentSettings.from_environ(self._env)

    @cached_property
    def services(self) -> Services:
        """The ports over this deployment's tables and queues (boto3 clients made lazily)."""
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        settings = self.settings
        clock = RealClock()
        dlqs = settings.dead_letter_queue_urls
        queues: dict[str, SqsQueue] = {INBOX: SqsQueue(INBOX, settings.inbox_queue_url, dlq_url=dlqs.get(INBOX))}
        for task_queue, url in settings.activity_queue_urls.items():
            name = activity_queue_name(task_queue)
            queues[name] = SqsQueue(name, url, dlq_url=dlqs.get(name))
        timer_queue = SqsQueue("timers", settings.timer_queue_url, dlq_url=dlqs.get("timers"))
        with_dlq = {q.name.removesuffix(".fifo"): q for q in (*queues.values(), timer_queue) if q.dlq_url}

        def queue_for(name: str) -> SqsQueue:
            try:
                return queues[name]
            except KeyError:
                deployed = sorted(n for n in queues if n != INBOX)
                raise UnknownTaskQueue(f"{name} is not deployed (deployed: {', '.join(deployed)})") from None

        # Large payloads by reference; without a bucket a write too large for one item fails clearly.
        bucket = settings.payload_bucket
        claims = ClaimCheck(S3PayloadStore(bucket) if bucket else None)
        history = DynamoHistoryStore(settings.history_table, claims=claims)
        executions = DynamoExecutionStore(
            settings.executions_table, claims=claims, retention_seconds=settings.retention_seconds
        )
        schedule_dead_letters = self._schedule_dead_letters(queues)
        sources: dict[str, DeadLetterSource] = {**with_dlq}
        if schedule_dead_letters is not None:
            sources["schedules"] = ScheduleDeadLetterSource(
                schedule_dead_letters, lambda: redrive_schedule_dead_letters(services)
            )
        services = Services(
            history=history,
            executions=executions,
            inbox=queues[INBOX],
            timers=self._timers(SqsTimerService(timer_queue, queues, clock), queues),
            clock=clock,
            queue_for=queue_for,
            idempotency=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
            metrics=EngineMetrics(RecordingMeter(self.metrics)),
            schedules=DynamoScheduleStore(settings.executions_table, claims=claims),
            schedule_firing=self._schedule_firing(),
            claims=claims,
            dead_letter_sources=lambda: dict(sources),
            archival=self._archival(history, executions),
            invoker=LambdaInvoker(settings.orchestrator_function) if settings.orchestrator_function else None,
            failed_deliveries=(
                SqsQueue("failed-deliveries", settings.failed_deliveries_queue_url)
                if settings.failed_deliveries_queue_url
                else None
            ),
            rate_limits=DynamoRateLimitStore(settings.executions_table),
            schedule_dead_letters=schedule_dead_letters,
        )
        return services

    def _schedule_dead_letters(self, queues: Mapping[str, SqsQueue]) -> SqsScheduleDeadLetters | None:
        """The schedule DLQ, where the stack made one: its dead letters name their target by ARN."""
        s = self.settings
        if not (s.schedule_dlq_url and s.inbox_queue_arn):
            return None
        inbox_arn = s.inbox_queue_arn
        names = {queue_arn_beside(inbox_arn, q.url): name for name, q in queues.items() if name != INBOX}
        names[inbox_arn] = INBOX
        return SqsScheduleDeadLetters(s.schedule_dlq_url, queue_of=names.get)

    def _schedule_dlq_arn(self) -> str | None:
        s = self.settings
        if not (s.schedule_dlq_url and s.inbox_queue_arn):
            return None
        return queue_arn_beside(s.inbox_queue_arn, s.schedule_dlq_url)

    def _timers(self, relay: SqsTimerService, queues: Mapping[str, SqsQueue]) -> TimerService:
        """Timers beyond SQS's 15 minutes as one-time Scheduler schedules where the stack wired
        Scheduler (else in 15-minute hops of the timer queue, as before)."""
        s = self.settings
        if not (s.schedule_group and s.inbox_queue_arn and s.scheduler_role_arn):
            return relay
        inbox_arn = s.inbox_queue_arn

        def target_arn(queue: str) -> str:
            return inbox_arn if queue == INBOX else queue_arn_beside(inbox_arn, queues[queue].url)

        schedules = EventBridgeTimerSchedules(
            group_name=s.schedule_group,
            role_arn=s.scheduler_role_arn,
            target_arn=target_arn,
            clock=relay.clock,
            dead_letter_arn=self._schedule_dlq_arn(),
        )
        return RoutedTimers(relay, schedules, relay.clock)

    def _archival(self, history: DynamoHistoryStore, executions: DynamoExecutionStore) -> Archival | None:
        """Closed runs archived to the stack's archive bucket (none without one: histories kept)."""
        s = self.settings
        if not s.archive_bucket:
            return None
        archive = RunArchive(S3ObjectStore(s.archive_bucket, storage_class="INTELLIGENT_TIERING"), s.namespace)
        return Archival(archive, history, executions, s.retention_seconds)

    def _schedule_firing(self) -> EventBridgeScheduleFiring | None:
        """EventBridge Scheduler, where the stack wired it (schedule operations fail clearly otherwise)."""
        s = self.settings
        if not (s.schedule_group and s.inbox_queue_arn and s.scheduler_role_arn):
            return None
        return EventBridgeScheduleFiring(
            group_name=s.schedule_group,
            inbox_arn=s.inbox_queue_arn,
            role_arn=s.scheduler_role_arn,
            dead_letter_arn=self._schedule_dlq_arn(),
        )

    @cached_property
    def engine_services(self) -> Services:
        """The services of the code that runs the user's (orchestrator, activity worker): with
        the data converter's payload codec, they encode what they store and send and decode what
        they read; the API's control passes the client's encoded payloads through."""
        return engine_services(self.services, self._payload_boundary)

    @cached_property
    def orchestrator(self) -> Orchestrator:
        """The orchestrator, with its warm cache living as long as the container."""
        return Orchestrator(self.engine_services, self.registry)

    @cached_property
    def activity_worker(self) -> ActivityWorker:
        """The activity worker of this function's task queues."""
        return ActivityWorker(self.engine_services, self.registry)

    @cached_property
    def control(self) -> Control:
        """Starts, signals, queries and reads of executions (what the HTTP API drives)."""
        return Control(self.services, self.orchestrator)

    @cached_property
    def http_api(self) -> HttpApi:
        """The HTTP API over this deployment; it refuses workflow types not registered here."""
        return HttpApi(lambda: Engine(self.control, self.registry))

    def handle_api(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """API function: an API Gateway REST proxy event (an eager start decides here: its metrics)."""
        with self._publishing_metrics():
            return self.http_api.handle(event, context)

    @cached_property
    def pinning(self) -> Pinning | None:
        """Runs that started on another build are decided by its version (none without a build id
        and an orchestrator function to invoke: every run is decided here)."""
        s = self.settings
        if not (s.build_id and s.orchestrator_function):
            return None
        return Pinning(self.orchestrator, s.build_id, LambdaVersions(s.orchestrator_function))

    def handle_inbox(self, event: dict[str, Any], context: Any = None) -> PartialItemFailureResponse:
        """Orchestrator function: an inbox batch (a run's messages go to the version it started on)."""
        with self._publishing_metrics():
            return orchestrator_handler(self.orchestrator, event, context, pinning=self.pinning)

    def handle_activities(self, event: dict[str, Any], context: Any = None) -> PartialItemFailureResponse:
        """Activity function: a batch of its task queue's activity tasks."""
        with self._publishing_metrics():
            return activity_handler(self.activity_worker, event, context)

    @contextlib.contextmanager
    def _publishing_metrics(self) -> Iterator[None]:
        try:
            yield
        finally:
            self.metrics.flush()

    def reconcile(self, event: dict[str, Any] | None = None, context: Any = None) -> dict[str, Any]:
        """Reconciler function (an EventBridge schedule): one pass over running executions."""
        del event, context
        with self._publishing_metrics():  # ReconcilerItemFailures reaches CloudWatch
            result = Reconciler(self.services).reconcile().as_dict()
            result["builds_retired"] = self._retire_builds()
            return result

    def _retire_builds(self) -> list[str]:
        """The orchestrator versions of older builds that no running run needs, deleted."""
        s = self.settings
        if not (s.build_id and s.orchestrator_function):
            return []
        try:
            return retire_builds(self.services, LambdaVersions(s.orchestrator_function), s.build_id)
        except Exception:  # the next pass tries again; a version kept longer costs nothing but storage
            logging.getLogger("durable.reconciler").exception("retiring older builds failed")
            self.services.metrics.count("ReconcilerItemFailures")
            return []

    def handle_timers(self, event: dict[str, Any], context: Any = None) -> PartialItemFailureResponse:
        """Timer relay function: a batch of the timer queue."""
        timers = unsealed_timers(self.services.timers)
        relay = timers.short if isinstance(timers, RoutedTimers) else timers
        assert isinstance(relay, SqsTimerService)
        with self._publishing_metrics():
            return timer_relay_handler(relay, event, context)
