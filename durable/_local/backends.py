"""The local backends behind the same ports: moto (the default), in-memory, and a SQLite file.

``moto``: a ThreadedMotoServer on 127.0.0.1 with the tables and queues a deployment has,
reached by the same boto3 adapters as on AWS. ``memory``: the in-memory twins that pass
the same contract tests, for fast time skipping. ``sqlite``: the same, kept in one file
(``durable dev --db-filename``), so a restarted process carries on. Queues of new task queues are created
on first use, as a Worker registering a task queue would find them deployed.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from durable._aws.archive import S3ObjectStore
from durable._aws.executions import DynamoExecutionStore
from durable._aws.history import DynamoHistoryStore
from durable._aws.invoker import LambdaInvoker
from durable._aws.payloads import S3PayloadStore
from durable._aws.provision import (
    create_bucket,
    create_dead_letter_queue,
    create_function,
    create_queue,
    create_tables,
    dlq_name,
)
from durable._aws.rate_limits import DynamoRateLimitStore
from durable._aws.schedule_dead_letters import SqsScheduleDeadLetters
from durable._aws.schedules import DynamoScheduleStore
from durable._aws.sqs import SqsQueue
from durable._aws.timer_schedules import EventBridgeTimerSchedules
from durable._local.archive import MemoryObjectStore
from durable._local.clock import RealClock, SkippingClock
from durable._local.idempotency import MemoryPersistenceLayer
from durable._local.invocations import FAILED_DELIVERIES, INVOCATIONS, LocalInvoker
from durable._local.memory import MemoryExecutionStore, MemoryHistoryStore, MemoryQueue
from durable._local.moto_fidelity import make_dynamodb_writes_atomic, make_sqs_dedup_scoped
from durable._local.moto_sqs import index_sqs_queues
from durable._local.payloads import MemoryPayloadStore
from durable._local.rate_limits import MemoryRateLimitStore
from durable._local.schedule_dead_letters import (
    DeadLetteringQueue,
    QueuedScheduleDeadLetters,
    local_queue_arn,
    local_queue_of,
)
from durable._local.schedules import LocalScheduleFiring, MemoryScheduleStore
from durable._local.sqlite.archive import SqliteObjectStore
from durable._local.sqlite.database import Database
from durable._local.sqlite.executions import SqliteExecutionStore
from durable._local.sqlite.history import SqliteHistoryStore
from durable._local.sqlite.idempotency import SqlitePersistenceLayer
from durable._local.sqlite.payloads import SqlitePayloadStore
from durable._local.sqlite.queue import SqliteQueue, known_queues, queues_with_work
from durable._local.sqlite.rate_limits import SqliteRateLimitStore
from durable._local.sqlite.schedules import SqliteScheduleStore
from durable._local.sqlite.timer_schedules import SqliteTimerSchedules
from durable._local.sqlite.timers import SqliteTimerService
from durable._local.timer_schedules import (
    FiredTimerSchedules,
    LocallyFiredTimers,
    MemoryTimerSchedules,
    MotoTimerSchedules,
)
from durable._local.timers import DispatchedTimers, LocalTimerService, TimersFactory
from durable._local.ttl import sweep_table
from durable._runtime.archive import ObjectStore, RunArchive
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.dead_letters import DeadLetterSource
from durable._runtime.ports import Clock, OrchestratorInvoker, Queue
from durable._runtime.retention import Archival
from durable._runtime.schedule_dead_letter_port import SCHEDULE_DLQ, ScheduleDeadLetters
from durable._runtime.schedule_dead_letters import ScheduleDeadLetterSource, redrive_schedule_dead_letters
from durable._runtime.services import INBOX, Services
from durable._statuses import WorkflowExecutionStatus

__all__ = ["Backend", "LOCAL_NAMESPACE", "Notifier", "make_backend"]


RECENT_RUNS = 10_000
"""How many closed runs (and runs past their first task) the notifier remembers: enough for
any caller that asks right after, bounded so that a dev server running for weeks does not
grow with every run it ever ran (an older run is looked up in the store instead)."""


class RecentRuns:
    """A set of run keys that keeps only the ``limit`` most recently added."""

    def __init__(self, limit: int = RECENT_RUNS) -> None:
        self._keys: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._limit = limit

    def add(self, key: tuple[str, str]) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self._limit:
            self._keys.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)


class Notifier:
    """Wakes the dispatcher when there is new work, and tracks which queues have some."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.dirty: set[str] = set()
        self.closed_runs = RecentRuns()
        self.failing_tasks: set[tuple[str, str]] = set()  # emptied as their tasks pass or the runs close
        self.first_task_done = RecentRuns()
        # Who waits for which run to close: woken once each, so that a hundred waiting
        # callers cost nothing while they wait (no polling, no wake-up on every queue change).
        self._close_waiters: dict[tuple[str, str], list[Callable[[], None]]] = {}

    def when_closed(self, workflow_id: str, run_id: str, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake`` once the run closes (from the closing thread; now if it has closed);
        returns what forgets the wish (a waiter that stopped waiting)."""
        key = (workflow_id, run_id)
        with self.cond:
            closed = key in self.closed_runs
            if not closed:
                self._close_waiters.setdefault(key, []).append(wake)
        if closed:
            wake()

        def forget() -> None:
            with self.cond:
                waiting = self._close_waiters.get(key, [])
                if wake in waiting:
                    waiting.remove(wake)
                if not waiting:
                    self._close_waiters.pop(key, None)

        return forget

    def mark(self, queue: str) -> None:
        """A message was sent to (or released on) ``queue``."""
        with self.cond:
            self.dirty.add(queue)
            self.cond.notify_all()

    def poke(self) -> None:
        """Something else changed (a timer was scheduled, a handler finished)."""
        with self.cond:
            self.cond.notify_all()

    def run_closed(self, workflow_id: str, run_id: str) -> None:
        """A run reached a terminal state."""
        with self.cond:
            self.closed_runs.add((workflow_id, run_id))
            self.first_task_done.add((workflow_id, run_id))
            self.cond.notify_all()
            waiters = self._close_waiters.pop((workflow_id, run_id), [])
        for wake in waiters:
            wake()


class _NotifyingQueue:
    """A queue that tells the notifier when it has work (SQS long polling, in effect)."""

    def __init__(self, inner: Queue, notifier: Notifier) -> None:
        self.inner = inner
        self.name = inner.name
        self.fifo = inner.fifo
        self._notifier = notifier

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        self.inner.send(body, group_id=group_id, dedup_id=dedup_id)
        self._notifier.mark(self.name)

    def receive(self, max_messages: int = 10) -> Any:
        return self.inner.receive(max_messages)

    def delete(self, receipts: list[str]) -> None:
        self.inner.delete(receipts)

    def release(self, receipt: str) -> None:
        self.inner.release(receipt)
        self._notifier.mark(self.name)

    def dead_letters(self) -> list[str]:
        return self.inner.dead_letters()

    def dead_letter_messages(self, limit: int = 1000) -> list[Any]:
        return self.inner.dead_letter_messages(limit)

    def dead_letter_count(self) -> int:
        return self.inner.dead_letter_count()

    def redrive(self) -> int:
        moved = self.inner.redrive()
        if moved:
            self._notifier.mark(self.name)
        return moved


class _NotifyingExecutions:
    """Executions store that reports closed runs (so awaiting a result costs no polling)."""

    def __init__(self, inner: Any, notifier: Notifier) -> None:
        self._inner = inner
        self._notifier = notifier

    def close(
        self, workflow_id: str, run_id: str, status: WorkflowExecutionStatus, close_time: float, history_length: int
    ) -> None:
        self._inner.close(workflow_id, run_id, status, close_time, history_length)
        self._notifier.failing_tasks.discard((workflow_id, run_id))
        self._notifier.run_closed(workflow_id, run_id)

    def set_task_failure(self, workflow_id: str, run_id: str, failure: dict[str, Any] | None) -> None:
        # As Temporal's test server does, time does not skip while a workflow task keeps
        # failing: its retries would otherwise race through virtual hours in a blink.
        self._inner.set_task_failure(workflow_id, run_id, failure)
        with self._notifier.cond:
            self._notifier.first_task_done.add((workflow_id, run_id))
            self._notifier.cond.notify_all()
            if failure is None:
                self._notifier.failing_tasks.discard((workflow_id, run_id))
            else:
                self._notifier.failing_tasks.add((workflow_id, run_id))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@dataclass
class Backend:
    """Services plus what the local environment needs to drive them."""

    services: Services
    clock: SkippingClock | RealClock
    timers: DispatchedTimers
    notifier: Notifier
    queues: dict[str, Queue] = field(default_factory=dict)
    invocations: Queue | None = None
    """Accepted asynchronous invocations of the orchestrator, waiting for the dispatcher."""
    boto_clients: list[Any] = field(default_factory=list)
    stop: Callable[[], None] = lambda: None
    sweep: Callable[[float], int] = lambda now: 0
    """Delete the items whose TTL (``expires_at``) passed by ``now``, as DynamoDB would; how many."""


_NEVER = 1_000_000
"""A receive count no message reaches: the queue of accepted invocations never dead-letters by
itself (the dispatcher moves an invocation that failed three times, as Lambda does)."""
MOTO_ACCOUNT = "123456789012"
"""The account moto answers as (its default)."""

LOCAL_NAMESPACE = "default"
"""The namespace a local environment's archive keys name (Temporal's default namespace)."""


def make_backend(
    kind: str,
    *,
    skipping: bool,
    archival: bool = False,
    retention_seconds: float = 30 * 24 * 3600,
    path: str | None = None,
) -> Backend:
    """A fresh backend of the given kind ("moto" or "memory"), or the one kept in the SQLite
    file at ``path`` ("sqlite": what it held when last closed, or killed; without a path, a
    fresh file removed at stop, so ``DURABLE_TEST_BACKEND=sqlite`` runs a test suite on it).

    ``archival``: closed runs are archived (in moto's S3, in memory, or in the SQLite file)
    and their items expire ``retention_seconds`` after the close, as in a deployment.
    """
    clock: SkippingClock | RealClock = SkippingClock() if skipping else RealClock()
    notifier = Notifier()
    if kind == "memory":
        backend = _memory(clock, notifier, retention_seconds, archival)
    elif kind == "moto":
        backend = _moto(clock, notifier, retention_seconds, archival)
    elif kind == "sqlite":
        backend = _sqlite(clock, notifier, path, retention_seconds, archival)
    else:
        raise ValueError(f"unknown backend {kind!r}: use 'moto', 'memory' or 'sqlite'")
    return backend


def _assemble(
    clock: Any,
    notifier: Notifier,
    history: Any,
    executions: Any,
    idempotency: Any,
    make_queue: Callable[[str], Queue],
    schedules: Any,
    claims: ClaimCheck,
    make_timers: TimersFactory = LocalTimerService,
    make_schedules: Callable[[Clock], FiredTimerSchedules] = MemoryTimerSchedules,
    *,
    deliveries: _Deliveries,
    schedule_dead_letters: ScheduleDeadLetters,
) -> Backend:
    queues: dict[str, Queue] = {}
    lock = threading.Lock()
    pending = _NotifyingQueue(deliveries.pending, notifier)

    def queue_for(name: str) -> Queue:
        with lock:
            if name not in queues:
                queues[name] = _NotifyingQueue(make_queue(name), notifier)
            return queues[name]

    def firing_queue_for(name: str) -> Queue:
        # What a timer or schedule delivers: a refusal is dead-lettered, as Scheduler does.
        return DeadLetteringQueue(queue_for(name), schedule_dead_letters)

    # Long timers become one-time schedules, as on AWS (durable._runtime.timer_schedules).
    timers = LocallyFiredTimers(
        make_timers(clock, firing_queue_for, notifier.poke),
        make_schedules(clock),
        clock,
        firing_queue_for,
        notifier.poke,
    )

    def dead_letter_sources() -> dict[str, DeadLetterSource]:
        sources: dict[str, DeadLetterSource] = {**_by_operator_name(queues, lock)}
        sources["schedules"] = ScheduleDeadLetterSource(
            schedule_dead_letters, lambda: redrive_schedule_dead_letters(services)
        )
        return sources

    services = Services(
        history=history,
        executions=_NotifyingExecutions(executions, notifier),
        inbox=queue_for(INBOX),
        timers=timers,
        clock=clock,
        queue_for=queue_for,
        idempotency=idempotency,
        schedules=schedules,
        # moto never fires an EventBridge schedule: the environment's clock does.
        schedule_firing=LocalScheduleFiring(timers),
        claims=claims,
        dead_letter_sources=dead_letter_sources,
        invoker=LocalInvoker(pending, aws=deliveries.aws),
        failed_deliveries=deliveries.failed,
        schedule_dead_letters=schedule_dead_letters,
    )
    return Backend(services=services, clock=clock, timers=timers, notifier=notifier, queues=queues, invocations=pending)


@dataclass
class _Deliveries:
    """Where a backend keeps the orchestrator's asynchronous invocations (Lambda's own queue,
    and the function's dead-letter queue), and moto's Invoke when the backend is moto."""

    pending: Queue
    failed: Queue
    aws: OrchestratorInvoker | None = None


def _memory_deliveries() -> _Deliveries:
    # The dispatcher plays Lambda's retries: the queue itself never dead-letters.
    # Nor does the functions' dead-letter queue, the end of the line: nothing moves on from it.
    return _Deliveries(
        MemoryQueue(INVOCATIONS, max_receive_count=_NEVER), MemoryQueue(FAILED_DELIVERIES, max_receive_count=_NEVER)
    )


def _by_operator_name(queues: dict[str, Queue], lock: threading.Lock) -> dict[str, Queue]:
    # Local timers are a heap, not a queue: only the inbox and activity queues have DLQs here.
    with lock:
        return {name.removesuffix(".fifo"): queue for name, queue in queues.items()}


def _archival(
    objects: ObjectStore, history: Any, executions: Any, retention_seconds: float, enabled: bool
) -> Archival | None:
    if not enabled:
        return None
    return Archival(RunArchive(objects, LOCAL_NAMESPACE), history, executions, retention_seconds)


def _memory(clock: Any, notifier: Notifier, retention_seconds: float, archival: bool) -> Backend:
    claims = ClaimCheck(MemoryPayloadStore())
    history = MemoryHistoryStore(claims=claims)
    executions = MemoryExecutionStore(claims=claims, retention_seconds=retention_seconds)
    backend = _assemble(
        clock,
        notifier,
        history,
        executions,
        MemoryPersistenceLayer(),
        MemoryQueue,
        MemoryScheduleStore(claims=claims),
        claims,
        deliveries=_memory_deliveries(),
        schedule_dead_letters=QueuedScheduleDeadLetters(MemoryQueue(SCHEDULE_DLQ, max_receive_count=_NEVER)),
    )
    backend.services.archival = _archival(MemoryObjectStore(), history, executions, retention_seconds, archival)
    backend.services.rate_limits = MemoryRateLimitStore()
    backend.sweep = lambda now: history.sweep(now) + executions.sweep(now)
    return backend


def _sqlite(clock: Any, notifier: Notifier, path: str | None, retention_seconds: float, archival: bool) -> Backend:
    scratch = None if path is not None else tempfile.mkdtemp(prefix="durable-")
    db = Database(Path(scratch) / "durable.db" if scratch is not None else str(path))
    claims = ClaimCheck(SqlitePayloadStore(db))
    history = SqliteHistoryStore(db, claims=claims)
    executions = SqliteExecutionStore(db, claims=claims, retention_seconds=retention_seconds)
    backend = _assemble(
        clock,
        notifier,
        history,
        executions,
        SqlitePersistenceLayer(db),
        lambda name: SqliteQueue(db, name),
        SqliteScheduleStore(db, claims=claims),
        claims,
        make_timers=lambda clock, queue_for, on_change: SqliteTimerService(db, clock, queue_for, on_change),
        deliveries=_Deliveries(
            SqliteQueue(db, INVOCATIONS, max_receive_count=_NEVER),
            SqliteQueue(db, FAILED_DELIVERIES, max_receive_count=_NEVER),
        ),
        make_schedules=lambda clock: SqliteTimerSchedules(db, clock),
        schedule_dead_letters=QueuedScheduleDeadLetters(SqliteQueue(db, SCHEDULE_DLQ, max_receive_count=_NEVER)),
    )
    # What the last process left: its queues exist again (their dead letters listable), and
    # those with messages are polled at once (invocations Lambda had accepted included).
    for name in known_queues(db):
        if name not in (INVOCATIONS, FAILED_DELIVERIES, SCHEDULE_DLQ):
            backend.services.queue_for(name)
    for name in queues_with_work(db):
        if name not in (FAILED_DELIVERIES, SCHEDULE_DLQ):
            notifier.mark(name)
    backend.services.archival = _archival(SqliteObjectStore(db), history, executions, retention_seconds, archival)
    backend.services.rate_limits = SqliteRateLimitStore(db)
    backend.sweep = lambda now: history.sweep(now) + executions.sweep(now)

    def stop() -> None:
        db.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    backend.stop = stop
    return backend


def _moto(clock: Any, notifier: Notifier, retention_seconds: float, archival: bool) -> Backend:
    import boto3
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from moto.core.config import default_user_config
    from moto.server import ThreadedMotoServer

    make_dynamodb_writes_atomic()
    make_sqs_dedup_scoped()
    index_sqs_queues()
    # moto runs no function here (no docker): it takes the orchestrator's invocations, and the
    # dispatcher runs them.
    default_user_config["lambda"]["use_docker"] = False
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    ddb = session.client("dynamodb", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    lam = session.client("lambda", endpoint_url=endpoint)
    iam = session.client("iam", endpoint_url=endpoint)
    scheduler = session.client("scheduler", endpoint_url=endpoint)
    suffix = uuid.uuid4().hex[:8]
    schedule_group = f"durable-schedules-{suffix}"
    scheduler.create_schedule_group(Name=schedule_group)
    bucket = f"durable-payloads-{suffix}"
    create_bucket(s3, bucket)
    claims = ClaimCheck(S3PayloadStore(bucket, client=s3))
    names = {k: f"durable-{k}-{suffix}" for k in ("history", "executions", "idempotency")}
    create_tables(
        ddb,
        history_table=names["history"],
        executions_table=names["executions"],
        idempotency_table=names["idempotency"],
    )

    def make_queue(name: str) -> Queue:
        url = create_queue(sqs, name, fifo=name.endswith(".fifo"))
        dlq_url = sqs.get_queue_url(QueueName=dlq_name(name))["QueueUrl"]
        return SqsQueue(name, url, client=sqs, dlq_url=dlq_url)

    history = DynamoHistoryStore(names["history"], client=ddb, claims=claims)
    executions = DynamoExecutionStore(
        names["executions"], client=ddb, claims=claims, retention_seconds=retention_seconds
    )
    backend = _assemble(
        clock,
        notifier,
        history,
        executions,
        DynamoDBPersistenceLayer(table_name=names["idempotency"], boto3_client=ddb),
        make_queue,
        DynamoScheduleStore(names["executions"], client=ddb, claims=claims),
        claims,
        deliveries=_Deliveries(
            # Lambda's queue of accepted invocations is Lambda's, not an SQS queue: in memory.
            MemoryQueue(INVOCATIONS, max_receive_count=_NEVER),
            # A dead-letter queue itself, as the stack's: no redrive policy of its own.
            SqsQueue(FAILED_DELIVERIES, create_dead_letter_queue(sqs, FAILED_DELIVERIES), client=sqs),
            aws=LambdaInvoker(create_function(lam, iam, f"durable-orchestrator-{suffix}"), client=lam),
        ),
        # The schedule DLQ: Scheduler's dead letters with their message attributes, on moto's SQS.
        schedule_dead_letters=SqsScheduleDeadLetters(
            create_dead_letter_queue(sqs, SCHEDULE_DLQ), queue_of=local_queue_of, client=sqs
        ),
        # Long timers are schedules in moto's Scheduler, made and deleted by the AWS adapter.
        make_schedules=lambda clock: MotoTimerSchedules(
            EventBridgeTimerSchedules(
                group_name=schedule_group,
                role_arn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/durable-scheduler",
                target_arn=lambda name: f"arn:aws:sqs:us-east-1:{MOTO_ACCOUNT}:{name}",
                clock=clock,
                client=scheduler,
                dead_letter_arn=local_queue_arn(SCHEDULE_DLQ),
            )
        ),
    )
    backend.services.rate_limits = DynamoRateLimitStore(names["executions"], client=ddb)
    backend.boto_clients = [ddb, sqs, s3, lam, scheduler]
    backend.stop = server.stop
    if archival:
        create_bucket(s3, f"durable-archive-{suffix}")
        objects = S3ObjectStore(f"durable-archive-{suffix}", client=s3)
        backend.services.archival = _archival(objects, history, executions, retention_seconds, archival)
    backend.sweep = lambda now: sum(sweep_table(ddb, names[t], now) for t in ("history", "executions"))
    return backend
