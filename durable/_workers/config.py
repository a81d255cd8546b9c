"""How a task queue's activity worker is scaled: declared next to its activities, read by the
stack (the activity function's settings) and by the engine (locally and in the function).

Deployed, one task queue is one activity Lambda fed by one SQS queue, so temporalio's worker
options become that function's settings:

- ``max_concurrent_activities`` (temporalio's name) -> the SQS event source's
  ``MaximumConcurrency``: at most that many attempts of the queue run at once, across every
  Lambda instance. Locally the dispatcher runs at most that many of the queue's attempts at once.
- ``max_task_queue_activities_per_second`` (temporalio's name) -> admissions spaced at least
  ``1 / rate`` seconds apart across every invocation, kept in one item of the executions table
  (:mod:`durable._workers.rate_limit`); an attempt admitted later than now waits on a timer,
  not counted as an attempt.
- ``reserved_concurrent_executions`` -> the function's reserved concurrency (Lambda's name):
  the account's other functions cannot take those instances away, and it caps the function.
- ``function_timeout`` and ``memory_size`` -> the function's timeout and memory. An attempt
  that may run longer than the function (its start-to-close timeout is longer) is stopped
  before Lambda would kill it and fails, naming both (:mod:`durable._workers.function_timeout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "ActivityLimits",
    "DEFAULT_FUNCTION_TIMEOUT",
    "DEFAULT_MEMORY_SIZE",
    "LAMBDA_MAX_TIMEOUT",
    "TaskQueueConfig",
]

DEFAULT_FUNCTION_TIMEOUT = timedelta(minutes=5)
"""An activity function's timeout unless its task queue says otherwise."""
DEFAULT_MEMORY_SIZE = 512
"""An activity function's memory (MB) unless its task queue says otherwise."""
LAMBDA_MAX_TIMEOUT = timedelta(minutes=15)
"""Lambda's longest function timeout (AWS's quota, not adjustable)."""

# AWS's limits: an SQS event source's MaximumConcurrency is 2 to 1000; a function's memory
# is 128 MB to 10,240 MB (Lambda quotas).
_MIN_EVENT_SOURCE_CONCURRENCY = 2
_MAX_EVENT_SOURCE_CONCURRENCY = 1000
_MIN_MEMORY, _MAX_MEMORY = 128, 10_240


@dataclass(frozen=True)
class TaskQueueConfig:
    """A task queue's activity worker: its concurrency, rate, timeout and memory.

    Declared per task queue in ``statemachines/registry.py`` (``TASK_QUEUES``), next to the
    queue's ``ACTIVITIES``. Every field is optional; the defaults are what an undeclared task
    queue gets (no concurrency or rate limit, 5 minutes, 512 MB).

    Attributes:
        max_concurrent_activities: most attempts of the queue running at once (temporalio's
            ``Worker`` option); deployed, the event source's maximum concurrency, which AWS
            takes from 2 to 1000.
        max_task_queue_activities_per_second: most attempts of the queue started per second,
            across every invocation (temporalio's ``Worker`` option); attempts are admitted
            evenly spaced, ``1 / rate`` seconds apart.
        reserved_concurrent_executions: the activity function's reserved concurrency
            (Lambda's), at least ``max_concurrent_activities`` when both are set.
        function_timeout: the activity function's timeout, at most Lambda's 15 minutes.
        memory_size: the activity function's memory in MB (128 to 10,240).

    Raises:
        ValueError: a value AWS would refuse, with the limit and the field to change.
    """

    max_concurrent_activities: int | None = None
    max_task_queue_activities_per_second: float | None = None
    reserved_concurrent_executions: int | None = None
    function_timeout: timedelta = DEFAULT_FUNCTION_TIMEOUT
    memory_size: int = DEFAULT_MEMORY_SIZE

    def __post_init__(self) -> None:
        concurrency = self.max_concurrent_activities
        if concurrency is not None and not (
            _MIN_EVENT_SOURCE_CONCURRENCY <= concurrency <= _MAX_EVENT_SOURCE_CONCURRENCY
        ):
            raise ValueError(
                f"max_concurrent_activities={concurrency}: an SQS event source's maximum concurrency is "
                f"{_MIN_EVENT_SOURCE_CONCURRENCY} to {_MAX_EVENT_SOURCE_CONCURRENCY} (AWS's limit: it polls with "
                "at least two invocations at once)"
            )
        rate = self.max_task_queue_activities_per_second
        if rate is not None and not rate > 0:
            raise ValueError(f"max_task_queue_activities_per_second={rate}: a rate must be above 0")
        reserved = self.reserved_concurrent_executions
        if reserved is not None and reserved < 0:
            raise ValueError(f"reserved_concurrent_executions={reserved}: must be 0 or more")
        if reserved is not None and concurrency is not None and reserved < concurrency:
            raise ValueError(
                f"reserved_concurrent_executions={reserved} is below max_concurrent_activities={concurrency}: "
                "Lambda would throttle the event source's invocations and their messages would be retried and "
                "dead-lettered (AWS advises reserved concurrency at least the maximum concurrency)"
            )
        if not timedelta(seconds=1) <= self.function_timeout <= LAMBDA_MAX_TIMEOUT:
            raise ValueError(
                f"function_timeout={self.function_timeout}: a Lambda function's timeout is 1 second to 15 minutes; "
                "for longer work see the README's 'Work longer than 15 minutes'"
            )
        if self.function_timeout.total_seconds() != int(self.function_timeout.total_seconds()):
            raise ValueError(f"function_timeout={self.function_timeout}: Lambda takes whole seconds")
        if not _MIN_MEMORY <= self.memory_size <= _MAX_MEMORY:
            raise ValueError(f"memory_size={self.memory_size}: Lambda takes {_MIN_MEMORY} to {_MAX_MEMORY} MB")

    @property
    def timeout_seconds(self) -> int:
        """The function's timeout in whole seconds."""
        return int(self.function_timeout.total_seconds())

    @property
    def limits(self) -> ActivityLimits:
        """What the engine enforces for the queue's attempts."""
        return ActivityLimits(
            max_concurrent=self.max_concurrent_activities,
            per_second=self.max_task_queue_activities_per_second,
            function_timeout=float(self.timeout_seconds),
        )


@dataclass(frozen=True)
class ActivityLimits:
    """What the engine enforces on a task queue's attempts (from its :class:`TaskQueueConfig`,
    or from a local ``Worker``'s options).

    Attributes:
        max_concurrent: most attempts running at once (None: no limit of ours).
        per_second: most attempts admitted per second, across invocations (None: no limit, and
            no request spent on it).
        function_timeout: seconds the function running an attempt lives (None: a local worker
            with no such limit).
    """

    max_concurrent: int | None = None
    per_second: float | None = None
    function_timeout: float | None = None

    def __post_init__(self) -> None:
        if self.max_concurrent is not None and self.max_concurrent < 1:
            raise ValueError(f"max_concurrent_activities={self.max_concurrent}: must be at least 1")
        if self.per_second is not None and not self.per_second > 0:
            raise ValueError(f"max_task_queue_activities_per_second={self.per_second}: a rate must be above 0")
