"""Task queue rates on the executions table: one item per task queue, its next free slot.

Item: ``pk = rate#<task queue>``, ``sk = slots``, ``next_free`` (epoch seconds). It carries no
index key, so no listing sees it, and no TTL: one small item per rate-limited task queue.

A reservation is one conditional UpdateItem of two kinds, as the slot is either ahead of now
(busy: take it and move it on by the interval) or behind it (idle: take now). DynamoDB's update
expressions have no max(), so the two are separate conditional writes on one item; the one
tried first is the one this process last saw, so a queue under steady load pays one write per
attempt. Each write's condition closes the race with the other kind: a busy write cannot take a
slot in the past, and an idle write cannot move a slot another reserver took back to now.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient

__all__ = ["DynamoRateLimitStore"]

_SORT_KEY = "slots"


def _n(value: float) -> dict[str, str]:
    return {"N": format(Decimal(repr(float(value))), "f")}


class DynamoRateLimitStore(LazyClient):
    """:class:`~durable._workers.ports.RateLimitStore` on the executions table."""

    _service = "dynamodb"

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        """Use ``client`` (a boto3 DynamoDB client), or a default one made on first use."""
        super().__init__(client)
        self.table_name = table_name
        self._seen: dict[str, float] = {}
        """The next free slot each key had when this process last reserved (a hint only)."""

    def reserve(self, key: str, interval: float, now: float) -> float:
        """The key's next slot, not before ``now``; the one after it is ``interval`` later."""
        busy = self._seen.get(key, now) > now
        # At most three writes: a failed busy write means the slot was behind now, a failed idle
        # write that someone moved it ahead since; slots only move forward, so the next busy one holds.
        for _ in range(3):
            try:
                slot = self._take_next(key, interval, now) if busy else self._take_now(key, interval, now)
            except ClientError as e:
                if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                busy = not busy
                continue
            self._seen[key] = slot + interval
            return slot
        raise RuntimeError(f"rate slot of {key} not reserved after three conditional writes")

    def _take_next(self, key: str, interval: float, now: float) -> float:
        response = self.client.update_item(
            TableName=self.table_name,
            Key={"pk": {"S": key}, "sk": {"S": _SORT_KEY}},
            UpdateExpression="SET next_free = next_free + :interval",
            # Only a slot that is not in the past: an idle queue's slot is now, not a stale one.
            ConditionExpression="next_free >= :now",
            ExpressionAttributeValues={":interval": _n(interval), ":now": _n(now)},
            ReturnValues="UPDATED_OLD",  # the slot taken
        )
        return float(response["Attributes"]["next_free"]["N"])

    def _take_now(self, key: str, interval: float, now: float) -> float:
        self.client.update_item(
            TableName=self.table_name,
            Key={"pk": {"S": key}, "sk": {"S": _SORT_KEY}},
            UpdateExpression="SET next_free = :next",
            # Only while the slot is behind now: a slot another reserver moved ahead stays.
            ConditionExpression="attribute_not_exists(next_free) OR next_free < :now",
            ExpressionAttributeValues={":next": _n(now + interval), ":now": _n(now)},
        )
        return now
