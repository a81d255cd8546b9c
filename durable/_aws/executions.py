"""Executions (visibility) and activity heartbeats on one DynamoDB table.

Table keys are generic (``pk`` S, ``sk`` S) so one table holds several item kinds:

- execution: ``pk = wf#<workflow_id>``, ``sk = run``; one item per workflow id, the
  latest run, with one attribute per :class:`ExecutionRecord` field (``task_failure``,
  ``memo`` and ``search_attributes`` as JSON strings, absent when empty; times as numbers).
- earlier run: ``pk = wf#<workflow_id>``, ``sk = v#<run_id>``; a copy of the execution
  item as it was when a new run replaced it, so closed runs stay listable (Temporal lists
  every run of a continue-as-new chain or of a reused id).

Both execution kinds carry the keys of three sparse GSIs (heartbeats carry none), each
sorted by ``start_key`` (:func:`~durable._runtime.ports.start_key`):
``by_start`` (``vis``: ``wf#<shard>``, every run), ``by_status_shard`` (``status_shard``:
``<status>#<shard>``) and ``by_type_shard`` (``type_shard``: ``<type>#<shard>``), the shard
a stable hash of the workflow id (:mod:`durable._aws.index_shards`): no partition key is
shared by a whole namespace, whose starts and closes would otherwise share one GSI
partition's 1,000 writes a second. A listing reads one index's shards (or the workflow
id's partition) and merges them in start order, never the whole table. Items written
before the shards (``vis`` = ``wf``, no shard attributes) are given their shard keys by
:mod:`durable._aws.reshard`.
- heartbeat: ``pk = hb#<execution>``, ``sk = <activity_id>``; ``attempt``, ``details``
  (JSON string), ``at``, ``cancel_requested``.
- update rejection: ``pk = upd#<execution>``, ``sk = <request id>``; ``failure`` (JSON
  string) and ``expires_at`` (the table's TTL: only the waiting caller needs it).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from durable._aws.index_shards import SHARDS, merge_in_order, shard_key, shard_keys
from durable._aws.lazy_client import LazyClient
from durable._limits import DYNAMODB_ITEM_BYTES, dynamodb_item_size, short_key
from durable._runtime.claimcheck import ClaimCheck
from durable._runtime.ports import (
    CLOSED_STATUSES,
    ExecutionAlreadyRunning,
    ExecutionIdInUse,
    ExecutionNotFound,
    ExecutionRecord,
    HeartbeatRecord,
    Selection,
    WriteTooLarge,
    start_key,
)
from durable._statuses import WorkflowExecutionStatus

__all__ = [
    "DynamoExecutionStore",
    "EXECUTION_INDEXES",
    "execution_item",
    "execution_record",
    "heartbeat_item",
    "rejection_item",
]

_RUN_SK = "run"
_EARLIER_SK = "v#"
_RUNNING = WorkflowExecutionStatus.RUNNING.name
_VIS = "wf"

EXECUTION_INDEXES = {
    "by_start": "vis",
    "by_status_shard": "status_shard",
    "by_type_shard": "type_shard",
}
"""GSI name -> partition key attribute (S); every index sorts by ``start_key`` (S) and
projects all attributes. The stack and ``provision.create_tables`` declare them."""


def _execution_key(workflow_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"wf#{workflow_id}"}, "sk": {"S": _RUN_SK}}


# Sort keys hold at most 1,024 bytes: activity and update ids a user chose may be longer,
# so a long one is replaced by its digest (the partition keys, at most about 1,050 bytes
# with a 1,000-byte workflow id, fit the 2,048 bytes of a partition key).
def _heartbeat_key(execution: str, activity_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"hb#{execution}"}, "sk": {"S": short_key(activity_id)}}


def _rejection_key(execution: str, request_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"upd#{execution}"}, "sk": {"S": short_key(request_id)}}


def checked(item: dict[str, Any], what: str) -> dict[str, Any]:
    """``item`` if DynamoDB would take its size; WriteTooLarge (nothing written) if not."""
    size = dynamodb_item_size(item)
    if size > DYNAMODB_ITEM_BYTES:
        raise WriteTooLarge(f"{what} is a {size}-byte item, over DynamoDB's 400 KB")
    return item


_REJECTION_TTL_SECONDS = 24 * 3600


def rejection_item(execution: str, request_id: str, failure: dict[str, Any], claims: ClaimCheck) -> dict[str, Any]:
    """The item keeping why an update was rejected (a day: only its waiting caller reads it)."""
    return checked(
        {
            **_rejection_key(execution, request_id),
            "failure": claims.attribute(_dumps(failure), what="an update rejection"),
            "expires_at": {"N": str(int(time.time() + _REJECTION_TTL_SECONDS))},
        },
        f"the rejection of update {request_id!r}",
    )


def _num(value: float) -> dict[str, str]:
    # repr() is the shortest text that reads back as the same float; fixed-point because
    # repr may use an exponent (1e-05) and a DynamoDB number is plain digits.
    return {"N": format(Decimal(repr(value)), "f")}


def execution_item(record: ExecutionRecord, claims: ClaimCheck) -> dict[str, Any]:
    """The item of an execution record (shared with the in-memory twin, which checks its size)."""
    return checked(_to_item(record, claims), f"the execution record of {record.workflow_id!r}")


def execution_record(item: dict[str, Any], claims: ClaimCheck) -> ExecutionRecord:
    """The record an item of :func:`execution_item` holds (shared with the SQLite store, which keeps items)."""
    return _from_item(item, claims)


def heartbeat_item(details: list[Any], claims: ClaimCheck) -> dict[str, Any]:
    """The details attribute of a heartbeat, inline or by reference."""
    return claims.attribute(_dumps(details), what="heartbeat details")


def _to_item(record: ExecutionRecord, claims: ClaimCheck) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_execution_key(record.workflow_id),
        "workflow_id": {"S": record.workflow_id},
        "run_id": {"S": record.run_id},
        "workflow_type": {"S": record.workflow_type},
        "task_queue": {"S": record.task_queue},
        "status": {"S": record.status.name},
        "start_time": _num(record.start_time),
        "history_length": {"N": str(int(record.history_length))},
        "vis": {"S": shard_key(_VIS, record.workflow_id)},
        "status_shard": {"S": shard_key(record.status.name, record.workflow_id)},
        "type_shard": {"S": shard_key(record.workflow_type, record.workflow_id)},
        "start_key": {"S": start_key(record)},
    }
    if record.close_time is not None:
        item["close_time"] = _num(record.close_time)
    if record.request_id is not None:
        item["request_id"] = {"S": record.request_id}
    if record.task_failure is not None:
        item["task_failure"] = claims.attribute(_dumps(record.task_failure), what="a task failure")
    if record.memo:
        item["memo"] = claims.attribute(_dumps(record.memo), what="a memo")
    if record.search_attributes:
        item["search_attributes"] = claims.attribute(_dumps(record.search_attributes), what="search attributes")
    if record.accepted_signals:  # a string set is never empty on DynamoDB
        item["accepted_signals"] = {"SS": sorted(record.accepted_signals)}
    if record.closing is not None:
        item["closing"] = _num(record.closing)
    return item


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _from_item(item: dict[str, Any], claims: ClaimCheck) -> ExecutionRecord:
    return ExecutionRecord(
        workflow_id=item["workflow_id"]["S"],
        run_id=item["run_id"]["S"],
        workflow_type=item["workflow_type"]["S"],
        task_queue=item["task_queue"]["S"],
        status=WorkflowExecutionStatus[item["status"]["S"]],
        start_time=float(item["start_time"]["N"]),
        close_time=float(item["close_time"]["N"]) if "close_time" in item else None,
        history_length=int(item["history_length"]["N"]),
        request_id=item["request_id"]["S"] if "request_id" in item else None,
        task_failure=json.loads(claims.text(item["task_failure"])) if "task_failure" in item else None,
        memo=json.loads(claims.text(item["memo"])) if "memo" in item else {},
        search_attributes=json.loads(claims.text(item["search_attributes"])) if "search_attributes" in item else {},
        accepted_signals=frozenset(item["accepted_signals"]["SS"]) if "accepted_signals" in item else frozenset(),
        closing=float(item["closing"]["N"]) if "closing" in item else None,
    )


def _is_condition_failure(e: ClientError) -> bool:
    code: str = e.response["Error"]["Code"]  # botocore's response is untyped JSON
    return code == "ConditionalCheckFailedException"


class DynamoExecutionStore(LazyClient):
    """:class:`~durable._runtime.ports.ExecutionStore` on a DynamoDB table."""

    _service = "dynamodb"

    def __init__(
        self,
        table_name: str,
        client: Any | None = None,
        *,
        retention_seconds: float = 30 * 24 * 3600,
        claims: ClaimCheck | None = None,
    ) -> None:
        """Use ``client`` (a boto3 DynamoDB client), or a default one made on first use.

        Closed executions are kept ``retention_seconds`` (the table's TTL removes them after).
        ``claims`` holds memos, failures and heartbeat details too large to inline.
        """
        super().__init__(client)
        self.claims = claims or ClaimCheck(None)
        self.table_name = table_name
        self.retention_seconds = retention_seconds

    # -- executions --------------------------------------------------------------------

    def create(
        self, record: ExecutionRecord, *, replaceable: frozenset[WorkflowExecutionStatus] = CLOSED_STATUSES
    ) -> None:
        """Insert the record, replacing (and keeping a copy of) a previous run whose status is replaceable."""
        item = execution_item(record, self.claims)
        try:
            # The common case, a new workflow id, costs one conditional put.
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return
        except ClientError as e:
            if not _is_condition_failure(e):
                raise
            old = e.response.get("Item") or self._read(record.workflow_id)
        allowed = {status.name for status in replaceable} - {_RUNNING}
        for _ in range(5):
            status = old.get("status", {}).get("S", _RUNNING) if old else ""
            if old and status not in allowed:
                error = ExecutionAlreadyRunning if status == _RUNNING else ExecutionIdInUse
                raise error(
                    record.workflow_id,
                    old.get("run_id", {}).get("S", ""),
                    old.get("workflow_type", {}).get("S", ""),
                    WorkflowExecutionStatus[status],
                )
            if self._replace(item, old):
                return
            old = self._read(record.workflow_id)
        raise ExecutionIdInUse(record.workflow_id, "", record.workflow_type, None)

    def _read(self, workflow_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(
            TableName=self.table_name, Key=_execution_key(workflow_id), ConsistentRead=True
        ).get("Item")
        return item

    def _replace(self, item: dict[str, Any], old: dict[str, Any] | None) -> bool:
        """Put ``item`` over the run ``old`` (keeping a copy of it); False if ``old`` changed meanwhile."""
        if old is None:
            put = {
                "Put": {"TableName": self.table_name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
            }
            writes = [put]
        else:
            # Closes the race between two starts of one workflow id (and with the close of
            # the old run): the new run replaces exactly the run that was read, and the
            # copy of that run is written in the same transaction, so it is never lost.
            put = {
                "Put": {
                    "TableName": self.table_name,
                    "Item": item,
                    "ConditionExpression": "run_id = :old AND #status = :status",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":old": old["run_id"], ":status": old["status"]},
                }
            }
            earlier = {**old, "sk": {"S": _EARLIER_SK + old["run_id"]["S"]}}
            writes = [put, {"Put": {"TableName": self.table_name, "Item": earlier}}]
        try:
            self.client.transact_write_items(TransactItems=writes)
            return True
        except ClientError as e:
            if e.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise

    def get(self, workflow_id: str) -> ExecutionRecord:
        """The latest run of ``workflow_id``; ExecutionNotFound if there is none."""
        response = self.client.get_item(TableName=self.table_name, Key=_execution_key(workflow_id), ConsistentRead=True)
        if "Item" not in response:
            raise ExecutionNotFound(f"no execution with workflow id {workflow_id!r}")
        return _from_item(response["Item"], self.claims)

    def close(
        self, workflow_id: str, run_id: str, status: WorkflowExecutionStatus, close_time: float, history_length: int
    ) -> None:
        """Mark the run closed; a no-op when that run is not the RUNNING one."""
        self._update_run(
            workflow_id,
            # expires_at: the table's TTL attribute, so closed executions age out;
            # status_shard moves the run to its new status's shard of by_status_shard.
            "SET #status = :status, status_shard = :shard, close_time = :ct, history_length = :hl, expires_at = :ttl",
            # Closes the race with a newer run of the same id (started after this one
            # closed) and with a second close of this run: only the RUNNING run with
            # this run id may be closed, once (a documented no-op otherwise).
            "run_id = :run AND #status = :running",
            {
                ":status": {"S": status.name},
                ":shard": {"S": shard_key(status.name, workflow_id)},
                ":ct": _num(close_time),
                ":hl": {"N": str(int(history_length))},
                ":ttl": {"N": str(int(close_time + self.retention_seconds))},
                ":running": {"S": _RUNNING},
            },
            {"#status": "status"},
            run_id=run_id,
        )

    def set_task_failure(self, workflow_id: str, run_id: str, failure: dict[str, Any] | None) -> None:
        """Record (or clear, with None) the run's workflow-task failure; no-op for a stale run."""
        values: dict[str, Any] = {}
        if failure is None:
            update = "REMOVE task_failure"
        else:
            update = "SET task_failure = :f"
            # No size check needed: every JSON attribute over 16 KB is a reference, and the
            # ids in the item are at most 1,000 bytes each, so the item stays far under 400 KB.
            values[":f"] = self.claims.attribute(_dumps(failure), what="a task failure")
        # The condition closes the race with a newer run of the same workflow id: a late task
        # of an old run must not mark the new one as failing. It also keeps the update from
        # creating an item for an unknown workflow id.
        self._update_run(workflow_id, update, "run_id = :run", values, run_id=run_id)

    def accept_signal(self, workflow_id: str, run_id: str, dedup: str) -> bool:
        """Add ``dedup`` to the run's accepted signals; False when the run is not RUNNING or is fenced."""
        return self._update_run(
            workflow_id,
            "ADD accepted_signals :dedup",
            "run_id = :run AND #status = :running AND attribute_not_exists(closing)",
            {":dedup": {"SS": [dedup]}, ":running": {"S": _RUNNING}},
            {"#status": "status"},
            run_id=run_id,
        )

    def fence_close(self, workflow_id: str, run_id: str, accepted: int, at: float) -> bool:
        """Fence the run's close if it holds exactly ``accepted`` accepted signals."""
        held = "attribute_not_exists(accepted_signals)" if accepted == 0 else "size(accepted_signals) = :n"
        values: dict[str, Any] = {":at": _num(at), ":running": {"S": _RUNNING}}
        if accepted:
            values[":n"] = {"N": str(accepted)}
        return self._update_run(
            workflow_id,
            "SET closing = :at",
            f"run_id = :run AND #status = :running AND {held}",
            values,
            {"#status": "status"},
            run_id=run_id,
        )

    def clear_fence(self, workflow_id: str, run_id: str, at: float) -> None:
        """Remove the fence set ``at``; no-op if the run was fenced again or closed."""
        self._update_run(
            workflow_id,
            "REMOVE closing",
            "run_id = :run AND #status = :running AND closing = :at",
            {":at": _num(at), ":running": {"S": _RUNNING}},
            {"#status": "status"},
            run_id=run_id,
        )

    def forget_signals(self, workflow_id: str, run_id: str, dedups: list[str]) -> None:
        """Drop applied signals from the run's accepted signals; no-op for a stale run."""
        if dedups:
            self._update_run(
                workflow_id,
                "DELETE accepted_signals :applied",
                "run_id = :run",
                {":applied": {"SS": sorted(set(dedups))}},
                run_id=run_id,
            )

    def _update_run(
        self,
        workflow_id: str,
        update: str,
        condition: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
        *,
        run_id: str,
    ) -> bool:
        """One conditional UpdateItem of the run's record; False when its condition failed."""
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=_execution_key(workflow_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues={**values, ":run": {"S": run_id}},
                **({"ExpressionAttributeNames": names} if names else {}),
            )
        except ClientError as e:
            if not _is_condition_failure(e):
                raise
            return False
        return True

    def set_visibility(self, workflow_id: str, run_id: str, search_attributes: dict[str, dict[str, Any]]) -> None:
        """Replace the run's search attributes (the whole map); no-op for a stale run."""
        values: dict[str, Any] = {}
        if search_attributes:
            update = "SET search_attributes = :sa"
            values[":sa"] = self.claims.attribute(_dumps(search_attributes), what="search attributes")
        else:
            update = "REMOVE search_attributes"
        # A late dispatch of an old run must not touch the run that replaced it.
        self._update_run(workflow_id, update, "run_id = :run", values, run_id=run_id)

    # -- listing -----------------------------------------------------------------------

    def scan(
        self, selection: Selection, *, after: str | None = None, page_size: int = 100
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        """Runs the selection picks, in start order, read from the narrowest index.

        The index's shards are read side by side and merged on ``start_key``; the cursor of
        a run is its ``start_key`` (unique), which places every shard at once. A workflow
        id's runs come from its partition instead.
        """
        if selection.workflow_id is not None:
            yield from self._scan_workflow(selection, after)
            return
        if selection.workflow_type is not None:
            index, value = "by_type_shard", selection.workflow_type
        elif selection.status is not None:
            index, value = "by_status_shard", selection.status.name
        else:
            index, value = "by_start", _VIS
        # Shards hold about equal shares: each page of a shard reads about its share of a
        # listing page (twice, for uneven hashing), and a shard that runs out reads on.
        limit = max(1, min(1000, -(-2 * page_size // SHARDS)))
        shards = [self._scan_shard(index, partition, selection, after, limit) for partition in shard_keys(value)]
        for record, key in merge_in_order(shards, ascending=selection.ascending):
            if selection.picks(record):
                yield record, key

    def _scan_shard(
        self, index: str, partition: str, selection: Selection, after: str | None, limit: int
    ) -> Iterator[tuple[ExecutionRecord, str]]:
        """One shard of an index, in start order, from just past ``after`` (a start key)."""
        low, high = selection.start_key_bounds()
        # The cursor is a bound too: inclusive here (a key condition has one range on the
        # sort key), and its own run is skipped below.
        if after is not None and selection.ascending:
            low = after if low is None else max(low, after)
        elif after is not None:
            high = after if high is None else min(high, after)
        condition = "#p = :p"
        values: dict[str, Any] = {":p": {"S": partition}}
        if low is not None and high is not None:
            condition += " AND start_key BETWEEN :lo AND :hi"
        elif low is not None:
            condition += " AND start_key >= :lo"
        elif high is not None:
            condition += " AND start_key <= :hi"
        if low is not None:
            values[":lo"] = {"S": low}
        if high is not None:
            values[":hi"] = {"S": high}
        if low is not None and high is not None and low > high:
            return  # the cursor is past the range: nothing left (DynamoDB refuses such a BETWEEN)
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": {"#p": EXECUTION_INDEXES[index]},
            "ExpressionAttributeValues": values,
            "ScanIndexForward": selection.ascending,
            "Limit": limit,
        }
        while True:
            page = self.client.query(**request)
            for item in page.get("Items", []):
                key = item["start_key"]["S"]
                if key != after:
                    yield _from_item(item, self.claims), key
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _scan_workflow(self, selection: Selection, after: str | None) -> Iterator[tuple[ExecutionRecord, str]]:
        """The runs of one workflow id: its partition, sorted here (it holds few items)."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"wf#{selection.workflow_id}"}},
            "ConsistentRead": True,
        }
        records: list[ExecutionRecord] = []
        while True:
            page = self.client.query(**request)
            records.extend(_from_item(item, self.claims) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        records.sort(key=start_key, reverse=not selection.ascending)
        for record in records:
            key = start_key(record)
            if after is not None and (key <= after if selection.ascending else key >= after):
                continue
            if selection.picks(record):
                yield record, key

    # -- heartbeats --------------------------------------------------------------------

    def record_heartbeat(self, execution: str, activity_id: str, attempt: int, details: list[Any], at: float) -> bool:
        """Store the attempt's heartbeat; returns whether cancellation was requested or the activity is paused."""
        response = self.client.update_item(
            TableName=self.table_name,
            Key=_heartbeat_key(execution, activity_id),
            # One update that also returns the cancel flag: a cancel request written at
            # any moment is seen by the next heartbeat, with no read-then-write gap.
            UpdateExpression="SET #attempt = :attempt, #details = :details, #at = :at",
            ExpressionAttributeNames={"#attempt": "attempt", "#details": "details", "#at": "at"},
            ExpressionAttributeValues={
                ":attempt": {"N": str(int(attempt))},
                ":details": heartbeat_item(details, self.claims),
                ":at": _num(at),
            },
            ReturnValues="ALL_NEW",
        )
        attributes = response["Attributes"]
        stop: bool = attributes.get("cancel_requested", {}).get("BOOL", False) or attributes.get("paused", {}).get(
            "BOOL", False
        )
        return stop

    def set_activity_paused(self, execution: str, activity_id: str, paused: bool, stamp: int) -> None:
        """Flag (or unflag) the activity as paused, with its current stamp: its next heartbeat
        learns it, and a retry that is paused or of an older stamp is not claimed."""
        self.client.update_item(
            TableName=self.table_name,
            Key=_heartbeat_key(execution, activity_id),
            UpdateExpression="SET paused = :paused, stamp = :stamp",
            ExpressionAttributeValues={":paused": {"BOOL": bool(paused)}, ":stamp": {"N": str(int(stamp))}},
        )

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
            details=json.loads(self.claims.text(item["details"])) if "details" in item else [],
            at=float(item["at"]["N"]) if "at" in item else None,
            cancel_requested=item.get("cancel_requested", {}).get("BOOL", False),
            paused=item.get("paused", {}).get("BOOL", False),
            stamp=int(item["stamp"]["N"]) if "stamp" in item else 0,
        )

    # -- update rejections ----------------------------------------------------------------

    def reject_update(self, execution: str, request_id: str, failure: dict[str, Any]) -> None:
        """Keep the failure an update request was rejected with (a day: its caller waits now)."""
        self.client.put_item(
            TableName=self.table_name,
            Item=rejection_item(execution, request_id, failure, self.claims),
        )

    def get_update_rejection(self, execution: str, request_id: str) -> dict[str, Any] | None:
        """The failure an update request was rejected with, or None."""
        item = self.client.get_item(
            TableName=self.table_name, Key=_rejection_key(execution, request_id), ConsistentRead=True
        ).get("Item")
        return None if item is None else json.loads(self.claims.text(item["failure"]))

    # Last in the class: a method named ``list`` shadows the builtin for what follows.
    def list(self, *, status: WorkflowExecutionStatus | None = None, limit: int = 100) -> list[ExecutionRecord]:
        """Runs, newest start first, optionally only those with ``status`` (from an index)."""
        runs = self.scan(Selection(status=status), page_size=max(1, limit))
        return [record for record, _ in itertools.islice(runs, max(0, limit))]
