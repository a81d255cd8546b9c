"""Executions (visibility) and activity heartbeats on one DynamoDB table.

Table keys are generic (``pk`` S, ``sk`` S) so one table holds several item kinds:

- execution: ``pk = wf#<workflow_id>``, ``sk = run``; one item per workflow id, the
  latest run, with one attribute per :class:`ExecutionRecord` field (``task_failure``
  as a JSON string, absent when None; times as numbers).
- heartbeat: ``pk = hb#<execution>``, ``sk = <activity_id>``; ``attempt``, ``details``
  (JSON string), ``at``, ``cancel_requested``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.lazy_client import LazyClient
from durable._runtime.ports import (
    CLOSED_STATUSES,
    ExecutionAlreadyRunning,
    ExecutionIdInUse,
    ExecutionNotFound,
    ExecutionRecord,
    HeartbeatRecord,
)

__all__ = ["DynamoExecutionStore"]

_RUN_SK = "run"
_RUNNING = "RUNNING"


def _execution_key(workflow_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"wf#{workflow_id}"}, "sk": {"S": _RUN_SK}}


def _heartbeat_key(execution: str, activity_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"hb#{execution}"}, "sk": {"S": activity_id}}


def _num(value: float) -> dict[str, str]:
    # repr() is the shortest text that reads back as the same float; fixed-point because
    # repr may use an exponent (1e-05) and a DynamoDB number is plain digits.
    return {"N": format(Decimal(repr(value)), "f")}


def _to_item(record: ExecutionRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_execution_key(record.workflow_id),
        "workflow_id": {"S": record.workflow_id},
        "run_id": {"S": record.run_id},
        "workflow_type": {"S": record.workflow_type},
        "task_queue": {"S": record.task_queue},
        "status": {"S": record.status},
        "start_time": _num(record.start_time),
        "history_length": {"N": str(int(record.history_length))},
    }
    if record.close_time is not None:
        item["close_time"] = _num(record.close_time)
    if record.task_failure is not None:
        item["task_failure"] = {"S": json.dumps(record.task_failure, separators=(",", ":"))}
    return item


def _from_item(item: dict[str, Any]) -> ExecutionRecord:
    return ExecutionRecord(
        workflow_id=item["workflow_id"]["S"],
        run_id=item["run_id"]["S"],
        workflow_type=item["workflow_type"]["S"],
        task_queue=item["task_queue"]["S"],
        status=item["status"]["S"],
        start_time=float(item["start_time"]["N"]),
        close_time=float(item["close_time"]["N"]) if "close_time" in item else None,
        history_length=int(item["history_length"]["N"]),
        task_failure=json.loads(item["task_failure"]["S"]) if "task_failure" in item else None,
    )


def _is_condition_failure(e: ClientError) -> bool:
    return e.response["Error"]["Code"] == "ConditionalCheckFailedException"


class DynamoExecutionStore(LazyClient):
    """:class:`~durable._runtime.ports.ExecutionStore` on a DynamoDB table."""

    _service = "dynamodb"

    def __init__(self, table_name: str, client: Any | None = None, *, retention_seconds: float = 30 * 24 * 3600) -> None:
        """Use ``client`` (a boto3 DynamoDB client), or a default one made on first use.

        Closed executions are kept ``retention_seconds`` (the table's TTL removes them after).
        """
        super().__init__(client)
        self.table_name = table_name
        self.retention_seconds = retention_seconds


    # -- executions --------------------------------------------------------------------

    def create(self, record: ExecutionRecord, *, replaceable: frozenset[str] = CLOSED_STATUSES) -> None:
        """Insert the record, replacing a previous run whose status is replaceable."""
        statuses = sorted(replaceable - {_RUNNING})
        values = {f":s{i}": {"S": status} for i, status in enumerate(statuses)}
        # Closes the race between two starts of one workflow id: the check of the previous
        # run's status and the write of the new run are one atomic step.
        condition = "attribute_not_exists(pk)"
        if statuses:
            condition += f" OR #status IN ({', '.join(values)})"
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=_to_item(record),
                ConditionExpression=condition,
                **({"ExpressionAttributeNames": {"#status": "status"}, "ExpressionAttributeValues": values} if statuses else {}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as e:
            if not _is_condition_failure(e):
                raise
            old = e.response.get("Item")
            if old is None:  # not every endpoint returns the item; read it then
                old = self.client.get_item(
                    TableName=self.table_name,
                    Key=_execution_key(record.workflow_id),
                    ConsistentRead=True,
                ).get("Item", {})
            status = old.get("status", {}).get("S", _RUNNING)
            error = ExecutionAlreadyRunning if status == _RUNNING else ExecutionIdInUse
            raise error(
                record.workflow_id,
                old.get("run_id", {}).get("S", ""),
                old.get("workflow_type", {}).get("S", ""),
                status,
            ) from e

    def get(self, workflow_id: str) -> ExecutionRecord:
        """The latest run of ``workflow_id``; ExecutionNotFound if there is none."""
        response = self.client.get_item(
            TableName=self.table_name, Key=_execution_key(workflow_id), ConsistentRead=True
        )
        if "Item" not in response:
            raise ExecutionNotFound(f"no execution with workflow id {workflow_id!r}")
        return _from_item(response["Item"])

    def close(
        self, workflow_id: str, run_id: str, status: str, close_time: float, history_length: int
    ) -> None:
        """Mark the run closed; a no-op when that run is not the RUNNING one."""
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=_execution_key(workflow_id),
                # expires_at: the table's TTL attribute, so closed executions age out.
                UpdateExpression="SET #status = :status, close_time = :ct, history_length = :hl, expires_at = :ttl",
                # Closes the race with a newer run of the same id (started after this one
                # closed) and with a second close of this run: only the RUNNING run with
                # this run id may be closed, once.
                ConditionExpression="run_id = :run AND #status = :running",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": {"S": status},
                    ":ct": _num(close_time),
                    ":hl": {"N": str(int(history_length))},
                    ":ttl": {"N": str(int(close_time + self.retention_seconds))},
                    ":run": {"S": run_id},
                    ":running": {"S": _RUNNING},
                },
            )
        except ClientError as e:
            if not _is_condition_failure(e):
                raise
            # Documented no-op: the run was already closed or replaced.

    def set_task_failure(
        self, workflow_id: str, run_id: str, failure: dict[str, Any] | None
    ) -> None:
        """Record (or clear, with None) the run's workflow-task failure; no-op for a stale run."""
        values: dict[str, Any] = {":run": {"S": run_id}}
        if failure is None:
            update = "REMOVE task_failure"
        else:
            update = "SET task_failure = :f"
            values[":f"] = {"S": json.dumps(failure, separators=(",", ":"))}
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=_execution_key(workflow_id),
                UpdateExpression=update,
                # Closes the race with a newer run of the same workflow id: a late task of
                # an old run must not mark the new one as failing. It also keeps the
                # update from creating an item for an unknown workflow id.
                ConditionExpression="run_id = :run",
                ExpressionAttributeValues=values,
            )
        except ClientError as e:
            if not _is_condition_failure(e):
                raise

    # -- heartbeats --------------------------------------------------------------------

    def record_heartbeat(
        self, execution: str, activity_id: str, attempt: int, details: list[Any], at: float
    ) -> bool:
        """Store the attempt's heartbeat; returns whether cancellation was requested."""
        response = self.client.update_item(
            TableName=self.table_name,
            Key=_heartbeat_key(execution, activity_id),
            # One update that also returns the cancel flag: a cancel request written at
            # any moment is seen by the next heartbeat, with no read-then-write gap.
            UpdateExpression="SET #attempt = :attempt, #details = :details, #at = :at",
            ExpressionAttributeNames={"#attempt": "attempt", "#details": "details", "#at": "at"},
            ExpressionAttributeValues={
                ":attempt": {"N": str(int(attempt))},
                ":details": {"S": json.dumps(details, separators=(",", ":"))},
                ":at": _num(at),
            },
            ReturnValues="ALL_NEW",
        )
        return response["Attributes"].get("cancel_requested", {}).get("BOOL", False)

    def request_activity_cancel(self, execution: str, activity_id: str) -> None:
        """Flag the activity so its next heartbeat learns it must cancel."""
        self.client.update_item(
            TableName=self.table_name,
            Key=_heartbeat_key(execution, activity_id),
            UpdateExpression="SET cancel_requested = :yes",
            ExpressionAttributeValues={":yes": {"BOOL": True}},
        )

    def get_heartbeat(self, execution: str, activity_id: str) -> HeartbeatRecord | None:
        """The activity's heartbeat record, or None if it never heartbeated nor was cancelled."""
        item = self.client.get_item(
            TableName=self.table_name,
            Key=_heartbeat_key(execution, activity_id),
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        return HeartbeatRecord(
            attempt=int(item["attempt"]["N"]) if "attempt" in item else 0,
            details=json.loads(item["details"]["S"]) if "details" in item else [],
            at=float(item["at"]["N"]) if "at" in item else None,
            cancel_requested=item.get("cancel_requested", {}).get("BOOL", False),
        )

    # Last in the class: a method named ``list`` shadows the builtin for what follows.
    def list(self, *, status: str | None = None, limit: int = 100) -> list[ExecutionRecord]:
        """Latest runs, newest start first, optionally only those with ``status``.

        A Scan for now: the visibility work brings a GSI to list and filter by status and
        start time without reading the whole table.
        """
        filters = ["begins_with(pk, :wf)", "sk = :run"]
        values: dict[str, Any] = {":wf": {"S": "wf#"}, ":run": {"S": _RUN_SK}}
        names: dict[str, str] = {}
        if status is not None:
            filters.append("#status = :status")
            names["#status"] = "status"
            values[":status"] = {"S": status}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "FilterExpression": " AND ".join(filters),
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        if names:
            request["ExpressionAttributeNames"] = names
        records: list[ExecutionRecord] = []
        while True:
            page = self.client.scan(**request)
            records.extend(_from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        # Workflow id breaks ties so both adapters give one order.
        records.sort(key=lambda r: r.workflow_id)
        records.sort(key=lambda r: r.start_time, reverse=True)
        return records[: max(0, limit)]
