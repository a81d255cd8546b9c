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

    def __init__(self, name: str, url: str, client: Any | None = None, dlq_url: str | None = None) -> None:
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
        if self.fifo and (group_id is None or dedup_id is None):
            raise ValueError(f"FIFO queue {self.name!r} needs a group_id and a dedup_id")
        # SQS's own checks, made here: moto lets through FIFO ids that AWS refuses.
        check_message(self.name, body, fifo=self.fifo, group_id=group_id, dedup_id=dedup_id)
        request: dict[str, Any] = {"QueueUrl": self.url, "MessageBody": body}
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
        return self._receive_from(self.url, max_messages)

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
            self.client.change_message_visibility(QueueUrl=self.url, ReceiptHandle=receipt, VisibilityTimeout=0)
        except ClientError as e:
            if not _gone(e.response["Error"].get("Code")):
                raise

    def dead_letters(self) -> list[str]:
        """Bodies in the dead-letter queue, left there (see :meth:`dead_letter_messages`)."""
        return [m.body for m in self.dead_letter_messages()]

    def dead_letter_messages(self, limit: int = 1000) -> list[Message]:
        """Up to ``limit`` messages of the dead-letter queue, left there (received, then released).

        Best effort, for inspection: a receive without waiting may miss messages, and a
        FIFO DLQ shows at most one batch per message group (:meth:`dead_letter_count` counts all).
        """
        if self.dlq_url is None:
            return []
        out: list[Message] = []
        while len(out) < limit:
            batch = self._receive_dead(min(MAX_BATCH, limit - len(out)))
            if not batch:
                break
            out.extend(batch)
        # Released only after the loop, or the same messages would come back forever.
        for m in out:
            self.release_dead(m.receipt)
        return out

    def dead_letter_count(self) -> int:
        """How many messages the dead-letter queue holds (SQS's approximate count)."""
        if self.dlq_url is None:
            return 0
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.dlq_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )

    def redrive(self) -> int:
        """Move the dead letters back to this queue; returns how many moved.

        Each is sent again with its body (and, on FIFO, its group id and a dedup id made
        from its message id, so a redrive interrupted between the send and the delete
        and run again within five minutes sends it once), then deleted from the DLQ.
        Stops after as many as the DLQ held at the start: a message that dies again
        while this runs waits for the next redrive instead of circling.
        """
        if self.dlq_url is None:
            return 0
        budget, moved = self.dead_letter_count(), 0
        while moved < budget:
            batch = self._receive_dead(min(MAX_BATCH, budget - moved))
            if not batch:
                break
            entries: list[dict[str, Any]] = []
            for i, m in enumerate(batch):
                entry: dict[str, Any] = {"Id": str(i), "MessageBody": m.body}
                if self.fifo:
                    entry["MessageGroupId"] = m.group_id
                    entry["MessageDeduplicationId"] = f"redrive-{m.message_id}"
                entries.append(entry)
            response = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
            sent = [batch[int(s["Id"])] for s in response.get("Successful", [])]
            if sent:
                self.client.delete_message_batch(
                    QueueUrl=self.dlq_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m.receipt} for i, m in enumerate(sent)],
                )
            moved += len(sent)
            if response.get("Failed"):
                for m in batch:
                    if m not in sent:
                        self.release_dead(m.receipt)
                raise RuntimeError(f"redrive to {self.name!r} stopped after {moved}: SQS refused {response['Failed']}")
        return moved

    def _receive_dead(self, max_messages: int) -> list[Message]:
        assert self.dlq_url is not None
        return self._receive_from(self.dlq_url, max_messages)

    def _receive_from(self, url: str, max_messages: int) -> list[Message]:
        response = self.client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(max_messages, MAX_BATCH)),
            MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId", "SentTimestamp"],
            WaitTimeSeconds=0,
        )
        return [
            Message(
                message_id=m["MessageId"],
                body=m["Body"],
                receipt=m["ReceiptHandle"],
                receive_count=int(m.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
                group_id=m.get("Attributes", {}).get("MessageGroupId") if self.fifo else None,
                sent_at=_sent_at(m.get("Attributes", {})),
            )
            for m in response.get("Messages", [])
        ]

    def release_dead(self, receipt: str) -> None:
        """Make a received dead letter visible again at once."""
        self.client.change_message_visibility(QueueUrl=self.dlq_url, ReceiptHandle=receipt, VisibilityTimeout=0)


def _sent_at(attributes: dict[str, str]) -> float | None:
    """SQS's SentTimestamp (epoch milliseconds) in epoch seconds."""
    stamp = attributes.get("SentTimestamp")
    return int(stamp) / 1000 if stamp else None
