"""Histories as Temporal's JSON: ``fetch_history().to_json()`` and ``WorkflowHistory.from_json``.

The JSON is the one ``temporal workflow show -o json`` prints: a sample that counts the
activities of a run by ``eventType`` finds them, and what ``to_json`` wrote reads back
with ``from_json`` and replays (on durable, a Temporal cluster's export replays the same
way: tests/histories/temporal).
"""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta

import pytest

from . import sdk
from .sdk import WorkflowHistory, activity, new_worker, workflow


@activity.defn
async def greet(name: str) -> str:
    return f"hello {name}"


@workflow.defn(name="Greeter")
class Greeter:
    def __init__(self) -> None:
        self.names: list[str] = []

    @workflow.signal
    def add(self, name: str) -> None:
        self.names.append(name)

    @workflow.run
    async def run(self, first: str) -> list[str]:
        out = [await workflow.execute_activity(greet, first, start_to_close_timeout=timedelta(seconds=10))]
        out.append(await workflow.execute_local_activity(greet, "local", start_to_close_timeout=timedelta(seconds=10)))
        await asyncio.sleep(5)
        await workflow.wait_condition(lambda: bool(self.names))
        out.append(await workflow.execute_activity(greet, self.names[0], start_to_close_timeout=timedelta(seconds=10)))
        return out


@workflow.defn(name="Greeter")
class GreeterWithoutTimer:
    """Greeter changed in a way that breaks its running executions: the timer is gone."""

    def __init__(self) -> None:
        self.names: list[str] = []

    @workflow.signal
    def add(self, name: str) -> None:
        self.names.append(name)

    @workflow.run
    async def run(self, first: str) -> list[str]:
        out = [await workflow.execute_activity(greet, first, start_to_close_timeout=timedelta(seconds=10))]
        out.append(await workflow.execute_local_activity(greet, "local", start_to_close_timeout=timedelta(seconds=10)))
        await workflow.wait_condition(lambda: bool(self.names))
        out.append(await workflow.execute_activity(greet, self.names[0], start_to_close_timeout=timedelta(seconds=10)))
        return out


async def greeter_history(client, task_queue: str, workflow_id: str):
    async with new_worker(client, task_queue=task_queue, workflows=[Greeter], activities=[greet]):
        # Signal-with-start: the signal's place in the history does not race the first task.
        handle = await client.start_workflow(
            Greeter.run, "ada", id=workflow_id, task_queue=task_queue, start_signal="add", start_signal_args=["grace"]
        )
        assert await handle.result() == ["hello ada", "hello local", "hello grace"]
    return await handle.fetch_history()


def _attributes(event: dict) -> dict:
    (key,) = [k for k in event if k.endswith("EventAttributes")]
    return event[key]


def _decoded(payload: dict) -> object:
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"
    return json.loads(base64.b64decode(payload["data"]))


async def test_to_json_is_temporals_history_json(client, task_queue):
    history = await greeter_history(client, task_queue, "wf-json-shape")
    data = json.loads(history.to_json())
    assert data == history.to_json_dict()
    events = data["events"]
    assert [e["eventId"] for e in events] == [str(i) for i in range(1, len(events) + 1)]
    assert all(e["eventTime"].endswith("Z") for e in events)

    # What a sample does: count the activities by event type.
    scheduled = [e for e in events if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"]
    assert len(scheduled) == 2
    first = scheduled[0]["activityTaskScheduledEventAttributes"]
    assert first["activityType"] == {"name": "greet"}
    assert first["activityId"] == "1"
    assert first["startToCloseTimeout"] == "10s"
    assert [_decoded(p) for p in first["input"]["payloads"]] == ["ada"]

    started = events[0]
    assert started["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    assert started["workflowExecutionStartedEventAttributes"]["workflowType"] == {"name": "Greeter"}
    assert started["workflowExecutionStartedEventAttributes"]["originalExecutionRunId"] == history.run_id

    # The events the workflow code saw and made, in Temporal's order, on either backend.
    bookkeeping = {"WORKFLOW_TASK_SCHEDULED", "WORKFLOW_TASK_STARTED", "ACTIVITY_TASK_STARTED"}
    kinds = [e["eventType"].removeprefix("EVENT_TYPE_") for e in events]
    assert [k for k in kinds if k not in bookkeeping] == [
        "WORKFLOW_EXECUTION_STARTED",
        "WORKFLOW_EXECUTION_SIGNALED",
        "WORKFLOW_TASK_COMPLETED",
        "ACTIVITY_TASK_SCHEDULED",
        "ACTIVITY_TASK_COMPLETED",
        "WORKFLOW_TASK_COMPLETED",
        "MARKER_RECORDED",
        "TIMER_STARTED",
        "TIMER_FIRED",
        "WORKFLOW_TASK_COMPLETED",
        "ACTIVITY_TASK_SCHEDULED",
        "ACTIVITY_TASK_COMPLETED",
        "WORKFLOW_TASK_COMPLETED",
        "WORKFLOW_EXECUTION_COMPLETED",
    ]
    marker = _attributes(events[kinds.index("MARKER_RECORDED")])
    assert marker["markerName"] == "core_local_activity"
    assert _decoded(marker["details"]["result"]["payloads"][0]) == "hello local"
    assert _attributes(events[kinds.index("TIMER_STARTED")]) | {"workflowTaskCompletedEventId": "x"} == {
        "timerId": "1",
        "startToFireTimeout": "5s",
        "workflowTaskCompletedEventId": "x",
    }
    signal = _attributes(events[kinds.index("WORKFLOW_EXECUTION_SIGNALED")])
    assert signal["signalName"] == "add"
    completed = _attributes(events[-1])
    assert [_decoded(p) for p in completed["result"]["payloads"]] == [["hello ada", "hello local", "hello grace"]]
    for kind in ("ACTIVITY_TASK_COMPLETED", "TIMER_FIRED"):
        refers = _attributes(events[kinds.index(kind)])
        assert refers.get("scheduledEventId", refers.get("startedEventId")) in {e["eventId"] for e in events}


async def test_history_from_its_json_replays(client, task_queue):
    history = await greeter_history(client, task_queue, "wf-json-replay")
    again = WorkflowHistory.from_json("wf-json-replay", history.to_json())
    assert again.workflow_id == "wf-json-replay"
    assert again.run_id == history.run_id
    replayed = await sdk.new_replayer([Greeter]).replay_workflow(again)
    assert replayed.replay_failure is None
    # from a dict too, as temporalio accepts it
    from_dict = WorkflowHistory.from_json("wf-json-replay", history.to_json_dict())
    assert (await sdk.new_replayer([Greeter]).replay_workflow(from_dict)).replay_failure is None


async def test_history_from_json_reports_a_code_change_as_nondeterminism(client, task_queue):
    history = await greeter_history(client, task_queue, "wf-json-nondet")
    again = WorkflowHistory.from_json("wf-json-nondet", history.to_json())
    replayer = sdk.new_replayer([GreeterWithoutTimer])
    with pytest.raises(workflow.NondeterminismError):
        await replayer.replay_workflow(again)
    result = await replayer.replay_workflow(again, raise_on_replay_failure=False)
    assert isinstance(result.replay_failure, workflow.NondeterminismError)
