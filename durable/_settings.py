"""A deployment's settings: the environment variables the stack gives every function.

Defined once, here. The stack (``stacks/durable_stack.py``) builds each function's
environment with :meth:`DeploymentSettings.to_environ`; the runtime
(:class:`durable._aws.app.LambdaApp`) reads it back with
:meth:`DeploymentSettings.from_environ`; the stack tests check the two agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ACTIVITY_QUEUE_URLS",
    "ARCHIVE_BUCKET",
    "BUILD_ID",
    "DEAD_LETTER_QUEUE_URLS",
    "EXECUTIONS_TABLE",
    "FAILED_DELIVERIES_QUEUE_URL",
    "HISTORY_TABLE",
    "IDEMPOTENCY_TABLE",
    "NAMESPACE",
    "INBOX_QUEUE_ARN",
    "INBOX_QUEUE_URL",
    "NAMES",
    "ORCHESTRATOR_FUNCTION",
    "PAYLOAD_BUCKET",
    "RETENTION_DAYS",
    "SCHEDULER_ROLE_ARN",
    "SCHEDULE_DLQ_URL",
    "SCHEDULE_GROUP",
    "TIMER_QUEUE_URL",
    "DeploymentSettings",
    "MissingSetting",
]

HISTORY_TABLE = "DURABLE_HISTORY_TABLE"
EXECUTIONS_TABLE = "DURABLE_EXECUTIONS_TABLE"
"""The executions table; schedules live in it too, in a partition of their own."""
IDEMPOTENCY_TABLE = "DURABLE_IDEMPOTENCY_TABLE"
INBOX_QUEUE_URL = "DURABLE_INBOX_QUEUE_URL"
TIMER_QUEUE_URL = "DURABLE_TIMER_QUEUE_URL"
ACTIVITY_QUEUE_URLS = "DURABLE_ACTIVITY_QUEUE_URLS"
"""JSON object: task queue -> its activity queue's URL."""
SCHEDULE_GROUP = "DURABLE_SCHEDULE_GROUP"
INBOX_QUEUE_ARN = "DURABLE_INBOX_QUEUE_ARN"
SCHEDULER_ROLE_ARN = "DURABLE_SCHEDULER_ROLE_ARN"
PAYLOAD_BUCKET = "DURABLE_PAYLOAD_BUCKET"
DEAD_LETTER_QUEUE_URLS = "DURABLE_DEAD_LETTER_QUEUE_URLS"
"""JSON object: queue (``inbox.fifo``, ``timers``, ``activities-<task queue>``) -> its DLQ's URL."""
RETENTION_DAYS = "DURABLE_RETENTION_DAYS"
ARCHIVE_BUCKET = "DURABLE_ARCHIVE_BUCKET"
"""Where closed runs are archived before their items expire (without it: not archived)."""
NAMESPACE = "DURABLE_NAMESPACE"
"""The deployment's namespace (``cdk deploy -c namespace=``), named in the archive's keys."""
BUILD_ID = "DURABLE_BUILD_ID"
"""The deployed code's build id (from the code assets' hashes): see :mod:`durable._build_ids`."""
ORCHESTRATOR_FUNCTION = "DURABLE_ORCHESTRATOR_FUNCTION"
"""The orchestrator function's name: activity outcomes invoke it (``durable._runtime.delivery``)."""
FAILED_DELIVERIES_QUEUE_URL = "DURABLE_FAILED_DELIVERIES_QUEUE_URL"
"""Where the orchestrator's failed asynchronous invocations land (the reconciler forwards them)."""
SCHEDULE_DLQ_URL = "DURABLE_SCHEDULE_DLQ_URL"
"""The schedule DLQ (standard): every schedule's DeadLetterConfig names it (its ARN is derived
from the URL beside the inbox's), and the reconciler forwards what Scheduler puts there."""

NAMES = (
    HISTORY_TABLE,
    EXECUTIONS_TABLE,
    IDEMPOTENCY_TABLE,
    INBOX_QUEUE_URL,
    TIMER_QUEUE_URL,
    ACTIVITY_QUEUE_URLS,
    SCHEDULE_GROUP,
    INBOX_QUEUE_ARN,
    SCHEDULER_ROLE_ARN,
    PAYLOAD_BUCKET,
    DEAD_LETTER_QUEUE_URLS,
    RETENTION_DAYS,
    ARCHIVE_BUCKET,
    NAMESPACE,
    BUILD_ID,
    ORCHESTRATOR_FUNCTION,
    FAILED_DELIVERIES_QUEUE_URL,
    SCHEDULE_DLQ_URL,
)
"""Every variable a deployment's functions may read."""

DEFAULT_RETENTION_DAYS = 30.0


class MissingSetting(RuntimeError):
    """A variable the runtime needs is not in the environment."""

    def __init__(self, name: str) -> None:
        super().__init__(f"environment variable {name} is not set: the stack wires it into every function")
        self.name = name


@dataclass(frozen=True)
class DeploymentSettings:
    """Where a deployment's tables, queues, schedules and payloads are."""

    history_table: str
    executions_table: str
    idempotency_table: str
    inbox_queue_url: str
    timer_queue_url: str
    activity_queue_urls: Mapping[str, str] = field(default_factory=dict)
    schedule_group: str | None = None
    """EventBridge Scheduler's group for schedules (with the two below; without them, no schedules)."""
    inbox_queue_arn: str | None = None
    scheduler_role_arn: str | None = None
    payload_bucket: str | None = None
    """Where large payloads go by reference (claim check); without it, too large a write fails."""
    dead_letter_queue_urls: Mapping[str, str] = field(default_factory=dict)
    """For ``durable dlq`` (the API function's); a function without it lists no dead letters."""
    retention_days: float = DEFAULT_RETENTION_DAYS
    """How long closed runs are kept."""
    archive_bucket: str | None = None
    """Where closed runs are archived before their items expire (None: not archived, histories kept)."""
    namespace: str = "default"
    """The namespace, as the archive's keys name it."""
    build_id: str | None = None
    """The build id of the deployed code (None: a hash of the registered workflows' modules)."""
    orchestrator_function: str | None = None
    """Invoked with activity outcomes (None: they go to the inbox)."""
    failed_deliveries_queue_url: str | None = None
    """The orchestrator's failed asynchronous invocations (None: nothing to forward)."""
    schedule_dlq_url: str | None = None
    """Where Scheduler dead-letters a delivery it gave up on (None: schedules have no DLQ)."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> DeploymentSettings:
        """The settings in ``environ``.

        Raises:
            MissingSetting: a required variable is not set (the first one missing is named).
        """

        def required(name: str) -> str:
            try:
                return environ[name]
            except KeyError:
                raise MissingSetting(name) from None

        def json_object(name: str) -> dict[str, str]:
            value: dict[str, str] = json.loads(environ.get(name, "{}"))
            return value

        return cls(
            inbox_queue_url=required(INBOX_QUEUE_URL),
            timer_queue_url=required(TIMER_QUEUE_URL),
            history_table=required(HISTORY_TABLE),
            executions_table=required(EXECUTIONS_TABLE),
            idempotency_table=required(IDEMPOTENCY_TABLE),
            activity_queue_urls=json_object(ACTIVITY_QUEUE_URLS),
            schedule_group=environ.get(SCHEDULE_GROUP) or None,
            inbox_queue_arn=environ.get(INBOX_QUEUE_ARN) or None,
            scheduler_role_arn=environ.get(SCHEDULER_ROLE_ARN) or None,
            payload_bucket=environ.get(PAYLOAD_BUCKET) or None,
            dead_letter_queue_urls=json_object(DEAD_LETTER_QUEUE_URLS),
            retention_days=float(environ.get(RETENTION_DAYS, str(DEFAULT_RETENTION_DAYS))),
            archive_bucket=environ.get(ARCHIVE_BUCKET) or None,
            namespace=environ.get(NAMESPACE) or "default",
            build_id=environ.get(BUILD_ID) or None,
            orchestrator_function=environ.get(ORCHESTRATOR_FUNCTION) or None,
            failed_deliveries_queue_url=environ.get(FAILED_DELIVERIES_QUEUE_URL) or None,
            schedule_dlq_url=environ.get(SCHEDULE_DLQ_URL) or None,
        )

    def to_environ(self, *, to_json: Callable[[Any], str] = json.dumps) -> dict[str, str]:
        """The variables that say these settings (what :meth:`from_environ` reads back).

        ``to_json`` encodes the JSON-valued ones: the CDK stack passes its own
        ``to_json_string``, whose values are deploy-time tokens.
        """
        environ = {
            HISTORY_TABLE: self.history_table,
            EXECUTIONS_TABLE: self.executions_table,
            IDEMPOTENCY_TABLE: self.idempotency_table,
            INBOX_QUEUE_URL: self.inbox_queue_url,
            TIMER_QUEUE_URL: self.timer_queue_url,
            INBOX_QUEUE_ARN: self.inbox_queue_arn,
            SCHEDULE_GROUP: self.schedule_group,
            SCHEDULER_ROLE_ARN: self.scheduler_role_arn,
            PAYLOAD_BUCKET: self.payload_bucket,
            RETENTION_DAYS: _number(self.retention_days),
            ARCHIVE_BUCKET: self.archive_bucket,
            NAMESPACE: self.namespace,
            BUILD_ID: self.build_id,
            ORCHESTRATOR_FUNCTION: self.orchestrator_function,
            FAILED_DELIVERIES_QUEUE_URL: self.failed_deliveries_queue_url,
            SCHEDULE_DLQ_URL: self.schedule_dlq_url,
            ACTIVITY_QUEUE_URLS: to_json(dict(self.activity_queue_urls)),
            DEAD_LETTER_QUEUE_URLS: to_json(dict(self.dead_letter_queue_urls)) if self.dead_letter_queue_urls else None,
        }
        return {name: value for name, value in environ.items() if value is not None}

    @property
    def retention_seconds(self) -> float:
        """:attr:`retention_days` in seconds."""
        return self.retention_days * 24 * 3600


def _number(value: float) -> str:
    """``7`` for seven days, as the stack always wrote it; ``0.5`` for half a day."""
    return str(int(value)) if float(value).is_integer() else str(value)
