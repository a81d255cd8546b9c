"""What only the AWS adapters have: provisioning, lazy default clients, SQS delays."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from durable._aws.executions import DynamoExecutionStore
from durable._aws.history import DynamoHistoryStore
from durable._aws.provision import create_queue, create_tables, dlq_name
from durable._aws.reshard import reshard_executions
from durable._aws.sqs import SqsQueue
from durable._runtime.ports import ExecutionAlreadyRunning, ExecutionRecord, Selection
from durable._statuses import WorkflowExecutionStatus


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def test_create_tables_key_schemas_and_is_repeatable(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    for _ in range(2):  # the second run finds them all and changes nothing
        create_tables(client, history_table="h", executions_table="e", idempotency_table="i")

    def keys(name: str) -> list[tuple[str, str, str]]:
        table = client.describe_table(TableName=name)["Table"]
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        return [(k["AttributeName"], types[k["AttributeName"]], k["KeyType"]) for k in table["KeySchema"]]

    assert keys("h") == [("pk", "S", "HASH"), ("sk", "N", "RANGE")]
    assert keys("e") == [("pk", "S", "HASH"), ("sk", "S", "RANGE")]
    assert keys("i") == [("id", "S", "HASH")]


@pytest.mark.parametrize(
    ("name", "fifo", "dlq"),
    [("inbox.fifo", True, "inbox-dlq.fifo"), ("activities", False, "activities-dlq")],
)
def test_create_queue_with_its_dlq(aws, name, fifo, dlq):
    client = boto3.client("sqs", region_name="us-east-1")

    url = create_queue(client, name, fifo=fifo, max_receive_count=4)

    assert dlq_name(name) == dlq
    dlq_url = client.get_queue_url(QueueName=dlq)["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dlq_arn
    assert int(redrive["maxReceiveCount"]) == 4
    assert attributes.get("FifoQueue", "false") == str(fifo).lower()
    if fifo:
        assert attributes["ContentBasedDeduplication"] == "false"


def test_create_queue_refuses_a_name_that_contradicts_fifo(aws):
    client = boto3.client("sqs", region_name="us-east-1")
    with pytest.raises(ValueError):
        create_queue(client, "inbox", fifo=True)
    with pytest.raises(ValueError):
        create_queue(client, "inbox.fifo", fifo=False)


def test_adapters_make_their_default_clients_on_first_use(aws):
    # Constructing makes no client; the first call makes one, inside the mock, from the
    # environment's region and credentials.
    create_tables(
        boto3.client("dynamodb", region_name="us-east-1"),
        history_table="h",
        executions_table="e",
        idempotency_table="i",
    )
    url = create_queue(boto3.client("sqs", region_name="us-east-1"), "q", fifo=False)
    history, executions, queue = DynamoHistoryStore("h"), DynamoExecutionStore("e"), SqsQueue("q", url)
    assert (history._client, executions._client, queue._client) == (None, None, None)

    history.append("x", [{"event_id": 1}])
    executions.create(ExecutionRecord("w", "r", "T", "tq", WorkflowExecutionStatus.RUNNING, 1.0))
    queue.send("m")

    assert history.load("x") == [{"event_id": 1}]
    assert executions.get("w").run_id == "r"
    assert [m.body for m in queue.receive()] == ["m"]


def test_fifo_sqs_queue_refuses_a_delay(aws):
    client = boto3.client("sqs", region_name="us-east-1")
    queue = SqsQueue("inbox.fifo", create_queue(client, "inbox.fifo", fifo=True), client)
    with pytest.raises(ValueError):
        queue.send("m", group_id="g", dedup_id="d", delay_seconds=5)


def test_already_running_error_comes_from_the_failed_put_itself(aws):
    # ReturnValuesOnConditionCheckFailure=ALL_OLD: the conflicting run arrives with the
    # error, without a second read.
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_tables(client, history_table="h", executions_table="e", idempotency_table="i")
    store = DynamoExecutionStore("e", client)
    store.create(ExecutionRecord("w", "run-1", "T", "tq", WorkflowExecutionStatus.RUNNING, 1.0))
    reads = []
    client.meta.events.register("before-call.dynamodb.GetItem", lambda **kw: reads.append(kw))

    with pytest.raises(ExecutionAlreadyRunning) as raised:
        store.create(ExecutionRecord("w", "run-2", "T", "tq", WorkflowExecutionStatus.RUNNING, 2.0))

    assert raised.value.run_id == "run-1"
    assert reads == []


def test_a_closed_execution_gets_its_ttl_and_a_running_one_none(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_tables(client, history_table="h", executions_table="e", idempotency_table="i")
    store = DynamoExecutionStore("e", client, retention_seconds=3600)
    store.create(ExecutionRecord("w", "run-1", "T", "tq", WorkflowExecutionStatus.RUNNING, 1.0))
    key = {"pk": {"S": "wf#w"}, "sk": {"S": "run"}}
    assert "expires_at" not in client.get_item(TableName="e", Key=key)["Item"]

    store.close("w", "run-1", WorkflowExecutionStatus.COMPLETED, 1_000.0, 7)

    assert client.get_item(TableName="e", Key=key)["Item"]["expires_at"] == {"N": "4600"}


def test_an_execution_item_written_before_the_status_enum_reads_back_and_stays_as_it_was(aws):
    # Items store the status by name ("COMPLETED"), as before the engine carried an enum:
    # an item written then is read as the enum, found by the status index once the backfill
    # gave it its shard keys (it had none then), and closing or writing a run stores exactly
    # the same strings.
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_tables(client, history_table="h", executions_table="e", idempotency_table="i")
    earlier = {
        "pk": {"S": "wf#old"},
        "sk": {"S": "run"},
        "workflow_id": {"S": "old"},
        "run_id": {"S": "run-1"},
        "workflow_type": {"S": "T"},
        "task_queue": {"S": "tq"},
        "status": {"S": "CONTINUED_AS_NEW"},
        "start_time": {"N": "1"},
        "close_time": {"N": "2"},
        "history_length": {"N": "5"},
        "vis": {"S": "wf"},
        "start_key": {"S": "0000000000001.000000#old#run-1"},
    }
    client.put_item(TableName="e", Item=earlier)
    store = DynamoExecutionStore("e", client)

    assert store.get("old").status is WorkflowExecutionStatus.CONTINUED_AS_NEW
    assert store.list(status=WorkflowExecutionStatus.CONTINUED_AS_NEW) == []  # no shard keys yet
    assert reshard_executions(client, "e") == 1
    assert reshard_executions(client, "e") == 0  # once is enough
    listed = store.list(status=WorkflowExecutionStatus.CONTINUED_AS_NEW)
    assert [(r.workflow_id, r.status) for r in listed] == [("old", WorkflowExecutionStatus.CONTINUED_AS_NEW)]
    assert [r.workflow_id for r, _ in store.scan(Selection(workflow_type="T"))] == ["old"]
    assert [r.workflow_id for r in store.list()] == ["old"]

    store.create(ExecutionRecord("new", "run-1", "T", "tq", WorkflowExecutionStatus.RUNNING, 3.0))
    new_key = {"pk": {"S": "wf#new"}, "sk": {"S": "run"}}
    assert client.get_item(TableName="e", Key=new_key)["Item"]["status"] == {"S": "RUNNING"}
    store.close("new", "run-1", WorkflowExecutionStatus.TIMED_OUT, 4.0, 3)
    assert client.get_item(TableName="e", Key=new_key)["Item"]["status"] == {"S": "TIMED_OUT"}


class _CloseFirst:
    """A DynamoDB client whose first update lets the run's close land just before it."""

    def __init__(self, client, close) -> None:
        self._client, self._close = client, close

    def __getattr__(self, name):
        return getattr(self._client, name)

    def update_item(self, **kwargs):
        close, self._close = self._close, None
        if close is not None:
            close()
        return self._client.update_item(**kwargs)


def test_the_backfill_racing_a_close_gives_the_run_the_shard_of_its_new_status(aws):
    # A run written before the shards, closed between the backfill's read and its write: the
    # backfill's write is refused (the status it read is gone) and it reads the item again.
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_tables(client, history_table="h", executions_table="e", idempotency_table="i")
    store = DynamoExecutionStore("e", client)
    store.create(ExecutionRecord("legacy", "run-1", "T", "tq", WorkflowExecutionStatus.RUNNING, 5.0))
    key = {"pk": {"S": "wf#legacy"}, "sk": {"S": "run"}}
    client.update_item(
        TableName="e",
        Key=key,
        UpdateExpression="SET vis = :wf REMOVE status_shard, type_shard",
        ExpressionAttributeValues={":wf": {"S": "wf"}},
    )  # as a release before the shards wrote it

    def close() -> None:
        store.close("legacy", "run-1", WorkflowExecutionStatus.COMPLETED, 6.0, 4)

    assert reshard_executions(_CloseFirst(client, close), "e") == 1

    completed = store.list(status=WorkflowExecutionStatus.COMPLETED)
    assert [(r.workflow_id, r.status) for r in completed] == [("legacy", WorkflowExecutionStatus.COMPLETED)]
    assert store.list(status=WorkflowExecutionStatus.RUNNING) == []
    assert [r.workflow_id for r in store.list()] == ["legacy"]
