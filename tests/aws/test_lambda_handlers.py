"""The Lambda entry points in functions/, wired from environment variables, on moto.

The test plays the event source mappings by hand: it receives from each queue and calls
the handler module's ``handler`` with the SQS event Lambda would pass, until the order
completes. The client side (start, signal) uses the same control plane the API will.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from durable._aws.provision import create_queue, create_tables
from durable._aws.schedules import scheduler_name
from durable._client.schedules import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
    schedule_to_doc,
)
from durable._converter import encode_args
from durable._local.dispatcher import sqs_event
from durable._replay import events as ev
from durable._runtime.control import Control
from durable._runtime.orchestrator import Orchestrator
from durable._schedules.operations import ScheduleOperations
from functions.activities.orders.activities import Order, OrderItem


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


@pytest.fixture
def deployment(monkeypatch):
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
            for name in ("orchestrator", "activities.orders", "timers")
        }
        yield modules


def pump(modules, until, timeout: float = 30.0) -> None:
    """Deliver queue messages to the functions, as event source mappings would."""
    app = modules["orchestrator"].app
    services = app.services
    wiring = [
        (services.inbox, modules["orchestrator"].handler),
        (services.queue_for("activities-orders"), modules["activities.orders"].handler),
    ]
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "the workflow did not finish"
        for queue, handler in wiring:
            messages = queue.receive(10)
            if not messages:
                continue
            response = handler(sqs_event(queue, messages), LambdaContext())
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            queue.delete([m.receipt for m in messages if m.message_id not in failed])


def test_order_runs_end_to_end_through_the_deployed_handlers(deployment):
    app = deployment["orchestrator"].app
    control = Control(app.services, Orchestrator(app.services, app.registry))
    order = Order(
        order_id=f"o-{uuid.uuid4().hex[:6]}",
        customer_id="c",
        email="a@example.com",
        items=[OrderItem("book", 1)],
        total=Decimal("9.90"),
    )
    run_id = control.start(
        workflow_type="OrderWorkflow", workflow_id=order.order_id, task_queue="orders", input=encode_args([order])
    )
    pump(deployment, lambda: control.ledger(order.order_id, run_id).timers)  # waiting for confirmation
    # The 24-hour timer went to the timer queue with SQS's longest delay, to be re-delayed.
    timer_queue = deployment["timers"].app.services.timers.timer_queue
    attrs = timer_queue.client.get_queue_attributes(
        QueueUrl=timer_queue.url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )
    assert int(attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"]) == 1

    control.signal(order.order_id, run_id, "confirm_order", [])
    pump(deployment, lambda: control.ledger(order.order_id, run_id).closed)
    close = control.close_event(order.order_id, run_id)
    assert close["event_type"] == ev.WORKFLOW_COMPLETED
    assert json.loads(close["attributes"]["result"])["status"] == "completed"
    assert control.resolve_run(order.order_id, None).status.name == "COMPLETED"


def test_log_lines_carry_the_execution_ids_and_metrics_are_published(deployment, capsys):
    app = deployment["orchestrator"].app
    # Lambda's log stream, as the function's powertools Logger formats it
    powertools_handler = logging.getLogger("durable").handlers[0]
    stream = io.StringIO()
    tee = logging.StreamHandler(stream)
    tee.setFormatter(powertools_handler.formatter)
    for f in powertools_handler.filters:
        tee.addFilter(f)
    logging.getLogger("durable").addHandler(tee)
    try:
        control = Control(app.services, Orchestrator(app.services, app.registry))
        order = Order(
            order_id="o-logs", customer_id="c", email="a@example.com", items=[OrderItem("book", 1)], total=Decimal("1")
        )
        run_id = control.start(
            workflow_type="OrderWorkflow", workflow_id=order.order_id, task_queue="orders", input=encode_args([order])
        )
        pump(deployment, lambda: control.ledger(order.order_id, run_id).timers)
    finally:
        logging.getLogger("durable").removeHandler(tee)
    logged = [json.loads(line) for line in stream.getvalue().splitlines()]
    activity_lines = [line for line in logged if "reserved" in line["message"]]
    assert activity_lines, logged
    assert all(
        line["workflow_id"] == "o-logs" and line["run_id"] == run_id and line["activity_id"] == "1"
        for line in activity_lines
    )
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    names = {m["Name"] for line in emf for d in line["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"WorkflowTasks", "ActivitiesScheduled", "TimersStarted"} <= names


def test_workflow_and_activity_loggers_write_temporalios_fields_as_json(deployment):
    app = deployment["orchestrator"].app
    powertools_handler = logging.getLogger("durable").handlers[0]
    stream = io.StringIO()
    tee = logging.StreamHandler(stream)
    tee.setFormatter(powertools_handler.formatter)
    for f in powertools_handler.filters:
        tee.addFilter(f)
    logging.getLogger("durable").addHandler(tee)
    try:
        control = Control(app.services, Orchestrator(app.services, app.registry))
        order = Order(
            order_id="o-fields", customer_id="c", email="a@example.com", items=[OrderItem("pen", 2)], total=Decimal("2")
        )
        run_id = control.start(
            workflow_type="OrderWorkflow", workflow_id=order.order_id, task_queue="orders", input=encode_args([order])
        )
        pump(deployment, lambda: control.ledger(order.order_id, run_id).timers)
    finally:
        logging.getLogger("durable").removeHandler(tee)
    logged = [json.loads(line) for line in stream.getvalue().splitlines()]
    # the workflow's line: once, on the decision that ran it (later invocations replay it silently)
    [workflow_line] = [line for line in logged if line["message"].startswith("order o-fields: 1 items")]
    assert workflow_line["temporal_workflow"] == {
        "attempt": 1,
        "namespace": "default",
        "run_id": run_id,
        "task_queue": "orders",
        "workflow_id": "o-fields",
        "workflow_type": "OrderWorkflow",
    }
    [activity_line] = [line for line in logged if line["message"].startswith("reserved 1 items for o-fields")]
    assert activity_line["temporal_activity"] == {
        "activity_id": "1",
        "activity_type": "reserve_inventory",
        "attempt": 1,
        "namespace": "default",
        "task_queue": "orders",
        "workflow_id": "o-fields",
        "workflow_run_id": run_id,
        "workflow_type": "OrderWorkflow",
    }
    assert activity_line["message"].endswith(f"({activity_line['temporal_activity']})")


def test_the_handlers_publish_temporals_latencies_as_emf_distributions_with_their_dimensions(deployment, capsys):
    app = deployment["orchestrator"].app
    control = Control(app.services, Orchestrator(app.services, app.registry))
    order = Order(
        order_id="o-emf", customer_id="c", email="a@example.com", items=[OrderItem("book", 1)], total=Decimal("1")
    )
    run_id = control.start(
        workflow_type="OrderWorkflow", workflow_id=order.order_id, task_queue="orders", input=encode_args([order])
    )
    pump(deployment, lambda: control.ledger(order.order_id, run_id).timers)
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    metrics = {
        m["Name"]: (m["Unit"], directive["Dimensions"], doc)
        for doc in documents
        for directive in doc["_aws"]["CloudWatchMetrics"]
        for m in directive["Metrics"]
    }
    unit, dimensions, doc = metrics["temporal_workflow_task_execution_latency"]
    assert unit == "Milliseconds"
    assert dimensions == [["service"], ["service", "namespace", "task_queue", "workflow_type"]]
    assert (doc["namespace"], doc["task_queue"], doc["workflow_type"]) == ("default", "orders", "OrderWorkflow")
    samples = doc["temporal_workflow_task_execution_latency"]
    assert isinstance(samples, list) and samples and all(v >= 0 for v in samples)
    unit, dimensions, doc = metrics["temporal_activity_execution_latency"]
    assert unit == "Milliseconds" and doc["activity_type"] in {"reserve_inventory", "charge_payment"}
    assert dimensions == [["service"], ["service", "activity_type", "namespace", "task_queue", "workflow_type"]]
    unit, dimensions, doc = metrics["temporal_activity_schedule_to_start_latency"]
    assert dimensions == [["service"], ["service", "namespace", "task_queue"]]
    assert metrics["WorkflowTasks"][:2] == ("Count", [["service"]])


@pytest.fixture
def spans():
    """The spans finished meanwhile, as OpenTelemetry's SDK exports them (the ADOT layer's role)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the first test of the process to need one sets it
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    try:
        yield exporter
    finally:
        processor.shutdown()


def test_each_invocation_decision_and_activity_task_is_a_span_with_the_ids_x_ray_indexes(deployment, spans):
    app = deployment["orchestrator"].app
    control = Control(app.services, Orchestrator(app.services, app.registry))
    order = Order(
        order_id="o-spans", customer_id="c", email="a@example.com", items=[OrderItem("book", 1)], total=Decimal("1")
    )
    run_id = control.start(
        workflow_type="OrderWorkflow", workflow_id=order.order_id, task_queue="orders", input=encode_args([order])
    )
    pump(deployment, lambda: control.ledger(order.order_id, run_id).timers)
    finished = spans.get_finished_spans()
    by_id = {s.context.span_id: s for s in finished}
    decisions = [s for s in finished if s.name == "durable.decision"]
    tasks = [s for s in finished if s.name == "durable.activity_task"]
    assert decisions and tasks
    for span in decisions:
        assert dict(span.attributes) == {
            "workflow_id": "o-spans",
            "run_id": run_id,
            "aws.xray.annotations": ("run_id", "workflow_id"),
        }
        # inside the invocation's span, as powertools' handler subsegment was
        assert by_id[span.parent.span_id].name == "durable.durable"  # POWERTOOLS_SERVICE_NAME unset: "durable"
    assert {s.attributes["activity_id"] for s in tasks} >= {"1"}
    assert all(s.attributes["workflow_id"] == "o-spans" and s.attributes["run_id"] == run_id for s in tasks)
    assert all("activity_id" in s.attributes["aws.xray.annotations"] for s in tasks)


def test_a_message_that_cannot_be_read_goes_to_the_dead_letter_queue(deployment):
    app = deployment["orchestrator"].app
    inbox = app.services.inbox
    inbox.send("this is not json", group_id="poison", dedup_id="poison-1")
    for _ in range(10):
        messages = inbox.receive(10)
        if not messages:
            continue
        with pytest.raises(Exception, match="all 1 inbox messages failed"):
            deployment["orchestrator"].handler(sqs_event(inbox, messages), LambdaContext())
        for m in messages:
            inbox.release(m.receipt)
    sqs = inbox.client
    dlq = sqs.get_queue_url(QueueName="inbox-dlq.fifo")["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in dead] == ["this is not json"]


def test_a_schedule_is_armed_on_eventbridge_scheduler_and_its_fire_starts_one_run(deployment, monkeypatch):
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    scheduler.create_schedule_group(Name="durable-test-schedules")
    wiring = {
        "DURABLE_SCHEDULE_GROUP": "durable-test-schedules",
        "DURABLE_INBOX_QUEUE_ARN": "arn:aws:sqs:us-east-1:123456789012:inbox.fifo",
        "DURABLE_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/durable-test-scheduler",
    }
    for k, v in wiring.items():
        monkeypatch.setenv(k, v)
    # the handler modules build their app at import: rebuilt with the scheduling wiring
    modules = {
        name: importlib.reload(importlib.import_module(f"functions.{name}.handler"))
        for name in ("orchestrator", "activities.orders")
    }
    services = modules["orchestrator"].app.services
    control = Control(services, Orchestrator(services, modules["orchestrator"].app.registry))
    order = Order(
        order_id="o-sched", customer_id="c", email="a@example.com", items=[OrderItem("book", 1)], total=Decimal("1")
    )
    schedule = Schedule(
        action=ScheduleActionStartWorkflow("OrderWorkflow", order, id="nightly-order", task_queue="orders"),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
    )
    schedules = ScheduleOperations(control)
    schedules.create("nightly", schedule_to_doc(schedule))

    armed = scheduler.get_schedule(Name=scheduler_name("nightly"), GroupName="durable-test-schedules")
    assert (
        armed["ScheduleExpression"].startswith("at(")
        and armed["Target"]["RoleArn"] == wiring["DURABLE_SCHEDULER_ROLE_ARN"]
    )
    fire = json.loads(armed["Target"]["Input"])
    # Scheduler delivers at least once: the same Input twice (content-based dedup aside)
    for copy in range(2):
        services.inbox.client.send_message(
            QueueUrl=services.inbox.url,
            MessageBody=armed["Target"]["Input"],
            MessageGroupId=armed["Target"]["SqsParameters"]["MessageGroupId"],
            MessageDeduplicationId=f"delivery-{copy}",
        )
    pump(modules, lambda: schedules.describe("nightly").info.recent_actions)
    pump(modules, lambda: control.ledger(*_first_run(control)).timers)  # the order waits for its confirmation
    info = schedules.describe("nightly").info
    assert info.num_actions == 1
    (action,) = info.recent_actions
    assert action.workflow_id.startswith("nightly-order-") and action.scheduled_at == fire["nominal"]
    rearmed = scheduler.get_schedule(Name=scheduler_name("nightly"), GroupName="durable-test-schedules")
    assert json.loads(rearmed["Target"]["Input"])["nominal"] == fire["nominal"] + 3600

    schedules.delete("nightly")
    # What is left in the group is the order's 24-hour confirmation timer, a one-time schedule of its own.
    left = [s["Name"] for s in scheduler.list_schedules(GroupName="durable-test-schedules")["Schedules"]]
    assert len(left) == 1 and left[0].startswith("timer.")


def _first_run(control: Control) -> tuple[str, str]:
    (action,) = ScheduleOperations(control).describe("nightly").info.recent_actions
    return action.workflow_id, action.run_id
