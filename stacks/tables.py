"""The event log: history, executions and idempotency tables."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from durable._aws.executions import EXECUTION_INDEXES
from stacks.naming import Names

__all__ = [
    "EXECUTIONS_TTL_ATTRIBUTE",
    "HISTORY_TTL_ATTRIBUTE",
    "IDEMPOTENCY_TTL_ATTRIBUTE",
    "EventLogTables",
    "listing_indexes",
]

# Closed executions expire by this attribute (epoch seconds) once a retention is set on them.
EXECUTIONS_TTL_ATTRIBUTE = "expires_at"
# A closed run's history records get the same attribute and value once the run is archived
# (durable._runtime.retention), so the log expires with its record.
HISTORY_TTL_ATTRIBUTE = "expires_at"
# powertools' DynamoDBPersistenceLayer writes its records' expiry here by default.
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"

# The listing indexes before they were write-sharded (durable._aws.index_shards), and the
# indexes each step of the upgrade declares: DynamoDB creates or deletes one GSI per table
# update, so a stack deployed with the old ones reaches the new ones in four deploys
# (-c executions_index_upgrade=1, 2, 3, then without it), each adding or removing one.
_UNSHARDED_INDEXES = {"by_start": "vis", "by_status": "status", "by_type": "workflow_type"}
_UPGRADE_STEPS = {
    1: {**_UNSHARDED_INDEXES, "by_status_shard": "status_shard"},
    2: {**_UNSHARDED_INDEXES, "by_status_shard": "status_shard", "by_type_shard": "type_shard"},
    3: {
        "by_start": "vis",
        "by_type": "workflow_type",
        "by_status_shard": "status_shard",
        "by_type_shard": "type_shard",
    },
}


def listing_indexes(upgrade_step: int | str | None = None) -> dict[str, str]:
    """GSI name -> partition attribute of the executions table: the current ones, or those of
    step ``upgrade_step`` (1-3, as ``-c executions_index_upgrade`` gives it) of the upgrade."""
    if upgrade_step is None:
        return dict(EXECUTION_INDEXES)
    step = str(upgrade_step)
    if step not in {str(n) for n in _UPGRADE_STEPS}:
        raise ValueError(
            f"executions_index_upgrade {upgrade_step!r}: give 1, 2 or 3 (one deploy each, in order), then "
            "deploy without it; a stack created since the sharded indexes needs none"
        )
    return dict(_UPGRADE_STEPS[int(step)])


_S = dynamodb.AttributeType.STRING
_N = dynamodb.AttributeType.NUMBER


def _table(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    partition_key: dynamodb.Attribute,
    sort_key: dynamodb.Attribute | None = None,
    time_to_live_attribute: str | None = None,
) -> dynamodb.Table:
    return dynamodb.Table(
        scope,
        construct_id,
        table_name=name,
        partition_key=partition_key,
        sort_key=sort_key,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        time_to_live_attribute=time_to_live_attribute,
        # Workflow state outlives the stack: deleting a namespace keeps its tables.
        removal_policy=RemovalPolicy.RETAIN,
    )


class EventLogTables(Construct):
    """History (``pk`` S / ``sk`` N), executions (``pk`` S / ``sk`` S, with the listing
    GSIs), idempotency (``id`` S).

    The key schemas are the ones ``durable._aws`` reads and writes (and
    ``durable._aws.provision.create_tables`` creates locally).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, names: Names, index_upgrade_step: int | str | None = None
    ) -> None:
        """``index_upgrade_step`` (1 to 3): the listing indexes of that step of the upgrade from
        the unsharded ones (:func:`listing_indexes`); None: the current ones."""
        super().__init__(scope, construct_id)
        self.history = _table(
            self,
            "History",
            name=names.table("history"),
            partition_key=dynamodb.Attribute(name="pk", type=_S),
            sort_key=dynamodb.Attribute(name="sk", type=_N),
            time_to_live_attribute=HISTORY_TTL_ATTRIBUTE,
        )
        self.executions = _table(
            self,
            "Executions",
            name=names.table("executions"),
            partition_key=dynamodb.Attribute(name="pk", type=_S),
            sort_key=dynamodb.Attribute(name="sk", type=_S),
            time_to_live_attribute=EXECUTIONS_TTL_ATTRIBUTE,
        )
        # Listing reads one of these (newest start first), never the whole table.
        for index, partition in listing_indexes(index_upgrade_step).items():
            self.executions.add_global_secondary_index(
                index_name=index,
                partition_key=dynamodb.Attribute(name=partition, type=_S),
                sort_key=dynamodb.Attribute(name="start_key", type=_S),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        self.idempotency = _table(
            self,
            "Idempotency",
            name=names.table("idempotency"),
            partition_key=dynamodb.Attribute(name="id", type=_S),
            time_to_live_attribute=IDEMPOTENCY_TTL_ATTRIBUTE,
        )
