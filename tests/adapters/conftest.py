"""The contract suite's backends: every test runs on moto (the AWS adapters), in memory and
on the SQLite file of ``durable dev --db-filename``.

A test asks for ``backend`` and builds its stores and queues through it, so the same
assertions hold the DynamoDB/SQS adapters and the in-memory ones to one behaviour.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Until the project's pytest configuration sets ``pythonpath``: make the repository root
# importable when pytest is run as a script (``.venv/bin/pytest``), not via ``python -m``.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import boto3  # noqa: E402
import pytest  # noqa: E402
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer  # noqa: E402
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer  # noqa: E402
from moto import mock_aws  # noqa: E402

from durable._aws.archive import S3ObjectStore  # noqa: E402
from durable._aws.executions import DynamoExecutionStore  # noqa: E402
from durable._aws.history import DynamoHistoryStore  # noqa: E402
from durable._aws.invoker import LambdaInvoker  # noqa: E402
from durable._aws.payloads import S3PayloadStore  # noqa: E402
from durable._aws.provision import (  # noqa: E402
    create_bucket,
    create_dead_letter_queue,
    create_function,
    create_queue,
    create_tables,
    dlq_name,
)
from durable._aws.rate_limits import DynamoRateLimitStore  # noqa: E402
from durable._aws.schedule_dead_letters import SqsScheduleDeadLetters  # noqa: E402
from durable._aws.schedules import DynamoScheduleStore  # noqa: E402
from durable._aws.sqs import SqsQueue  # noqa: E402
from durable._aws.timer_schedules import EventBridgeTimerSchedules  # noqa: E402
from durable._local.archive import MemoryObjectStore  # noqa: E402
from durable._local.idempotency import MemoryPersistenceLayer  # noqa: E402
from durable._local.invocations import INVOCATIONS, LocalInvoker  # noqa: E402
from durable._local.memory import MemoryExecutionStore, MemoryHistoryStore, MemoryQueue  # noqa: E402
from durable._local.payloads import MemoryPayloadStore  # noqa: E402
from durable._local.rate_limits import MemoryRateLimitStore  # noqa: E402
from durable._local.schedule_dead_letters import QueuedScheduleDeadLetters, local_queue_of  # noqa: E402
from durable._local.schedules import MemoryScheduleStore  # noqa: E402
from durable._local.sqlite.archive import SqliteObjectStore  # noqa: E402
from durable._local.sqlite.database import Database  # noqa: E402
from durable._local.sqlite.executions import SqliteExecutionStore  # noqa: E402
from durable._local.sqlite.history import SqliteHistoryStore  # noqa: E402
from durable._local.sqlite.idempotency import SqlitePersistenceLayer  # noqa: E402
from durable._local.sqlite.payloads import SqlitePayloadStore  # noqa: E402
from durable._local.sqlite.queue import SqliteQueue  # noqa: E402
from durable._local.sqlite.rate_limits import SqliteRateLimitStore  # noqa: E402
from durable._local.sqlite.schedules import SqliteScheduleStore  # noqa: E402
from durable._local.sqlite.timer_schedules import SqliteTimerSchedules  # noqa: E402
from durable._local.timer_schedules import FiredTimerSchedules, MemoryTimerSchedules, MotoTimerSchedules  # noqa: E402
from durable._local.ttl import sweep_table  # noqa: E402
from durable._runtime.archive import ObjectStore  # noqa: E402
from durable._runtime.claimcheck import ClaimCheck  # noqa: E402
from durable._runtime.ports import (  # noqa: E402
    Clock,
    ExecutionStore,
    HistoryStore,
    OrchestratorInvoker,
    PayloadStore,
    Queue,
    ScheduleStore,
)
from durable._runtime.schedule_dead_letter_port import SCHEDULE_DLQ, ScheduleDeadLetters  # noqa: E402
from durable._runtime.timer_schedules import SCHEDULES_QUOTA  # noqa: E402
from durable._workers.ports import RateLimitStore  # noqa: E402

HISTORY_TABLE = "history"
EXECUTIONS_TABLE = "executions"
IDEMPOTENCY_TABLE = "idempotency"
PAYLOAD_BUCKET = "payloads"
ARCHIVE_BUCKET = "archive"
SCHEDULE_GROUP = "durable-schedules"


class MotoBackend:
    """The AWS adapters on moto's in-process emulation, resources made by provision."""

    name = "moto"

    def __init__(self) -> None:
        self.dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        create_tables(
            self.dynamodb,
            history_table=HISTORY_TABLE,
            executions_table=EXECUTIONS_TABLE,
            idempotency_table=IDEMPOTENCY_TABLE,
        )

    def history(self, claims: ClaimCheck | None = None) -> HistoryStore:
        return DynamoHistoryStore(HISTORY_TABLE, self.dynamodb, claims=claims)

    def executions(self, claims: ClaimCheck | None = None) -> ExecutionStore:
        return DynamoExecutionStore(EXECUTIONS_TABLE, self.dynamodb, claims=claims)

    def payloads(self) -> PayloadStore:
        self.s3 = boto3.client("s3", region_name="us-east-1")
        create_bucket(self.s3, PAYLOAD_BUCKET)
        return S3PayloadStore(PAYLOAD_BUCKET, self.s3)

    def schedules(self, claims: ClaimCheck | None = None) -> ScheduleStore:
        return DynamoScheduleStore(EXECUTIONS_TABLE, self.dynamodb, claims=claims)

    def rate_limits(self) -> RateLimitStore:
        return DynamoRateLimitStore(EXECUTIONS_TABLE, self.dynamodb)

    def archive_objects(self) -> ObjectStore:
        s3 = boto3.client("s3", region_name="us-east-1")
        create_bucket(s3, ARCHIVE_BUCKET)
        return S3ObjectStore(ARCHIVE_BUCKET, s3)

    def sweep(self, now: float, *stores: Any) -> int:
        """What DynamoDB's TTL deletes by ``now`` (moto never does): the stores' tables swept."""
        del stores
        return sum(sweep_table(self.dynamodb, table, now) for table in (HISTORY_TABLE, EXECUTIONS_TABLE))

    def queue(self, name: str, max_receive_count: int = 5) -> Queue:
        url = create_queue(self.sqs, name, fifo=name.endswith(".fifo"), max_receive_count=max_receive_count)
        dlq_url = self.sqs.get_queue_url(QueueName=dlq_name(name))["QueueUrl"]
        return SqsQueue(name, url, self.sqs, dlq_url)

    def schedule_dead_letters(self) -> ScheduleDeadLetters:
        """The schedule DLQ: a standard SQS queue, its dead letters' reasons message attributes."""
        url = create_dead_letter_queue(self.sqs, SCHEDULE_DLQ)
        return SqsScheduleDeadLetters(url, queue_of=local_queue_of, client=self.sqs)

    def idempotency(self) -> BasePersistenceLayer:
        return DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE, boto3_client=self.dynamodb)

    def invoker(self) -> OrchestratorInvoker:
        lam = boto3.client("lambda", region_name="us-east-1")
        name = create_function(lam, boto3.client("iam", region_name="us-east-1"), "orchestrator")
        return LambdaInvoker(name, client=lam)

    def timer_schedules(self, clock: Clock) -> FiredTimerSchedules:
        """EventBridge Scheduler on moto through the AWS adapter (fired by the local wrapper)."""
        self.scheduler = boto3.client("scheduler", region_name="us-east-1")
        self.scheduler.create_schedule_group(Name=SCHEDULE_GROUP)
        adapter = EventBridgeTimerSchedules(
            group_name=SCHEDULE_GROUP,
            role_arn="arn:aws:iam::123456789012:role/scheduler",
            target_arn=lambda name: f"arn:aws:sqs:us-east-1:123456789012:{name}",
            clock=clock,
            client=self.scheduler,
        )
        return MotoTimerSchedules(adapter)


class MemoryBackend:
    """The in-memory adapters; a test's stores share nothing with other tests."""

    name = "memory"

    def history(self, claims: ClaimCheck | None = None) -> HistoryStore:
        return MemoryHistoryStore(claims=claims)

    def executions(self, claims: ClaimCheck | None = None) -> ExecutionStore:
        return MemoryExecutionStore(claims=claims)

    def payloads(self) -> PayloadStore:
        return MemoryPayloadStore()

    def schedules(self, claims: ClaimCheck | None = None) -> ScheduleStore:
        return MemoryScheduleStore(claims=claims)

    def rate_limits(self) -> RateLimitStore:
        return MemoryRateLimitStore()

    def queue(self, name: str, max_receive_count: int = 5) -> Queue:
        return MemoryQueue(name, max_receive_count=max_receive_count)

    def schedule_dead_letters(self) -> ScheduleDeadLetters:
        return QueuedScheduleDeadLetters(MemoryQueue(SCHEDULE_DLQ, max_receive_count=1_000_000))

    def archive_objects(self) -> ObjectStore:
        return MemoryObjectStore()

    def sweep(self, now: float, *stores: Any) -> int:
        """What DynamoDB's TTL deletes by ``now``: each in-memory store sweeps itself."""
        return sum(store.sweep(now) for store in stores)

    def idempotency(self) -> BasePersistenceLayer:
        return MemoryPersistenceLayer()

    def invoker(self) -> OrchestratorInvoker:
        return LocalInvoker(MemoryQueue(INVOCATIONS))

    def timer_schedules(self, clock: Clock, quota: int = SCHEDULES_QUOTA) -> FiredTimerSchedules:
        return MemoryTimerSchedules(clock, quota)


class SqliteBackend:
    """The SQLite adapters on one file of the test's own directory, sharing its connection."""

    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = Database(path)

    def reopen(self) -> None:
        """Close the file and open it again, as a restarted dev server does."""
        self.db.close()
        self.db = Database(self.path)

    def history(self, claims: ClaimCheck | None = None) -> HistoryStore:
        return SqliteHistoryStore(self.db, claims=claims)

    def executions(self, claims: ClaimCheck | None = None) -> ExecutionStore:
        return SqliteExecutionStore(self.db, claims=claims)

    def payloads(self) -> PayloadStore:
        return SqlitePayloadStore(self.db)

    def schedules(self, claims: ClaimCheck | None = None) -> ScheduleStore:
        return SqliteScheduleStore(self.db, claims=claims)

    def rate_limits(self) -> RateLimitStore:
        return SqliteRateLimitStore(self.db)

    def queue(self, name: str, max_receive_count: int = 5) -> Queue:
        return SqliteQueue(self.db, name, max_receive_count=max_receive_count)

    def schedule_dead_letters(self) -> ScheduleDeadLetters:
        return QueuedScheduleDeadLetters(SqliteQueue(self.db, SCHEDULE_DLQ, max_receive_count=1_000_000))

    def idempotency(self) -> BasePersistenceLayer:
        return SqlitePersistenceLayer(self.db)

    def invoker(self) -> OrchestratorInvoker:
        return LocalInvoker(SqliteQueue(self.db, INVOCATIONS))

    def timer_schedules(self, clock: Clock, quota: int = SCHEDULES_QUOTA) -> FiredTimerSchedules:
        return SqliteTimerSchedules(self.db, clock, quota)

    def archive_objects(self) -> ObjectStore:
        return SqliteObjectStore(self.db)

    def sweep(self, now: float, *stores: Any) -> int:
        """What DynamoDB's TTL deletes by ``now``: each SQLite store sweeps its table."""
        return sum(store.sweep(now) for store in stores)


@pytest.fixture(params=["moto", "memory", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Each contract test runs once per backend."""
    if request.param == "moto":
        # moto's Lambda without docker: it takes invocations of the orchestrator and runs nothing.
        with mock_aws(config={"lambda": {"use_docker": False}}):
            yield MotoBackend()
    elif request.param == "sqlite":
        sqlite = SqliteBackend(tmp_path / "durable.db")
        try:
            yield sqlite
        finally:
            sqlite.db.close()
    else:
        yield MemoryBackend()


@pytest.fixture(params=["memory", "sqlite"])
def twin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The local twins only, for what they do as SQS does and moto does not."""
    if request.param == "sqlite":
        sqlite = SqliteBackend(tmp_path / "durable.db")
        try:
            yield sqlite
        finally:
            sqlite.db.close()
    else:
        yield MemoryBackend()


@pytest.fixture
def sqlite_backend(tmp_path: Path) -> Iterator[SqliteBackend]:
    """The SQLite adapters alone, for what only a file does (reopening it)."""
    sqlite = SqliteBackend(tmp_path / "durable.db")
    try:
        yield sqlite
    finally:
        sqlite.db.close()
