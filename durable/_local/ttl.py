"""DynamoDB's TTL, emulated: moto keeps expired items for good, AWS deletes them.

The local runtime sweeps its tables when its clock moves (:meth:`LocalRuntime.sweep_expired`),
deleting what DynamoDB's TTL would: every item whose ``expires_at`` (a number, epoch seconds)
is at or before now. AWS deletes within a few days of the expiry, never before it, so a sweep
that deletes at once is the strictest case a test can meet.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TTL_ATTRIBUTE", "sweep_table"]

TTL_ATTRIBUTE = "expires_at"
"""The TTL attribute of the history and executions tables (``stacks/tables.py`` declares it)."""


def sweep_table(client: Any, table: str, now: float, attribute: str = TTL_ATTRIBUTE) -> int:
    """Delete the items of ``table`` whose ``attribute`` is at or before ``now``; how many."""
    keys = [k["AttributeName"] for k in client.describe_table(TableName=table)["Table"]["KeySchema"]]
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "#ttl <= :now",
        "ExpressionAttributeNames": {"#ttl": attribute},
        "ExpressionAttributeValues": {":now": {"N": str(int(now))}},
    }
    removed = 0
    while True:
        page = client.scan(**request)
        for item in page.get("Items", []):
            client.delete_item(TableName=table, Key={k: item[k] for k in keys})
            removed += 1
        if "LastEvaluatedKey" not in page:
            return removed
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
