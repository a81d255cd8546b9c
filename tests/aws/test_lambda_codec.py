"""The deployed functions with a payload codec: DATA_CONVERTER's codec runs in the
orchestrator and activity functions, so the tables and queues of a deployment see only
encrypted payloads, and a client with the same converter reads the order's outcome.

As tests/aws/test_lambda_handlers.py, the test plays the event source mappings by hand, on
moto; every request a function makes to DynamoDB or SQS is recorded from botocore's
``provide-client-params`` event (a handler added where moto adds its own), then every item
is read back, and none holds the order's e-mail address, as text or base64.
"""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import botocore.handlers
import pytest
from moto import mock_aws

from durable._aws.provision import create_queue, create_tables
from durable._codec.boundary import PayloadBoundary
from durable._codec.catalogue import PAYLOAD, PAYLOADS
from durable._converter import encode_args
from durable._replay import events as ev
from durable._runtime.control import Control
from durable._runtime.orchestrator import Orchestrator
from functions.activities.orders.activities import Order, OrderItem
from tests.aws.test_lambda_handlers import pump
from tests.helpers.codec_workflows import CONVERTER
from tests.helpers.stored_text import forms_of

EMAIL = "secret.buyer.7f3a@example.com"


@pytest.fixture
def requests() -> Iterator[list[str]]:
    texts: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        texts.append(json.dumps(params, default=repr))

    hook = ("provide-client-params.*.*", record)
    botocore.handlers.BUILTIN_HANDLERS.append(hook)  # every client made from now on calls it
    try:
        yield texts
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(hook)


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch, requests: list[str]) -> Iterator[dict[str, Any]]:
    import statemachines.registry

    monkeypatch.setattr(statemachines.registry, "DATA_CONVERTER", CONVERTER)
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
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        modules = {
            name: importlib.reload(importlib.import_module(f"functions.{name}.handler"))
            for name in ("orchestrator", "activities.orders")
        }
        yield {"modules": modules, "ddb": ddb}
    monkeypatch.undo()  # the next tests get the registry's own converter in freshly loaded handlers
    for name in ("orchestrator", "activities.orders"):
        importlib.reload(importlib.import_module(f"functions.{name}.handler"))


def test_the_deployed_functions_store_and_send_only_encrypted_payloads(
    deployment: dict[str, Any], requests: list[str]
) -> None:
    modules = deployment["modules"]
    app = modules["orchestrator"].app
    assert app.engine_services is not app.services  # the codec is at the engine's edge
    boundary = PayloadBoundary.of(CONVERTER)
    assert boundary is not None
    # The client's side (what the API function runs): payloads come encoded, pass through.
    control = Control(app.services, Orchestrator(app.engine_services, app.registry))
    order = Order(
        order_id=f"o-{uuid.uuid4().hex[:6]}",
        customer_id="c",
        email=EMAIL,
        items=[OrderItem("book", 1)],
        total=Decimal("9.90"),
    )
    run_id = control.start(
        workflow_type="OrderWorkflow",
        workflow_id=order.order_id,
        task_queue="orders",
        input=boundary.encode_field(encode_args([order]), PAYLOADS),
    )
    pump(modules, lambda: control.ledger(order.order_id, run_id).timers)  # waiting for confirmation
    control.signal(order.order_id, run_id, "confirm_order", [])
    pump(modules, lambda: control.ledger(order.order_id, run_id).closed)

    close = control.close_event(order.order_id, run_id)
    assert close is not None and close["event_type"] == ev.WORKFLOW_COMPLETED
    result = boundary.decode_field(close["attributes"]["result"], PAYLOAD)
    assert json.loads(result)["status"] == "completed"

    ddb = deployment["ddb"]
    items = [
        json.dumps(item, default=repr)
        for table in ("history", "executions", "idempotency")
        for item in ddb.scan(TableName=table)["Items"]
    ]
    forms = forms_of(EMAIL)
    assert any("binary/encrypted" in t or "YmluYXJ5L2VuY3J5cHRlZA" in t for t in items)
    assert [t[:200] for t in items if any(f in t for f in forms)] == []
    assert len(requests) > 20
    assert [t[:200] for t in requests if any(f in t for f in forms)] == []
