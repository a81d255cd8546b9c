"""Tracing as deployed: ``INTERCEPTORS`` in statemachines/registry.py, on moto.

The orchestrator and the activity functions are built with a ``TracingInterceptor`` in the
registry's list (as ``functions/`` read it at import); the test plays the queues' event
source mappings by hand, as test_lambda_handlers does. A start and a signal carrying a
caller's span context make one trace through every orchestrator invocation and every
activity attempt, each span carrying the run's ids.
"""

from __future__ import annotations

import importlib
import json
import uuid
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import statemachines.registry
from durable._aws.provision import create_queue, create_tables
from durable._converter import encode_args
from durable._headers import to_wire
from durable._runtime.control import Control
from durable._runtime.orchestrator import Orchestrator
from durable.contrib.opentelemetry import TracingInterceptor
from functions.activities.orders.activities import Order, OrderItem
from tests.aws.test_lambda_handlers import pump


@pytest.fixture
def traced(monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    interceptor = TracingInterceptor(provider.get_tracer(__name__))
    monkeypatch.setattr(statemachines.registry, "INTERCEPTORS", [interceptor])
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
        yield modules, interceptor, exporter
    # The handlers' modules are left as they are deployed: without the test's interceptor.
    monkeypatch.undo()
    for name in ("orchestrator", "activities.orders"):
        importlib.reload(importlib.import_module(f"functions.{name}.handler"))


def test_an_order_is_one_trace_through_the_deployed_functions(traced):
    modules, interceptor, exporter = traced
    app = modules["orchestrator"].app
    control = Control(app.services, Orchestrator(app.services, app.registry))
    order = Order(
        order_id=f"o-{uuid.uuid4().hex[:6]}",
        customer_id="c",
        email="a@example.com",
        items=[OrderItem("book", 1)],
        total=Decimal("9.90"),
    )
    with interceptor.tracer.start_as_current_span("caller") as caller:
        # What a traced client sends: its span's context in the _tracer-data header.
        headers = to_wire(interceptor._context_to_headers({}))
    run_id = control.start_run(
        workflow_type="OrderWorkflow",
        workflow_id=order.order_id,
        task_queue="orders",
        input=encode_args([order]),
        headers=headers,
    ).run_id
    pump(modules, lambda: control.ledger(order.order_id, run_id).timers)  # waiting for confirmation
    control.signal(order.order_id, run_id, "confirm_order", [], headers=headers)
    pump(modules, lambda: control.ledger(order.order_id, run_id).closed)

    spans = exporter.get_finished_spans()
    names = sorted(s.name for s in spans)
    assert names.count("RunWorkflow:OrderWorkflow") == 1
    assert names.count("CompleteWorkflow:OrderWorkflow") == 1
    assert "HandleSignal:confirm_order" in names
    for step in ("reserve_inventory", "charge_payment", "ship_order", "send_email"):
        assert names.count(f"StartActivity:{step}") == names.count(f"RunActivity:{step}") >= 1
    assert {s.context.trace_id for s in spans} == {caller.get_span_context().trace_id}
    for span in (s for s in spans if s.name != "caller"):
        assert span.attributes is not None and span.attributes["temporalWorkflowID"] == order.order_id
        assert span.attributes["temporalRunID"] == run_id
        if span.name.startswith("RunActivity:"):
            assert span.attributes["temporalActivityID"]
