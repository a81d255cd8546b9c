"""Give execution items written before the sharded listing indexes their shard keys.

Items written by releases before :mod:`durable._aws.index_shards` carry ``vis = wf`` and no
``status_shard`` or ``type_shard``: the sharded indexes do not list them. This backfill
scans the executions table once and sets the three keys on each such item (latest runs
and earlier runs alike); new writes carry them already, so it is run once after the
upgrade (``python -m durable._aws.reshard <executions table>``) and is safe to run again.
The SQLite file of ``durable dev`` needs nothing: its listing reads its own columns.
"""

from __future__ import annotations

import argparse
from typing import Any

import boto3
from botocore.exceptions import ClientError

from durable._aws.index_shards import shard_key

__all__ = ["reshard_executions"]

_LEGACY_VIS = "wf"
_ATTEMPTS = 5


def reshard_executions(client: Any, table_name: str) -> int:
    """Set the shard keys of every execution item that lacks them; how many items were updated."""
    request: dict[str, Any] = {
        "TableName": table_name,
        # Execution items (latest and earlier runs) are the ones with a start key.
        "FilterExpression": "attribute_exists(start_key) AND (vis = :legacy OR attribute_not_exists(status_shard)"
        " OR attribute_not_exists(type_shard))",
        "ExpressionAttributeValues": {":legacy": {"S": _LEGACY_VIS}},
        "ProjectionExpression": "pk, sk",
    }
    updated = 0
    while True:
        page = client.scan(**request)
        for item in page.get("Items", []):
            updated += _reshard_item(client, table_name, {"pk": item["pk"], "sk": item["sk"]})
        if "LastEvaluatedKey" not in page:
            return updated
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _reshard_item(client: Any, table_name: str, key: dict[str, Any]) -> int:
    """Set one item's shard keys from its current status; 1 if it was updated."""
    for _ in range(_ATTEMPTS):
        item = client.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return 0  # expired or replaced meanwhile
        workflow_id, status = item["workflow_id"]["S"], item["status"]["S"]
        try:
            client.update_item(
                TableName=table_name,
                Key=key,
                UpdateExpression="SET vis = :vis, status_shard = :status_shard, type_shard = :type_shard",
                # Closes the race with a close between the read and this write: the shard of
                # the status that was read is written only while the item still has it.
                ConditionExpression="#status = :seen",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":seen": {"S": status},
                    ":vis": {"S": shard_key(_LEGACY_VIS, workflow_id)},
                    ":status_shard": {"S": shard_key(status, workflow_id)},
                    ":type_shard": {"S": shard_key(item["workflow_type"]["S"], workflow_id)},
                },
            )
            return 1
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    raise RuntimeError(f"the item {key!r} kept changing status; run the backfill again")


def main(argv: list[str] | None = None) -> None:
    """Backfill the shard keys of the executions table named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("table", help="the executions table (durable-<namespace>-executions)")
    args = parser.parse_args(argv)
    print(f"{reshard_executions(boto3.client('dynamodb'), args.table)} execution items given their shard keys")


if __name__ == "__main__":
    main()
