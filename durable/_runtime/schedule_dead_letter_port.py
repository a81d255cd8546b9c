"""The schedule DLQ's port: where EventBridge Scheduler puts a delivery it gave up on.

Scheduler's dead-letter message (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html):
the body is the target's input, the message the schedule would have delivered; its message
attributes say why and where (``ERROR_CODE``, ``ERROR_MESSAGE``, ``EXECUTION_ID``,
``RETRY_ATTEMPTS``, ``SCHEDULE_ARN``, ``TARGET_ARN``). The queue is a standard one: Scheduler
refuses a FIFO dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, TypedDict

__all__ = [
    "ERROR_CODE",
    "ERROR_MESSAGE",
    "EXECUTION_ID",
    "RETRY_ATTEMPTS",
    "SCHEDULE_ARN",
    "SCHEDULE_DLQ",
    "TARGET_ARN",
    "ScheduleDeadLetter",
    "ScheduleDeadLetters",
    "SchedulerDeadLetterAttributes",
    "attributes_of",
]

SCHEDULE_DLQ = "schedule-dlq"
"""The logical name of the schedule DLQ (``durable dlq`` lists it as ``schedules``)."""

ERROR_CODE = "ERROR_CODE"
ERROR_MESSAGE = "ERROR_MESSAGE"
EXECUTION_ID = "EXECUTION_ID"
RETRY_ATTEMPTS = "RETRY_ATTEMPTS"
SCHEDULE_ARN = "SCHEDULE_ARN"
TARGET_ARN = "TARGET_ARN"


class SchedulerDeadLetterAttributes(TypedDict):
    """The message attributes of Scheduler's dead-letter message (all strings on SQS)."""

    ERROR_CODE: str
    ERROR_MESSAGE: str
    EXECUTION_ID: str
    RETRY_ATTEMPTS: str
    SCHEDULE_ARN: str
    TARGET_ARN: str


@dataclass(frozen=True)
class ScheduleDeadLetter:
    """One received dead letter: the undelivered input, and where it was going."""

    message_id: str
    body: str
    """The schedule's target input: the message it would have delivered."""
    receipt: str
    receive_count: int
    attributes: SchedulerDeadLetterAttributes

    @property
    def target_arn(self) -> str:
        """The ARN of the queue the delivery was for."""
        return self.attributes["TARGET_ARN"]


class ScheduleDeadLetters(Protocol):
    """The schedule DLQ: a standard SQS queue on AWS, twins of it locally."""

    def send(self, body: str, attributes: SchedulerDeadLetterAttributes) -> None:
        """Dead-letter ``body`` as Scheduler does (the local environment plays Scheduler)."""
        ...

    def receive(self, max_messages: int = 10) -> list[ScheduleDeadLetter]:
        """Up to ``max_messages`` dead letters; each stays invisible until deleted or released."""
        ...

    def delete(self, receipts: list[str]) -> None:
        """Drop forwarded dead letters."""
        ...

    def release(self, receipt: str) -> None:
        """Make a received dead letter visible again at once."""
        ...

    def count(self) -> int:
        """How many dead letters the queue holds."""
        ...

    def queue_of(self, target_arn: str) -> str | None:
        """The logical name of the queue ``target_arn`` names (``inbox.fifo``, an activity
        queue), None when it names none of this deployment's."""
        ...


def attributes_of(values: Mapping[str, str]) -> SchedulerDeadLetterAttributes:
    """The dead-letter attributes in ``values`` (a missing one is empty)."""
    return SchedulerDeadLetterAttributes(
        ERROR_CODE=values.get(ERROR_CODE, ""),
        ERROR_MESSAGE=values.get(ERROR_MESSAGE, ""),
        EXECUTION_ID=values.get(EXECUTION_ID, ""),
        RETRY_ATTEMPTS=values.get(RETRY_ATTEMPTS, ""),
        SCHEDULE_ARN=values.get(SCHEDULE_ARN, ""),
        TARGET_ARN=values.get(TARGET_ARN, ""),
    )
