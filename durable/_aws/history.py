"""The event log on DynamoDB: one partition per execution, one item per record.

Item layout (table keys ``pk`` S, ``sk`` N):

- ``pk``: the execution key string
- ``sk``: the id of the record's first event (the position the conditional put claims)
- ``last``: the id of the record's last event
- ``v``: item format version (1)
- ``events``: the record's events as one compact JSON string
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient
from durable._runtime.ports import HistoryConflict

__all__ = ["DynamoHistoryStore", "FORMAT_VERSION"]

FORMAT_VERSION = 1


class DynamoHistoryStore(LazyClient):
    """:class:`~durable._runtime.ports.HistoryStore` on a DynamoDB table."""

    _service = "dynamodb"

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        """Use ``client`` (a boto3 DynamoDB client), or a default one made on first use."""
        super().__init__(client)
        self.table_name = table_name

    def append(self, execution: str, events: list[dict[str, Any]]) -> None:
        """Write one record keyed by its first event id; HistoryConflict if it exists."""
        if not events:
            raise ValueError("a history record needs at least one event")
        first, last = int(events[0]["event_id"]), int(events[-1]["event_id"])
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={
                    "pk": {"S": execution},
                    "sk": {"N": str(first)},
                    "last": {"N": str(last)},
                    "v": {"N": str(FORMAT_VERSION)},
                    "events": {"S": json.dumps(events, separators=(",", ":"))},
                },
                # Closes the race between two orchestrators that replayed the same log and
                # both try to commit the next decision: only the first put of a key lands.
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise HistoryConflict(
                    f"history of {execution!r} already has a record at event {first}"
                ) from e
            raise

    def load(self, execution: str, after_event_id: int = 0) -> list[dict[str, Any]]:
        """Events of the records that start after ``after_event_id``, in order.

        Records are keyed by their first event id, so ``sk > after`` selects exactly the
        events above ``after_event_id`` when it is a record boundary (callers only pass
        the last event id of a record they already hold, or 0).
        """
        events: list[dict[str, Any]] = []
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
                if item["v"]["N"] != str(FORMAT_VERSION):
                    # Written by a newer release: refuse rather than misread the log.
                    raise ValueError(f"unknown history item format {item['v']['N']}")
                events.extend(json.loads(item["events"]["S"]))
            if "LastEvaluatedKey" not in page:  # a page stops at 1 MB
                return events
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
