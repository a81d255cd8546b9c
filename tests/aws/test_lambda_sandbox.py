"""The orchestrator Lambda runs workflow code in the determinism sandbox, on moto.

A workflow that reads the wall clock fails its workflow task under the app as deployed
(the default runner) and completes under ``LambdaApp(workflow_runner=UnsandboxedWorkflowRunner())``.
The test plays the inbox's event source mapping by hand, as test_lambda_handlers does.
"""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest
from moto import mock_aws

from durable import workflow
from durable._aws.app import LambdaApp
from durable._aws.provision import create_queue, create_tables
from durable._local.dispatcher import sqs_event
from durable._runtime.control import Control
from durable._runtime.orchestrator import Orchestrator
from durable.worker import UnsandboxedWorkflowRunner


class LambdaContext:
    """What Lambda passes as the context (the fields powertools reads)."""

    function_name = "durable-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:durable-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


@workflow.defn
class ReadsTheWallClock:
    @workflow.run
    async def run(self) -> bool:
        return time.time() > 0


@pytest.fixture
def environ():
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        create_tables(ddb, history_table="history", executions_table="executions", idempotency_table="idempotency")
        yield {
            "DURABLE_HISTORY_TABLE": "history",
            "DURABLE_EXECUTIONS_TABLE": "executions",
            "DURABLE_IDEMPOTENCY_TABLE": "idempotency",
            "DURABLE_INBOX_QUEUE_URL": create_queue(sqs, "inbox.fifo", fifo=True),
            "DURABLE_TIMER_QUEUE_URL": create_queue(sqs, "timers", fifo=False),
            "DURABLE_ACTIVITY_QUEUE_URLS": json.dumps({}),
            "AWS_DEFAULT_REGION": "us-east-1",
        }


def run_first_task(app: LambdaApp) -> tuple[Control, str, str]:
    control = Control(app.services, Orchestrator(app.services, app.registry))
    workflow_id = f"clock-{uuid.uuid4().hex[:6]}"
    run_id = control.start(workflow_type="ReadsTheWallClock", workflow_id=workflow_id, task_queue="clock", input=[])
    inbox = app.services.inbox
    ledger = control.ledger(workflow_id, run_id)
    for _ in range(100):  # the start message, then nothing more: a few receives at most
        if ledger.closed or ledger.task_failure is not None:
            break
        messages = inbox.receive(10)
        if messages:
            app.handle_inbox(sqs_event(inbox, messages), LambdaContext())
            inbox.delete([m.receipt for m in messages])
        ledger = control.ledger(workflow_id, run_id)
    return control, workflow_id, run_id


def test_the_deployed_orchestrator_refuses_the_wall_clock_in_workflow_code(environ):
    app = LambdaApp(workflows={"clock": [ReadsTheWallClock]}, environ=environ)
    control, workflow_id, run_id = run_first_task(app)
    ledger = control.ledger(workflow_id, run_id)
    assert not ledger.closed
    assert "Cannot access time.time.__call__ from inside a workflow" in json.dumps(ledger.task_failure)


def test_an_app_given_the_unsandboxed_runner_lets_it_run(environ):
    app = LambdaApp(
        workflows={"clock": [ReadsTheWallClock]}, environ=environ, workflow_runner=UnsandboxedWorkflowRunner()
    )
    control, workflow_id, run_id = run_first_task(app)
    assert control.ledger(workflow_id, run_id).closed
    assert control.resolve_run(workflow_id, None).status.name == "COMPLETED"
