"""SQS queues, each with its dead-letter queue: the inbox, the task queues, the timers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.naming import Names, dlq_name

__all__ = [
    "INBOX_MAX_RECEIVE_COUNT",
    "MAX_RECEIVE_COUNT",
    "DeadLetteredQueue",
    "Inbox",
    "ScheduleDeadLetters",
    "TaskQueues",
    "TimerQueue",
]

# A message received this many times without being deleted goes to the DLQ (as provision.py).
MAX_RECEIVE_COUNT = 5
# The inbox holds what was accepted (starts, signals, results): a message whose workflow
# task keeps failing is retried, not dead-lettered, as Temporal retries a failing workflow
# task; the run shows the error (describe, CLI, UI) and the failing-task alarms fire. SQS's
# maximum: 1,000 receives at the 3-minute visibility timeout is about two days to fix it.
INBOX_MAX_RECEIVE_COUNT = 1000
# Dead letters wait for a human as long as SQS allows.
_DLQ_RETENTION = Duration.days(14)


class DeadLetteredQueue(Construct):
    """A queue and its DLQ with redrive: SSE (SQS-managed keys), TLS required on both."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queue_name: str,
        visibility_timeout: Duration,
        retention: Duration | None = None,
        content_based_deduplication: bool = False,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        high_throughput: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        fifo = queue_name.endswith(".fifo")
        common = {
            "fifo": fifo or None,
            "encryption": sqs.QueueEncryption.SQS_MANAGED,
            "enforce_ssl": True,
        }
        self.dlq = sqs.Queue(self, "Dlq", queue_name=dlq_name(queue_name), retention_period=_DLQ_RETENTION, **common)
        # High-throughput FIFO: the send/receive quota is per message group, not per queue,
        # and a dedup id is compared within its group (as provision.HIGH_THROUGHPUT_FIFO).
        throughput = (
            {
                "deduplication_scope": sqs.DeduplicationScope.MESSAGE_GROUP,
                "fifo_throughput_limit": sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
            }
            if fifo and high_throughput
            else {}
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=queue_name,
            visibility_timeout=visibility_timeout,
            retention_period=retention or Duration.days(4),
            # The engine's senders pass explicit deduplication ids (its dedup keys), which win
            # over content-based deduplication where a queue has it on.
            content_based_deduplication=content_based_deduplication if fifo else None,
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dlq, max_receive_count=max_receive_count),
            **throughput,
            **common,
        )


class Inbox(DeadLetteredQueue):
    """The FIFO inbox: every change to a run arrives here, in its workflow id's message group.

    In SQS's high-throughput FIFO mode: one namespace's starts, signals and step results
    are not held to a FIFO queue's 300 sends a second. The engine's dedup ids are unique per
    run, whose messages all share a group, so per-group deduplication loses no guarantee.
    """

    def __init__(self, scope: Construct, construct_id: str, *, names: Names, visibility_timeout: Duration) -> None:
        # EventBridge Scheduler cannot pass a deduplication id and delivers schedules' fires
        # here: a FIFO target of Scheduler must deduplicate by content.
        super().__init__(
            scope,
            construct_id,
            queue_name=names.inbox,
            visibility_timeout=visibility_timeout,
            content_based_deduplication=True,
            max_receive_count=INBOX_MAX_RECEIVE_COUNT,
            high_throughput=True,
        )


class TimerQueue(DeadLetteredQueue):
    """The standard timer queue: timers ride it in hops of up to 15 minutes (SQS delays)."""

    def __init__(self, scope: Construct, construct_id: str, *, names: Names, visibility_timeout: Duration) -> None:
        super().__init__(scope, construct_id, queue_name=names.timers, visibility_timeout=visibility_timeout)


class TaskQueues(Construct):
    """One standard queue (and DLQ) per activity task queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        names: Names,
        task_queues: Iterable[str],
        visibility_timeout: Duration,
        visibility_timeouts: Mapping[str, Duration] | None = None,
    ) -> None:
        """``visibility_timeouts``: a task queue's own (its function's timeout differs), else ``visibility_timeout``."""
        super().__init__(scope, construct_id)
        own = visibility_timeouts or {}
        self.queues: dict[str, DeadLetteredQueue] = {
            tq: DeadLetteredQueue(
                self, tq, queue_name=names.activity_queue(tq), visibility_timeout=own.get(tq, visibility_timeout)
            )
            for tq in sorted(task_queues)
        }


class FailedDeliveries(Construct):
    """Where the orchestrator's asynchronous invocations go after their last retry (its
    dead-letter queue): activity outcomes whose delivery crashed three times. The reconciler
    forwards them to the inbox; anything left here raises the DLQ alarm."""

    def __init__(self, scope: Construct, construct_id: str, *, names: Names) -> None:
        super().__init__(scope, construct_id)
        self.queue = _dead_letter_queue(
            self,
            names.queue("orchestrator-dlq"),
            "the orchestrator function's on-failure destination for asynchronous invocations",
        )


class ScheduleDeadLetters(Construct):
    """Where EventBridge Scheduler puts a delivery it gave up on (every schedule's
    DeadLetterConfig): a long timer's or a cron/interval fire's message, once its retries for a
    day ran out. A standard queue, since Scheduler refuses a FIFO one. The reconciler forwards
    each to the queue it was for; anything left here raises the DLQ alarm."""

    def __init__(self, scope: Construct, construct_id: str, *, names: Names) -> None:
        super().__init__(scope, construct_id)
        self.queue = _dead_letter_queue(
            self, names.queue("schedule-dlq"), "EventBridge Scheduler's DeadLetterConfig for this namespace's schedules"
        )


def _dead_letter_queue(scope: Construct, queue_name: str, whose: str) -> sqs.Queue:
    """A dead-letter queue that no redrive policy names (``whose``): standard, encrypted,
    TLS-only, kept as long as the other DLQs."""
    queue = sqs.Queue(
        scope,
        "Queue",
        queue_name=queue_name,
        retention_period=_DLQ_RETENTION,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
    )
    Validations.of(queue).acknowledge(
        Acknowledgment(
            id="AwsSolutions-SQS3",
            reason=f"It is a dead-letter queue: {whose}, which cdk-nag cannot see as one (it only knows SQS "
            "redrive policies)",
        ),
    )
    return queue
