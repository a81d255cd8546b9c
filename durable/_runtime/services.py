"""The ports one deployment (or one local environment) wires together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from durable._runtime.observability import MetricsSink, NoMetrics
from durable._runtime.ports import Clock, ExecutionStore, HistoryStore, Queue, ScheduleFiring, ScheduleStore, TimerService

__all__ = ["INBOX", "Services", "UnknownTaskQueue", "activity_queue_name", "execution_key", "schedule_group"]

INBOX = "inbox.fifo"
"""Logical name of the inbox queue (the deployed name carries a namespace prefix)."""


def activity_queue_name(task_queue: str) -> str:
    """Logical name of the SQS queue that carries a task queue's activity tasks."""
    return f"activities-{task_queue}"


def execution_key(workflow_id: str, run_id: str) -> str:
    """Partition key of one run's history."""
    return f"{workflow_id}#{run_id}"


def schedule_group(schedule_id: str) -> str:
    """The inbox message group of a schedule: its fires are handled one at a time, in order."""
    return f"schedule:{schedule_id}"


class UnknownTaskQueue(LookupError):
    """No activity queue exists for a task queue."""


@dataclass
class Services:
    """Everything below the runtime: stores, queues, timers, clock, idempotency."""

    history: HistoryStore
    executions: ExecutionStore
    inbox: Queue
    timers: TimerService
    clock: Clock
    queue_for: Callable[[str], Queue]
    """Logical queue name -> queue; raises UnknownTaskQueue."""
    idempotency: Any
    """A powertools idempotency persistence layer (DynamoDB on AWS)."""
    metrics: MetricsSink = field(default_factory=NoMetrics)
    """Where outcomes are counted (powertools Metrics on Lambda)."""
    schedules: ScheduleStore | None = None
    """Where schedules live (None: this deployment has no schedules wired)."""
    schedule_firing: ScheduleFiring | None = None
    """What delivers each schedule's next action to the inbox at its time."""

    def activity_queue(self, task_queue: str) -> Queue:
        """The queue of a task queue's activities."""
        return self.queue_for(activity_queue_name(task_queue))
