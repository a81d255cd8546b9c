"""The ports one deployment (or one local environment) wires together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from durable._limits import fifo_id
from durable._metrics.engine import EngineMetrics
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.dead_letters import DeadLetterSource
from durable._runtime.ports import (
    Clock,
    ExecutionStore,
    HistoryStore,
    OrchestratorInvoker,
    Queue,
    ScheduleFiring,
    ScheduleStore,
    TimerService,
)
from durable._runtime.retention import Archival
from durable._runtime.schedule_dead_letter_port import ScheduleDeadLetters
from durable._workers.ports import RateLimitStore

__all__ = [
    "INBOX",
    "Services",
    "UnknownTaskQueue",
    "activity_queue_name",
    "execution_key",
    "schedule_group",
    "unsealed_timers",
]

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
    return fifo_id(f"schedule:{schedule_id}")


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
    metrics: EngineMetrics = field(default_factory=EngineMetrics)
    """Where outcomes are counted and latencies recorded (a no-op meter unless the runtime
    has metrics: a MetricBuffer locally, CloudWatch EMF on Lambda)."""
    schedules: ScheduleStore | None = None
    """Where schedules live (None: this deployment has no schedules wired)."""
    schedule_firing: ScheduleFiring | None = None
    """What delivers each schedule's next action to the inbox at its time."""
    claims: ClaimCheck = field(default_factory=lambda: ClaimCheck(None))
    """Where large values go by reference (the same one the stores were given)."""
    dead_letter_sources: Callable[[], Mapping[str, DeadLetterSource]] | None = None
    """The queues that have a dead-letter queue, by the name operators use (``inbox``,
    ``timers``, ``activities-<task queue>``) and the schedule DLQ (``schedules``): what
    ``durable dlq`` lists and redrives."""
    archival: Archival | None = None
    """Where closed runs are archived before their items expire (None: not archived, and
    their history is kept)."""
    invoker: OrchestratorInvoker | None = None
    """Starts orchestrator invocations that carry an activity's outcome straight to its run
    (None: outcomes go through the inbox); see :mod:`durable._runtime.delivery`."""
    failed_deliveries: Queue | None = None
    """Where the orchestrator's failed asynchronous invocations land (Lambda's dead-letter
    queue for them): the reconciler forwards them to the inbox."""
    schedule_dead_letters: ScheduleDeadLetters | None = None
    """Where Scheduler puts a schedule delivery it gave up on (the schedule DLQ): the reconciler
    forwards them (:mod:`durable._runtime.schedule_dead_letters`); None: none wired."""
    rate_limits: RateLimitStore | None = None
    """Task queues' admission slots (:mod:`durable._workers.rate_limit`; None: no task queue
    of this deployment may have a rate)."""

    def __post_init__(self) -> None:
        # Every body the runtime sends passes here, whoever sends it: a large one is
        # sealed (claim check) and FIFO ids are derived, so no send can exceed SQS's limits.
        self.inbox = _SealedQueue(self.inbox, self.claims)
        self.timers = _SealedTimers(self.timers, self.claims)
        raw_queue_for = self.queue_for
        self.queue_for = lambda name: _SealedQueue(raw_queue_for(name), self.claims)
        if self.invoker is not None:
            self.invoker = _SealedInvoker(self.invoker, self.claims)

    def open_body(self, body: str) -> str:
        """The body a received message carries (a sealed one read back from the payload store)."""
        return self.claims.open(body)

    def activity_queue(self, task_queue: str) -> Queue:
        """The queue of a task queue's activities."""
        return self.queue_for(activity_queue_name(task_queue))


def _fifo_ids(group_id: str | None, dedup_id: str | None) -> tuple[str | None, str | None]:
    """FIFO group and deduplication ids SQS takes, derived from the runtime's own."""
    return (None if group_id is None else fifo_id(group_id), None if dedup_id is None else fifo_id(dedup_id))


class _SealedQueue:
    """A queue whose sends are sealed and whose FIFO ids are derived (see Services)."""

    def __init__(self, inner: Queue, claims: ClaimCheck) -> None:
        self.inner: Queue = inner.inner if isinstance(inner, _SealedQueue) else inner
        self._claims = claims
        self.name = self.inner.name
        self.fifo = self.inner.fifo

    def send(self, body: str, *, group_id: str | None = None, dedup_id: str | None = None) -> None:
        group_id, dedup_id = _fifo_ids(group_id, dedup_id)
        self.inner.send(self._claims.seal(body), group_id=group_id, dedup_id=dedup_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _SealedTimers:
    """A timer service whose bodies are sealed and whose FIFO ids are derived."""

    def __init__(self, inner: TimerService, claims: ClaimCheck) -> None:
        self.inner: TimerService = inner.inner if isinstance(inner, _SealedTimers) else inner
        self._claims = claims

    def schedule(
        self, fire_at: float, queue: str, body: str, *, group_id: str | None = None, dedup_id: str | None = None
    ) -> None:
        group_id, dedup_id = _fifo_ids(group_id, dedup_id)
        self.inner.schedule(fire_at, queue, self._claims.seal(body, nested=True), group_id=group_id, dedup_id=dedup_id)

    def cancel(self, queue: str, *, dedup_id: str) -> None:
        # The id the schedule was made under: derived as schedule() derived it.
        self.inner.cancel(queue, dedup_id=fifo_id(dedup_id))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _SealedInvoker:
    """An invoker whose bodies are sealed, as a queue's are."""

    def __init__(self, inner: OrchestratorInvoker, claims: ClaimCheck) -> None:
        self.inner: OrchestratorInvoker = inner.inner if isinstance(inner, _SealedInvoker) else inner
        self._claims = claims

    def deliver(self, bodies: list[str]) -> None:
        self.inner.deliver([self._claims.seal(body) for body in bodies])


def unsealed_timers(timers: TimerService) -> TimerService:
    """The timer service under the sealing that :class:`Services` adds (itself if not sealed)."""
    return timers.inner if isinstance(timers, _SealedTimers) else timers
