"""Schedules on AWS: their items in the executions table, their firing by EventBridge Scheduler.

Store: items ``pk = "sch"``, ``sk = <schedule id>`` in the executions table, holding the
schedule's JSON document (``doc``) and a ``version`` that every write is conditional on.
One partition for all schedules: listing them is a Query, not a Scan of the executions,
and these items carry none of the attributes the visibility indexes key on, so they stay
out of workflow listings. A deployment has few schedules and each writes a few times per
action, far below a partition's limits.

Firing: each durable schedule has one EventBridge Scheduler schedule, a one-time
``at(...)`` expression armed for its next action and re-armed after each one. Its target
is the FIFO inbox (message group ``schedule:<id>``); the inbox's content-based
deduplication and the runner's check of the armed time make a repeated delivery harmless.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.executions import checked
from durable._aws.lazy_client import LazyClient
from durable._limits import check_id, short_key
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import ScheduleAlreadyExists, ScheduleConflict, ScheduleNotFound, StoredSchedule
from durable._runtime.services import schedule_group

__all__ = [
    "SCHEDULES_PARTITION",
    "DynamoScheduleStore",
    "EventBridgeScheduleFiring",
    "schedule_item",
    "scheduler_name",
    "stored_schedule",
]

SCHEDULES_PARTITION = "sch"
"""Partition key of every schedule item (the stack conditions the API's DeleteItem on it)."""
_PK = SCHEDULES_PARTITION


def _key(schedule_id: str) -> dict[str, Any]:
    # A digest stands in for a long id: a sort key holds 1,024 bytes at most.
    return {"pk": {"S": _PK}, "sk": {"S": short_key(schedule_id)}}


def schedule_item(schedule_id: str, doc: dict[str, Any], version: int, claims: ClaimCheck) -> dict[str, Any]:
    """A schedule's item (shared with the in-memory twin, which refuses what DynamoDB refuses).

    The document holds the action's arguments (payloads of up to 2 MB): a large one is
    stored by reference, so the item stays under 400 KB.
    """
    check_id("schedule id", schedule_id)
    item = {
        **_key(schedule_id),
        "schedule_id": {"S": schedule_id},
        "doc": claims.attribute(json.dumps(doc), what=f"schedule {schedule_id!r}"),
        "version": {"N": str(version)},
    }
    return checked(item, f"schedule {schedule_id!r}")


def stored_schedule(item: dict[str, Any], claims: ClaimCheck) -> StoredSchedule:
    """The schedule an item of :func:`schedule_item` holds (items of older releases have no ``schedule_id``)."""
    schedule_id = item.get("schedule_id", item["sk"])["S"]
    return StoredSchedule(schedule_id, json.loads(claims.text(item["doc"])), int(item["version"]["N"]))


def _condition_failed(e: ClientError) -> bool:
    code: str = e.response["Error"]["Code"]  # botocore's response is untyped JSON
    return code == "ConditionalCheckFailedException"


class DynamoScheduleStore(LazyClient):
    """:class:`~durable._runtime.ports.ScheduleStore` on the executions table."""

    _service = "dynamodb"

    def __init__(self, table_name: str, client: Any | None = None, *, claims: ClaimCheck | None = None) -> None:
        """Use ``client`` (a boto3 DynamoDB client), or a default one made on first use."""
        super().__init__(client)
        self.table_name = table_name
        self.claims = claims or ClaimCheck(None)

    def create(self, schedule_id: str, doc: dict[str, Any]) -> None:
        """Insert at version 1; ScheduleAlreadyExists if the id is taken."""
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=schedule_item(schedule_id, doc, 1, self.claims),
                ConditionExpression="attribute_not_exists(pk)",  # two creates of one id: one wins
            )
        except ClientError as e:
            if _condition_failed(e):
                raise ScheduleAlreadyExists(schedule_id) from e
            raise

    def get(self, schedule_id: str) -> StoredSchedule:
        """Read one (consistent read); ScheduleNotFound if absent."""
        item = self.client.get_item(TableName=self.table_name, Key=_key(schedule_id), ConsistentRead=True).get("Item")
        if item is None:
            raise ScheduleNotFound(schedule_id)
        return stored_schedule(item, self.claims)

    def put(self, schedule_id: str, doc: dict[str, Any], *, version: int) -> None:
        """Replace if still at ``version``; ScheduleConflict otherwise."""
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=schedule_item(schedule_id, doc, version + 1, self.claims),
                # Closes the race between a fire and a pause/update (or two fires): the
                # writer that read an older version loses and reads again.
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": {"N": str(version)}},
            )
        except ClientError as e:
            if _condition_failed(e):
                raise ScheduleConflict(schedule_id) from e
            raise

    def delete(self, schedule_id: str) -> None:
        """Remove it, if there."""
        self.client.delete_item(TableName=self.table_name, Key=_key(schedule_id))

    def list(self) -> list[StoredSchedule]:
        """Every schedule, by id (a Query of the schedules' partition)."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": _PK}},
            "ConsistentRead": True,
        }
        out: list[StoredSchedule] = []
        while True:
            page = self.client.query(**request)
            out += [stored_schedule(i, self.claims) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return sorted(out, key=lambda stored: stored.schedule_id)  # digests of long ids sort elsewhere
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scheduler_name(schedule_id: str) -> str:
    """The EventBridge Scheduler name of a schedule: 64 characters of ``[0-9A-Za-z-_.]``,
    so a readable prefix of the id and a hash that keeps distinct ids apart."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in schedule_id)[:40]
    return f"{safe}-{hashlib.sha256(schedule_id.encode()).hexdigest()[:16]}"


class EventBridgeScheduleFiring(LazyClient):
    """:class:`~durable._runtime.ports.ScheduleFiring` on EventBridge Scheduler."""

    _service = "scheduler"

    def __init__(
        self,
        *,
        group_name: str,
        inbox_arn: str,
        role_arn: str,
        client: Any | None = None,
        dead_letter_arn: str | None = None,
    ) -> None:
        """Schedules live in ``group_name`` and deliver to ``inbox_arn`` as ``role_arn``; a fire
        Scheduler gives up on goes to the queue ``dead_letter_arn`` (the schedule DLQ)."""
        super().__init__(client)
        self.dead_letter_arn = dead_letter_arn
        self.group_name = group_name
        self.inbox_arn = inbox_arn
        self.role_arn = role_arn

    def arm(self, schedule_id: str, fire_at: float, body: str) -> None:
        """Create or update the schedule's one-time ``at()`` entry."""
        # Rounded up to the second: an action may start late by under a second, never early.
        at = datetime.fromtimestamp(math.ceil(fire_at), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        request: dict[str, Any] = {
            "Name": scheduler_name(schedule_id),
            "GroupName": self.group_name,
            "ScheduleExpression": f"at({at})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": self.inbox_arn,
                "RoleArn": self.role_arn,
                "Input": body,
                "SqsParameters": {"MessageGroupId": schedule_group(schedule_id)},
                "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
            },
            "Description": f"durable schedule {schedule_id}"[:512],
        }
        if self.dead_letter_arn is not None:
            # Create and update alike: an update replaces the whole target, its DLQ included.
            request["Target"]["DeadLetterConfig"] = {"Arn": self.dead_letter_arn}
        try:
            self.client.update_schedule(**request)
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            try:
                self.client.create_schedule(**request)
            except ClientError as e2:  # created meanwhile by a racing arm: update it
                if e2.response["Error"]["Code"] != "ConflictException":
                    raise
                self.client.update_schedule(**request)

    def disarm(self, schedule_id: str) -> None:
        """Delete the schedule's entry (no error if it is gone)."""
        try:
            self.client.delete_schedule(Name=scheduler_name(schedule_id), GroupName=self.group_name)
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
