"""A client interceptor sees every call of the client, schedules and async activities
included, each with its input (in process, on both backends; over HTTP in the compat run).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from durable import workflow
from durable.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleUpdate,
)
from durable.testing import WorkflowEnvironment
from durable.worker import Worker


class _Recorder(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, calls: list[tuple[str, str]]) -> None:
        super().__init__(next)
        self.calls = calls

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name.startswith("_") or name in ("next", "calls") or not callable(attr):
            return attr

        def record(input: Any) -> Any:
            self.calls.append((name, type(input).__name__))
            return attr(input)

        return record


class Recording(Interceptor):
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Recorder(next, self.calls)


@workflow.defn
class Waits:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.signal
    def finish(self) -> None:
        self.done = True


@pytest.fixture(params=["memory", "moto"])
async def env(request: pytest.FixtureRequest):
    async with await WorkflowEnvironment.start_time_skipping(backend=request.param) as e:
        yield e


async def test_each_client_call_goes_through_the_interceptor_with_its_input(env) -> None:
    recording = Recording()
    config = env.client.config()
    config["interceptors"] = [recording]
    client = Client(**config)
    task_queue = f"calls-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[Waits]):
        handle = await client.start_workflow(Waits.run, id=f"waits-{uuid.uuid4()}", task_queue=task_queue)
        await handle.describe()
        await handle.signal(Waits.finish)
        await handle.result()
        await handle.fetch_history()
        [_ async for _ in client.list_workflows()]
        await client.count_workflows()
        other = await client.start_workflow(Waits.run, id=f"waits-{uuid.uuid4()}", task_queue=task_queue)
        await other.cancel()
        third = await client.start_workflow(Waits.run, id=f"waits-{uuid.uuid4()}", task_queue=task_queue)
        await third.terminate("enough")
        schedule = await client.create_schedule(
            f"sched-{uuid.uuid4()}",
            Schedule(
                action=ScheduleActionStartWorkflow(Waits.run, id="scheduled", task_queue=task_queue),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
            ),
        )
        await schedule.pause(note="pause")
        await schedule.unpause()
        await schedule.describe()
        await schedule.update(lambda current: ScheduleUpdate(schedule=current.description.schedule))
        [_ async for _ in await client.list_schedules()]
        await schedule.delete()
    assert recording.calls == [
        ("start_workflow", "StartWorkflowInput"),
        ("describe_workflow", "DescribeWorkflowInput"),
        ("signal_workflow", "SignalWorkflowInput"),
        ("fetch_workflow_history_events", "FetchWorkflowHistoryEventsInput"),
        ("list_workflows", "ListWorkflowsInput"),
        ("count_workflows", "CountWorkflowsInput"),
        ("start_workflow", "StartWorkflowInput"),
        ("cancel_workflow", "CancelWorkflowInput"),
        ("start_workflow", "StartWorkflowInput"),
        ("terminate_workflow", "TerminateWorkflowInput"),
        ("create_schedule", "CreateScheduleInput"),
        ("pause_schedule", "PauseScheduleInput"),
        ("unpause_schedule", "UnpauseScheduleInput"),
        ("describe_schedule", "DescribeScheduleInput"),
        ("update_schedule", "UpdateScheduleInput"),
        ("list_schedules", "ListSchedulesInput"),
        ("delete_schedule", "DeleteScheduleInput"),
    ]


async def test_an_environment_started_with_interceptors_gives_them_to_its_client() -> None:
    recording = Recording()
    async with await WorkflowEnvironment.start_time_skipping(interceptors=[recording]) as env:
        assert env.client.config()["interceptors"] == [recording]
        task_queue = f"calls-{uuid.uuid4()}"
        async with Worker(env.client, task_queue=task_queue, workflows=[Waits]):
            handle = await env.client.start_workflow(Waits.run, id=f"waits-{uuid.uuid4()}", task_queue=task_queue)
            await handle.signal(Waits.finish)
            await handle.result()
    assert recording.calls == [("start_workflow", "StartWorkflowInput"), ("signal_workflow", "SignalWorkflowInput")]
