"""The schedule DLQ on SQS: a standard queue that EventBridge Scheduler sends its dead letters to.

Scheduler writes the messages (the target's input as the body, the reasons as message
attributes); the reconciler reads them with their attributes and forwards them. ``send`` is the
local environment's: there, the dispatcher plays Scheduler on moto's SQS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from durable._aws.lazy_client import LazyClient
from durable._runtime.schedule_dead_letter_port import (
    ScheduleDeadLetter,
    SchedulerDeadLetterAttributes,
    attributes_of,
)

__all__ = ["SqsScheduleDeadLetters"]

_MAX_BATCH = 10


class SqsScheduleDeadLetters(LazyClient):
    """:class:`~durable._runtime.schedule_dead_letter_port.ScheduleDeadLetters` on an SQS queue."""

    _service = "sqs"

    def __init__(self, url: str, *, queue_of: Callable[[str], str | None], client: Any | None = None) -> None:
        """The queue at ``url``; ``queue_of`` names the engine's queue a target ARN is."""
        super().__init__(client)
        self.url = url
        self._queue_of = queue_of

    def send(self, body: str, attributes: SchedulerDeadLetterAttributes) -> None:
        """One dead letter, as Scheduler sends it (String attributes; an empty one left out,
        since SQS refuses an empty attribute value)."""
        self.client.send_message(
            QueueUrl=self.url,
            MessageBody=body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
            },
        )

    def receive(self, max_messages: int = 10) -> list[ScheduleDeadLetter]:
        """Up to ``max_messages`` dead letters, with their attributes."""
        response = self.client.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max(1, min(max_messages, _MAX_BATCH)),
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            WaitTimeSeconds=0,
        )
        return [
            ScheduleDeadLetter(
                message_id=m["MessageId"],
                body=m["Body"],
                receipt=m["ReceiptHandle"],
                receive_count=int(m.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
                attributes=attributes_of(
                    {name: a.get("StringValue", "") for name, a in m.get("MessageAttributes", {}).items()}
                ),
            )
            for m in response.get("Messages", [])
        ]

    def delete(self, receipts: list[str]) -> None:
        """Delete them, ten per request."""
        for start in range(0, len(receipts), _MAX_BATCH):
            batch = receipts[start : start + _MAX_BATCH]
            self.client.delete_message_batch(
                QueueUrl=self.url, Entries=[{"Id": str(i), "ReceiptHandle": r} for i, r in enumerate(batch)]
            )

    def release(self, receipt: str) -> None:
        """Visible again at once."""
        self.client.change_message_visibility(QueueUrl=self.url, ReceiptHandle=receipt, VisibilityTimeout=0)

    def count(self) -> int:
        """SQS's approximate count, in flight included."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )

    def queue_of(self, target_arn: str) -> str | None:
        """The engine's queue ``target_arn`` names, if any."""
        return self._queue_of(target_arn)
