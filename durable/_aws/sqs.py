"""A queue on SQS: FIFO (name ends in ``.fifo``) or standard."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient
from durable._limits import check_message
from durable._runtime.ports import Message

__all__ = ["SqsQueue", "MAX_BATCH"]

# SQS's limit per ReceiveMessage and per batch call.
MAX_BATCH = 10

# Per-entry failures meaning "that message is gone already" (deleted, moved to the DLQ,
# or no longer in flight): acknowledging or releasing it again is a no-op, not an error.
_GONE = {"ReceiptHandleIsInvalid", "MessageNotInflight"}


def _gone(code: str | None) -> bool:
    # Query-compatible error codes may come prefixed: AWS.SimpleQueueService.MessageNotInflight
    return (code or "").rsplit(".", 1)[-1] in _GONE


class SqsQueue(LazyClient):
    """:class:`~durable._runtime.ports.Queue` on an SQS queue (and its DLQ)."""

    _service = "sqs"

    def __init__(
        self, name: str, url: str, client: Any | None = None, dlq_url: str | None = None
    ) -> None:
        """Use ``client`` (a boto3 SQS client), or a default one made on first use."""
        self.name = name
        self.url = url
        self.dlq_url = dlq_url
        self.fifo = name.endswith(".fifo")
        super().__init__(client)

    def send(
        self,
        body: str,
        *,
        group_id: str | None = None,
        dedup_id: str | None = None,
        delay_seconds: int = 0,
    ) -> None:
        """Enqueue ``body``; FIFO queues need ``group_id`` and ``dedup_id``.

        ``delay_seconds`` (0 to 900) is for standard queues only: FIFO queues have no
        per-message delay. On a standard queue ``group_id`` and ``dedup_id`` are ignored.
        """
        request: dict[str, Any] = {"QueueUrl": self.url, "MessageBody": body}
        if self.fifo:
            if group_id is None or dedup_id is None:
                raise ValueError(f"FIFO queue {self.name!r} needs a group_id and a dedup_id")
        # SQS's own checks, made here: moto lets through FIFO ids that AWS refuses.
        check_message(self.name, body, fifo=self.fifo, group_id=group_id, dedup_id=dedup_id)
        if self.fifo:
            if delay_seconds:
                raise ValueError(f"FIFO queue {self.name!r} takes no per-message delay")
            request["MessageGroupId"] = group_id
            request["MessageDeduplicationId"] = dedup_id
        elif delay_seconds:
            request["DelaySeconds"] = delay_seconds
        self.client.send_message(**request)

    def receive(self, max_messages: int = 10) -> list[Message]:
        """Up to ``min(max_messages, 10)`` visible messages, without waiting."""
        response = self.client.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max(1, min(max_messages, MAX_BATCH)),
            MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId"],
            WaitTimeSeconds=0,
        )
        return [
            Message(
                message_id=m["MessageId"],
                body=m["Body"],
                receipt=m["ReceiptHandle"],
                receive_count=int(m["Attributes"]["ApproximateReceiveCount"]),
                group_id=m["Attributes"].get("MessageGroupId") if self.fifo else None,
            )
            for m in response.get("Messages", [])
        ]

    def delete(self, receipts: list[str]) -> None:
        """Acknowledge messages (in batches of 10); receipts of gone messages are ignored."""
        for start in range(0, len(receipts), MAX_BATCH):
            chunk = receipts[start : start + MAX_BATCH]
            response = self.client.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "ReceiptHandle": r} for i, r in enumerate(chunk)],
            )
            failed = [f for f in response.get("Failed", []) if not _gone(f.get("Code"))]
            if failed:
                raise RuntimeError(f"SQS delete failed on {self.name!r}: {failed}")

    def release(self, receipt: str) -> None:
        """Make a received message visible again at once; no-op if it is gone."""
        try:
            self.client.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=receipt, VisibilityTimeout=0
            )
        except ClientError as e:
            if not _gone(e.response["Error"].get("Code")):
                raise

    def dead_letters(self) -> list[str]:
        """Bodies in the dead-letter queue, left there (received, then released).

        Best effort, for inspection and tests: a receive without waiting may miss
        messages, and a FIFO DLQ shows at most one batch per message group.
        """
        if self.dlq_url is None:
            return []
        bodies: list[str] = []
        receipts: list[str] = []
        while True:
            batch = self.client.receive_message(
                QueueUrl=self.dlq_url, MaxNumberOfMessages=MAX_BATCH, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                break
            bodies.extend(m["Body"] for m in batch)
            receipts.extend(m["ReceiptHandle"] for m in batch)
        # Released only after the loop, or the same messages would come back forever.
        for receipt in receipts:
            self.client.change_message_visibility(
                QueueUrl=self.dlq_url, ReceiptHandle=receipt, VisibilityTimeout=0
            )
        return bodies
