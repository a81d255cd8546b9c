"""Create the runtime's tables and queues through the API (moto locally, and tests).

The deployed stack declares the same resources in CDK; these functions are for
environments without CloudFormation: the local environment on moto and the tests.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from durable._aws.executions import EXECUTION_INDEXES

__all__ = [
    "HIGH_THROUGHPUT_FIFO",
    "create_bucket",
    "create_dead_letter_queue",
    "create_function",
    "create_queue",
    "create_tables",
    "dlq_name",
]

HIGH_THROUGHPUT_FIFO = {"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
"""SQS's high-throughput FIFO mode: the quota applies per message group (each workflow id), not
per queue, and a dedup id is compared within its group. The engine's dedup ids are unique per
run, and a run's messages all go to its workflow id's group, so deduplicating per group drops
exactly the duplicates that deduplicating per queue did (``durable._runtime.inbox.fifo_dedup``)."""

# The longest retention SQS allows: dead letters wait for a human.
_DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def create_tables(client: Any, *, history_table: str, executions_table: str, idempotency_table: str) -> None:
    """Create the history, executions and idempotency tables (on-demand); skip existing ones.

    Key schemas: history ``pk`` S / ``sk`` N; executions ``pk`` S / ``sk`` S with the
    listing GSIs of :data:`~durable._aws.executions.EXECUTION_INDEXES`; idempotency
    ``id`` S, the default of powertools' ``DynamoDBPersistenceLayer``.
    """
    schemas = {
        history_table: [("pk", "S", "HASH"), ("sk", "N", "RANGE")],
        executions_table: [("pk", "S", "HASH"), ("sk", "S", "RANGE")],
        idempotency_table: [("id", "S", "HASH")],
    }
    indexes: dict[str, list[dict[str, Any]]] = {  # create_table's GlobalSecondaryIndexes
        executions_table: [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": partition, "KeyType": "HASH"},
                    {"AttributeName": "start_key", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, partition in EXECUTION_INDEXES.items()
        ]
    }
    for name, keys in schemas.items():
        attributes = {a: t for a, t, _ in keys}
        for index in indexes.get(name, []):
            attributes.update({k["AttributeName"]: "S" for k in index["KeySchema"]})
        try:
            client.create_table(
                TableName=name,
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in attributes.items()],
                KeySchema=[{"AttributeName": a, "KeyType": k} for a, _, k in keys],
                **({"GlobalSecondaryIndexes": indexes[name]} if name in indexes else {}),
            )
        except client.exceptions.ResourceInUseException:
            continue  # already there: a restarted dev server on a persistent emulation
    for name in schemas:
        client.get_waiter("table_exists").wait(TableName=name)


def dlq_name(name: str) -> str:
    """The dead-letter queue's name for queue ``name``: ``<name>-dlq`` (before ``.fifo``)."""
    if name.endswith(".fifo"):
        return f"{name[: -len('.fifo')]}-dlq.fifo"
    return f"{name}-dlq"


def create_queue(client: Any, name: str, *, fifo: bool, max_receive_count: int = 5) -> str:
    """Create queue ``name`` and its dead-letter queue; return the queue's URL.

    A message received ``max_receive_count`` times without being deleted moves to the
    DLQ (:func:`dlq_name`). FIFO queues (names ending in ``.fifo``) get explicit
    deduplication ids from the sender, so content-based deduplication stays off; the FIFO
    queue (the inbox) is in high-throughput mode, as the stack declares it.
    """
    if fifo != name.endswith(".fifo"):
        raise ValueError(f"queue {name!r}: FIFO queue names end in '.fifo', others do not")
    kind: dict[str, str] = {"FifoQueue": "true", "ContentBasedDeduplication": "false"} if fifo else {}
    dlq_url = client.create_queue(
        QueueName=dlq_name(name),
        Attributes={**kind, "MessageRetentionPeriod": str(_DLQ_RETENTION_SECONDS)},
    )["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
    throughput = HIGH_THROUGHPUT_FIFO if fifo else {}
    created = client.create_queue(
        QueueName=name, Attributes={**kind, **throughput, "RedrivePolicy": json.dumps(redrive)}
    )
    url: str = created["QueueUrl"]
    return url


def create_dead_letter_queue(client: Any, name: str) -> str:
    """Create a standard queue that is a dead-letter queue itself (the stack's schedule DLQ):
    kept 14 days, no redrive of its own, so nothing it holds moves on however often it is
    received. Its URL."""
    url: str = client.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": str(_DLQ_RETENTION_SECONDS)})[
        "QueueUrl"
    ]
    return url


def create_function(client: Any, iam: Any, name: str) -> str:
    """Create a stand-in for the orchestrator function (what its invocations name); its name.

    For an emulation that never runs functions (moto without docker): its code does nothing,
    the local dispatcher runs the orchestrator on what was invoked.
    """
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
    )
    return name


def create_bucket(client: Any, name: str) -> None:
    """Create the payload bucket (default encryption, public access blocked); skip an existing one."""
    try:
        client.create_bucket(Bucket=name)
    except client.exceptions.BucketAlreadyOwnedByYou:
        return
    client.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
