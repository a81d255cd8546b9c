"""The event log on DynamoDB: one partition per execution, one item per record.

Item layout (table keys ``pk`` S, ``sk`` N):

- ``pk``: the execution key string
- ``sk``: the id of the record's first event (the position the conditional put claims)
- ``last``: the id of the record's last event
- ``v``: item format version (1)
- ``expires_at``: absent while the run may still grow; set on every item of a closed run
  once it is archived (:mod:`durable._runtime.retention`), the table's TTL attribute
- ``events``: the record's events as one compact JSON string (``S``), or, above
  :data:`~durable._runtime.claimcheck.HISTORY_INLINE_BYTES`, a reference to that string in
  the payload store (``M``: ``ref``, ``bytes``), so no decision can outgrow an item
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient
from durable._limits import DYNAMODB_ITEM_BYTES, DYNAMODB_PARTITION_KEY_BYTES, dynamodb_item_size
from durable._replay.events import Event
from durable._runtime.claimcheck import HISTORY_INLINE_BYTES, ClaimCheck
from durable._runtime.ports import HistoryConflict, WriteTooLarge

__all__ = ["DynamoHistoryStore", "FORMAT_VERSION", "history_item", "record_events"]

FORMAT_VERSION = 1


def history_item(execution: str, events: list[Event], claims: ClaimCheck) -> dict[str, Any]:
    """The item of one record, checked against DynamoDB's limits (WriteTooLarge if over).

    Shared with the in-memory twin, so both store and refuse exactly the same items.
    """
    if not events:
        raise ValueError("a history record needs at least one event")
    if len(execution.encode("utf-8", "surrogatepass")) > DYNAMODB_PARTITION_KEY_BYTES:
        raise WriteTooLarge(
            f"history key of {len(execution.encode())} bytes is over DynamoDB's {DYNAMODB_PARTITION_KEY_BYTES}"
        )
    first, last = int(events[0]["event_id"]), int(events[-1]["event_id"])
    text = json.dumps(events, separators=(",", ":"))
    item = {
        "pk": {"S": execution},
        "sk": {"N": str(first)},
        "last": {"N": str(last)},
        "v": {"N": str(FORMAT_VERSION)},
        "events": claims.attribute(text, inline_bytes=HISTORY_INLINE_BYTES, what=f"history record {first}-{last}"),
    }
    size = dynamodb_item_size(item)
    if size > DYNAMODB_ITEM_BYTES:
        raise WriteTooLarge(
            f"history record {first}-{last} of {execution!r} is a {size}-byte item, over DynamoDB's 400 KB"
        )
    return item


def record_events(item: dict[str, Any], claims: ClaimCheck) -> list[Event]:
    """The events an item of :func:`history_item` holds."""
    if item["v"]["N"] != str(FORMAT_VERSION):
        # Written by a newer release: refuse rather than misread the log.
        raise ValueError(f"unknown history item format {item['v']['N']}")
    events: list[Event] = json.loads(claims.text(item["events"]))
    return events


class DynamoHistoryStore(LazyClient):
    """:class:`~durable._runtime.ports.HistoryStore` on a DynamoDB table."""

    _service = "dynamodb"

    def __init__(self, table_name: str, client: Any | None = None, *, claims: ClaimCheck | None = None) -> None:
        """Use ``client`` (a boto3 DynamoDB client), or a default one made on first use.

        ``claims`` holds records too large to inline; without one, such a record raises
        WriteTooLarge.
        """
        super().__init__(client)
        self.table_name = table_name
        self.claims = claims or ClaimCheck(None)

    def append(self, execution: str, events: list[Event]) -> None:
        """Write one record keyed by its first event id; HistoryConflict if it exists."""
        item = history_item(execution, events, self.claims)
        first = int(events[0]["event_id"])
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                # Closes the race between two orchestrators that replayed the same log and
                # both try to commit the next decision: only the first put of a key lands.
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise HistoryConflict(f"history of {execution!r} already has a record at event {first}") from e
            raise

    def load(self, execution: str, after_event_id: int = 0) -> list[Event]:
        """Events of the records that start after ``after_event_id``, in order.

        Records are keyed by their first event id, so ``sk > after`` selects exactly the
        events above ``after_event_id`` when it is a record boundary (callers only pass
        the last event id of a record they already hold, or 0).
        """
        events: list[Event] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk > :after",
            "ExpressionAttributeValues": {
                ":pk": {"S": execution},
                ":after": {"N": str(int(after_event_id))},
            },
            # The orchestrator must see its own and its rival's last commit.
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**request)
            for item in page.get("Items", []):
                events.extend(record_events(item, self.claims))
            if "LastEvaluatedKey" not in page:  # a page stops at 1 MB
                return events
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def expire(self, execution: str, expires_at: int) -> None:
        """Set ``expires_at`` (the table's TTL attribute) on every record of the run.

        One UpdateItem per record: the records' keys are read first (a Query of the keys only).
        """
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": execution}},
            "ProjectionExpression": "pk, sk",
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**request)
            for item in page.get("Items", []):
                try:
                    self.client.update_item(
                        TableName=self.table_name,
                        Key={"pk": item["pk"], "sk": item["sk"]},
                        UpdateExpression="SET expires_at = :at",
                        # Never creates an item: a record that expired meanwhile stays gone.
                        ConditionExpression="attribute_exists(sk)",
                        ExpressionAttributeValues={":at": {"N": str(int(expires_at))}},
                    )
                except ClientError as e:
                    if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                        raise
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
