"""functions/api/handler.py on moto: the deployed wiring, from environment variables to DynamoDB."""

from __future__ import annotations

import importlib
import json

import boto3
import pytest
from moto import mock_aws

from durable._aws.provision import create_queue, create_tables, dlq_name
from tests.aws.test_lambda_handlers import LambdaContext

from .conftest import proxy_event

ORDER = {
    "order_id": "api-1",
    "customer_id": "c-1",
    "email": "ada@example.com",
    "items": [{"sku": "book", "quantity": 1}],
    "total": "12.50",
    "payment_method": "card",
}


@pytest.fixture
def api_function(monkeypatch):
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        create_tables(ddb, history_table="history", executions_table="executions", idempotency_table="idempotency")
        env = {
            "DURABLE_HISTORY_TABLE": "history",
            "DURABLE_EXECUTIONS_TABLE": "executions",
            "DURABLE_IDEMPOTENCY_TABLE": "idempotency",
            "DURABLE_INBOX_QUEUE_URL": create_queue(sqs, "inbox.fifo", fifo=True),
            "DURABLE_TIMER_QUEUE_URL": create_queue(sqs, "timers", fifo=False),
            "DURABLE_ACTIVITY_QUEUE_URLS": json.dumps({"orders": create_queue(sqs, "activities-orders", fifo=False)}),
        }
        env["DURABLE_DEAD_LETTER_QUEUE_URLS"] = json.dumps(
            {
                name: sqs.get_queue_url(QueueName=dlq_name(queue))["QueueUrl"]
                for name, queue in [
                    ("inbox.fifo", "inbox.fifo"),
                    ("timers", "timers"),
                    ("activities-orders", "activities-orders"),
                ]
            }
        )
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        yield importlib.reload(importlib.import_module("functions.api.handler")), sqs, env


def invoke(module, *args, **kwargs) -> tuple[int, dict]:
    result = module.handler(proxy_event(*args, **kwargs), LambdaContext())
    return result["statusCode"], json.loads(result["body"])


def test_start_describe_list_and_refusals_through_the_lambda_entry(api_function):
    module, sqs, env = api_function
    body = {"workflow_type": "OrderWorkflow", "workflow_id": "api-1", "task_queue": "orders", "input": [ORDER]}
    status, started = invoke(module, "POST", "/api/v1/workflows", body)
    assert status == 201
    # The start reached the orchestrator's inbox, as a deployed start does.
    messages = sqs.receive_message(QueueUrl=env["DURABLE_INBOX_QUEUE_URL"], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["kind"] for m in messages] == ["start"]
    status, detail = invoke(module, "GET", "/api/v1/workflows/api-1")
    assert status == 200 and detail["run_id"] == started["run_id"] and detail["input"] == [ORDER]
    status, page = invoke(module, "GET", "/api/v1/workflows", query={"status": "RUNNING"})
    assert [e["workflow_id"] for e in page["executions"]] == ["api-1"]
    assert invoke(module, "POST", "/api/v1/workflows", body)[0] == 409
    assert invoke(module, "POST", "/api/v1/workflows", {**body, "workflow_type": "Nope"})[0] == 404
    assert invoke(module, "POST", "/api/v1/workflows/api-1/signals/confirm_order", {})[0] == 202
    assert invoke(module, "POST", "/api/v1/workflows/api-1/terminate", {"reason": "test"})[0] == 202
    assert invoke(module, "GET", "/api/v1/workflows/api-1")[1]["status"] == "TERMINATED"
    assert invoke(module, "GET", "/api/v1/workflows/ghost")[0] == 404


def test_dead_letters_through_the_lambda_entry_from_the_dlq_urls_the_stack_sets(api_function):
    module, sqs, env = api_function
    dlqs = json.loads(env["DURABLE_DEAD_LETTER_QUEUE_URLS"])
    body = json.dumps({"kind": "signal", "workflow_id": "w-1", "run_id": "r-1", "dedup": "s:1"})
    sqs.send_message(QueueUrl=dlqs["inbox.fifo"], MessageBody=body, MessageGroupId="w-1", MessageDeduplicationId="s1")

    status, listed = invoke(module, "GET", "/api/v1/dead-letters")

    assert status == 200
    assert {q["queue"]: q["count"] for q in listed["queues"]} == {"inbox": 1, "timers": 0, "activities-orders": 0}
    [message] = next(q for q in listed["queues"] if q["queue"] == "inbox")["messages"]
    assert (message["kind"], message["workflow_id"], message["run_id"], message["body"]) == (
        "signal",
        "w-1",
        "r-1",
        body,
    )

    status, moved = invoke(module, "POST", "/api/v1/dead-letters/redrive", {"queue": "inbox"})

    assert status == 200 and moved == {"queues": [{"queue": "inbox", "moved": 1}]}
    [back] = sqs.receive_message(
        QueueUrl=env["DURABLE_INBOX_QUEUE_URL"], MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId"]
    )["Messages"]
    assert back["Body"] == body and back["Attributes"]["MessageGroupId"] == "w-1"
    assert "Messages" not in sqs.receive_message(QueueUrl=dlqs["inbox.fifo"], MaxNumberOfMessages=10)


def test_an_eager_start_through_the_lambda_entry_decides_the_first_task_in_the_request(api_function):
    module, sqs, env = api_function
    body = {
        "workflow_type": "OrderWorkflow",
        "workflow_id": "api-eager",
        "task_queue": "orders",
        "input": [ORDER],
        "request_eager_start": True,
    }
    status, started = invoke(module, "POST", "/api/v1/workflows", body)
    assert status == 201 and started["eagerly_started"] is True
    # The API function made the first decision itself: no start message for the orchestrator,
    # the first activity task already on its queue, the decision in the history.
    assert "Messages" not in sqs.receive_message(QueueUrl=env["DURABLE_INBOX_QUEUE_URL"], MaxNumberOfMessages=10)
    tasks = sqs.receive_message(
        QueueUrl=json.loads(env["DURABLE_ACTIVITY_QUEUE_URLS"])["orders"], MaxNumberOfMessages=10
    )
    assert [json.loads(m["Body"])["activity_type"] for m in tasks["Messages"]] == ["reserve_inventory"]
    status, history = invoke(module, "GET", "/api/v1/workflows/api-eager/history")
    assert [e["event_type"] for e in history["events"]] == [
        "WorkflowExecutionStarted",
        "WorkflowTaskCompleted",
        "ActivityTaskScheduled",
    ]
