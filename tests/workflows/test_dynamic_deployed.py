"""Dynamic workflows, dynamic activities and handlers set at run time, on the deployed path.

The deployed functions (the API, the orchestrator and an activity function, built as
functions/ builds them from their registrations) run on moto, with the event source
mappings played by hand: a start of a workflow type nothing is registered for is accepted
by the API and run by the task queue's dynamic workflow, an activity type nothing is
registered for by its dynamic activity. A new orchestrator container in the middle (a
deploy, a cold start) replays the run, buffered signals and a handler set at run time
included, and goes on without a nondeterminism error. The functions convert values with
the data converter they are given (``DATA_CONVERTER`` in ``statemachines/registry.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws

from durable import _converter, activity, converter, workflow
from durable._aws.app import LambdaApp
from durable._aws.provision import create_queue, create_tables
from durable._local.dispatcher import sqs_event
from durable._replay import events as ev
from durable.api.common.v1 import Payload
from durable.common import RawValue
from tests.api.conftest import proxy_event

TASK_QUEUE = "anything"


@workflow.defn(dynamic=True)
class AnyType:
    def __init__(self) -> None:
        self.notes: list[str] = []

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> dict:
        workflow.set_signal_handler("note", self.notes.append)  # takes the signals that came first
        text = workflow.payload_converter().from_payload(args[0].payload, str)
        shouted = await workflow.execute_activity("shout-it", text, start_to_close_timeout=timedelta(seconds=10))
        await workflow.wait_condition(lambda: len(self.notes) >= 2)
        return {"type": workflow.info().workflow_type, "shouted": shouted, "notes": self.notes}


@activity.defn(dynamic=True)
async def any_activity(args: Sequence[RawValue]) -> str:
    text = activity.payload_converter().from_payload(args[0].payload, str)
    return f"{activity.info().activity_type}: {text.upper()}"


class LambdaContext:
    function_name = "durable-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:durable-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


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
            "DURABLE_ACTIVITY_QUEUE_URLS": json.dumps(
                {TASK_QUEUE: create_queue(sqs, f"activities-{TASK_QUEUE}", fifo=False)}
            ),
        }


def pump(orchestrator: LambdaApp, activities: LambdaApp, until, timeout: float = 30.0) -> None:
    """Deliver queue messages to the functions, as event source mappings would."""
    wiring = [
        (orchestrator.services.inbox, orchestrator.handle_inbox),
        (activities.services.queue_for(f"activities-{TASK_QUEUE}"), activities.handle_activities),
    ]
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "the workflow did not get there"
        for queue, handler in wiring:
            messages = queue.receive(10)
            if not messages:
                continue
            response = handler(sqs_event(queue, messages), LambdaContext())
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            queue.delete([m.receipt for m in messages if m.message_id not in failed])


def test_unregistered_types_run_dynamically_through_the_deployed_functions(environ):
    orchestrator = LambdaApp(workflows={TASK_QUEUE: [AnyType]}, environ=environ)
    activities = LambdaApp(activities={TASK_QUEUE: [any_activity]}, environ=environ)
    start = {"workflow_type": "InvoiceRun", "workflow_id": "dyn-1", "task_queue": TASK_QUEUE, "input": ["hello"]}
    answer = orchestrator.handle_api(proxy_event("POST", "/api/v1/workflows", start))
    assert answer["statusCode"] == 201, answer["body"]
    run_id = json.loads(answer["body"])["run_id"]
    control = orchestrator.control
    control.signal("dyn-1", run_id, "note", ['"before the handler"'])
    # The first task: the signal waits, the run sets its handler, the activity is scheduled.
    pump(orchestrator, activities, lambda: control.ledger("dyn-1", run_id).activities)

    cold = LambdaApp(workflows={TASK_QUEUE: [AnyType]}, environ=environ)  # a new container replays
    cold.control.signal("dyn-1", run_id, "note", ['"after it"'])
    pump(cold, activities, lambda: cold.control.close_event("dyn-1", run_id) is not None)
    close = cold.control.close_event("dyn-1", run_id)
    assert close["event_type"] == ev.WORKFLOW_COMPLETED, close
    assert json.loads(close["attributes"]["result"]) == {
        "type": "InvoiceRun",
        "shouted": "shout-it: HELLO",
        "notes": ["before the handler", "after it"],
    }
    _, events = cold.control.history("dyn-1", run_id)
    kinds = [e["event_type"] for e in events]
    assert ev.TASK_FAILED not in kinds and kinds.count(ev.SIGNALED) == 2


def test_without_a_dynamic_workflow_the_api_still_refuses_unknown_types(environ):
    @workflow.defn
    class OnlyThis:
        @workflow.run
        async def run(self) -> None: ...

    orchestrator = LambdaApp(workflows={TASK_QUEUE: [OnlyThis]}, environ=environ)
    start = {"workflow_type": "InvoiceRun", "workflow_id": "dyn-2", "task_queue": TASK_QUEUE, "input": []}
    answer = orchestrator.handle_api(proxy_event("POST", "/api/v1/workflows", start))
    assert answer["statusCode"] == 404
    assert json.loads(answer["body"])["error"]["code"] == "workflow_type_not_found"


def test_one_dynamic_workflow_and_one_dynamic_activity_per_task_queue(environ):
    @workflow.defn(dynamic=True)
    class AnotherAnyType:
        @workflow.run
        async def run(self, args: Sequence[RawValue]) -> None: ...

    @activity.defn(dynamic=True)
    def another_activity(args: Sequence[RawValue]) -> None: ...

    with pytest.raises(TypeError, match="More than one dynamic workflow"):
        LambdaApp(workflows={TASK_QUEUE: [AnyType, AnotherAnyType]}, environ=environ)
    with pytest.raises(TypeError, match="More than one dynamic activity"):
        LambdaApp(activities={TASK_QUEUE: [any_activity, another_activity]}, environ=environ)
    # One per task queue: another queue may have its own.
    app = LambdaApp(workflows={TASK_QUEUE: [AnyType], "elsewhere": [AnotherAnyType]}, environ=environ)
    assert app.registry.workflow("Whatever", TASK_QUEUE).cls is AnyType
    assert app.registry.workflow("Whatever", "elsewhere").cls is AnotherAnyType


def test_signal_with_start_may_name_a_handler_the_run_sets_itself(environ):
    orchestrator = LambdaApp(workflows={TASK_QUEUE: [AnyType]}, environ=environ)
    activities = LambdaApp(activities={TASK_QUEUE: [any_activity]}, environ=environ)
    start = {
        "workflow_type": "InvoiceRun",
        "workflow_id": "dyn-3",
        "task_queue": TASK_QUEUE,
        "input": ["hi"],
        "start_signal": "note",
        "start_signal_input": ["with the start"],
    }
    # Strict by default: the class declares no handler by that name.
    refused = orchestrator.handle_api(proxy_event("POST", "/api/v1/workflows", start))
    assert refused["statusCode"] == 404
    assert json.loads(refused["body"])["error"]["field"] == "start_signal"
    # What the SDK's remote client sends: the run keeps the signal for its handler.
    answer = orchestrator.handle_api(proxy_event("POST", "/api/v1/workflows", {**start, "accept_unknown_signal": True}))
    assert answer["statusCode"] == 201, answer["body"]
    run_id = json.loads(answer["body"])["run_id"]
    orchestrator.control.signal("dyn-3", run_id, "note", ['"later"'])
    pump(orchestrator, activities, lambda: orchestrator.control.close_event("dyn-3", run_id) is not None)
    close = orchestrator.control.close_event("dyn-3", run_id)
    assert json.loads(close["attributes"]["result"])["notes"] == ["with the start", "later"]


class Shout:
    """A user type no JSON converter knows: the deployment's DATA_CONVERTER does."""

    def __init__(self, text: str) -> None:
        self.text = text


class ShoutConverter(converter.EncodingPayloadConverter):
    @property
    def encoding(self) -> str:
        return "text/shout"

    def to_payload(self, value: object) -> Payload | None:
        return (
            Payload(metadata={"encoding": b"text/shout"}, data=value.text.encode())
            if isinstance(value, Shout)
            else None
        )

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Shout:
        return Shout(payload.data.decode())


class ShoutPayloadConverter(converter.CompositePayloadConverter):
    def __init__(self) -> None:
        super().__init__(ShoutConverter(), *converter.DefaultPayloadConverter.default_encoding_payload_converters)


SHOUTING = converter.DataConverter(payload_converter_class=ShoutPayloadConverter)


@activity.defn
async def louder(shout: Shout) -> Shout:
    return Shout(shout.text.upper() + "!")


@workflow.defn
class Shouter:
    @workflow.run
    async def run(self, shout: Shout) -> Shout:
        return await workflow.execute_activity(louder, shout, start_to_close_timeout=timedelta(seconds=10))


def test_the_deployed_functions_convert_with_the_data_converter_they_are_given(environ):
    orchestrator = LambdaApp(workflows={TASK_QUEUE: [Shouter]}, environ=environ, data_converter=SHOUTING)
    activities = LambdaApp(activities={TASK_QUEUE: [louder]}, environ=environ, data_converter=SHOUTING)
    payload_converter = SHOUTING.payload_converter
    # Through the API a non-JSON payload travels in its envelope, as the remote client sends it.
    envelope = json.loads(_converter.encode(Shout("hello"), payload_converter))
    start = {"workflow_type": "Shouter", "workflow_id": "shout-1", "task_queue": TASK_QUEUE, "input": [envelope]}
    answer = orchestrator.handle_api(proxy_event("POST", "/api/v1/workflows", start))
    assert answer["statusCode"] == 201, answer["body"]
    run_id = json.loads(answer["body"])["run_id"]
    control = orchestrator.control
    pump(orchestrator, activities, lambda: control.close_event("shout-1", run_id) is not None)
    close = control.close_event("shout-1", run_id)
    assert close["event_type"] == ev.WORKFLOW_COMPLETED, close
    result = _converter.decode(close["attributes"]["result"], Shout, payload_converter)
    assert isinstance(result, Shout) and result.text == "HELLO!"
    assert json.loads(close["attributes"]["result"])["@payload"]["metadata"] == {"encoding": "dGV4dC9zaG91dA=="}
