"""WorkflowHandle.reset: a new run from a prefix of the history, as Temporal's reset.

Runs on the in-memory backend by default and on moto with DURABLE_TEST_BACKEND=moto.
"""

from __future__ import annotations

import asyncio
import collections
import json
import threading
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import ResetReapplyType, ResetType, WorkflowExecutionStatus, WorkflowHandle
from durable.service import RPCError, RPCStatusCode
from durable.testing import WorkflowEnvironment
from durable.worker import Replayer, Worker

CALLS: collections.Counter[tuple[str, str]] = collections.Counter()
_lock = threading.Lock()


@activity.defn
async def step(name: str) -> str:
    with _lock:
        CALLS[(activity.info().workflow_id, name)] += 1
    return name.upper()


@workflow.defn
class TwoSteps:
    def __init__(self) -> None:
        self.signals: list[str] = []

    @workflow.run
    async def run(self) -> str:
        a = await workflow.execute_activity(step, "a", start_to_close_timeout=timedelta(seconds=30))
        b = await workflow.execute_activity(step, "b", start_to_close_timeout=timedelta(seconds=30))
        await workflow.wait_condition(lambda: "go" in self.signals)
        return f"{a}{b}:{','.join(self.signals)}"

    @workflow.signal
    def add(self, value: str) -> None:
        self.signals.append(value)

    @workflow.query
    def seen(self) -> list[str]:
        return self.signals


@workflow.defn
class Ids:
    @workflow.run
    async def run(self) -> list[str]:
        first = str(workflow.uuid4())
        await workflow.execute_activity(step, "a", start_to_close_timeout=timedelta(seconds=30))
        return [first, str(workflow.uuid4())]


def calls(workflow_id: str, name: str) -> int:
    with _lock:
        return CALLS[(workflow_id, name)]


async def completed_run(env: WorkflowEnvironment, workflow_id: str, signals: list[str]) -> WorkflowHandle[str]:
    handle = await env.client.start_workflow(TwoSteps.run, id=workflow_id, task_queue="reset")
    for value in signals:
        await handle.signal(TwoSteps.add, value)
    await handle.signal(TwoSteps.add, "go")
    await handle.result()
    return handle


async def events_of(env: WorkflowEnvironment, handle: WorkflowHandle[str]) -> list[dict]:
    """The run's events as the engine logs them (the ids the API, the UI and the CLI show)."""
    _, events = env.runtime.control.history(handle.id, handle.run_id or handle.result_run_id)
    return list(events)


def task_ids(events: list[dict]) -> list[int]:
    return [e["event_id"] for e in events if e["event_type"] == "WorkflowTaskCompleted"]


async def test_reset_to_the_first_workflow_task_runs_every_activity_again_and_ends_the_same() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset", workflows=[TwoSteps, Ids], activities=[step]):
            handle = await completed_run(env, "reset-first", [])
            first = await handle.result()
            new = await handle.reset(reset_type=ResetType.FIRST_WORKFLOW_TASK, reason="redo")
            assert new.run_id != handle.result_run_id
            assert await new.result() == first == "AB:go"  # the signal re-applied
            assert calls("reset-first", "a") == 2 and calls("reset-first", "b") == 2
            old = await env.client.get_workflow_handle("reset-first", run_id=handle.result_run_id).describe()
            assert old.status is WorkflowExecutionStatus.COMPLETED  # closed before: not terminated
            described = await env.client.get_workflow_handle("reset-first").describe()
            assert described.run_id == new.run_id and described.status is WorkflowExecutionStatus.COMPLETED
            marker = next(e for e in await events_of(env, new) if e["event_type"] == "WorkflowTaskFailed")
            assert marker["attributes"]["cause"] == "ResetWorkflow"
            assert marker["attributes"]["base_run_id"] == handle.result_run_id
            # Temporal's JSON names the reset as Temporal does, and the new run's history replays.
            history = await new.fetch_history()
            failed = next(
                e for e in json.loads(history.to_json())["events"] if "workflowTaskFailedEventAttributes" in e
            )
            attrs = failed["workflowTaskFailedEventAttributes"]
            assert attrs["cause"] == "WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW"
            assert (attrs["baseRunId"], attrs["newRunId"]) == (handle.result_run_id, new.run_id)
            await Replayer(workflows=[TwoSteps]).replay_workflow(history)


async def test_reset_after_an_activity_keeps_its_result_and_runs_the_later_ones_again() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset", workflows=[TwoSteps, Ids], activities=[step]):
            handle = await completed_run(env, "reset-second", [])
            events = await events_of(env, handle)
            # The task that took a's result (and scheduled b): its inputs hold a's completion.
            completed_a = next(e["event_id"] for e in events if e["event_type"] == "ActivityTaskCompleted")
            point = min(i for i in task_ids(events) if i > completed_a)
            new = await handle.reset(event_id=point)
            assert await new.result() == "AB:go"
            assert calls("reset-second", "a") == 1 and calls("reset-second", "b") == 2


async def test_signals_after_the_point_are_reapplied_in_order_unless_told_not_to() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset", workflows=[TwoSteps, Ids], activities=[step]):
            handle = await completed_run(env, "reset-signals", ["x", "y"])
            assert await handle.result() == "AB:x,y,go"
            again = await handle.reset(reset_type=ResetType.FIRST_WORKFLOW_TASK)
            assert await again.result() == "AB:x,y,go"
            bare = await handle.reset(reset_type=ResetType.FIRST_WORKFLOW_TASK, reapply_type=ResetReapplyType.NONE)
            while await bare.query(TwoSteps.seen) != [] or calls("reset-signals", "b") < 3:
                await asyncio.sleep(0.01)
            assert (await bare.describe()).status is WorkflowExecutionStatus.RUNNING  # no "go": it waits
            await bare.signal(TwoSteps.add, "go")
            assert await bare.result() == "AB:go"


async def test_a_running_run_is_terminated_with_a_reason_naming_the_new_run() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset", workflows=[TwoSteps, Ids], activities=[step]):
            handle = await env.client.start_workflow(TwoSteps.run, id="reset-running", task_queue="reset")
            await handle.signal(TwoSteps.add, "x")
            while calls("reset-running", "b") < 1 or await handle.query(TwoSteps.seen) != ["x"]:
                await asyncio.sleep(0.01)
            new = await handle.reset(reset_type=ResetType.LAST_WORKFLOW_TASK, reason="bad deploy")
            old = await events_of(env, handle)
            close = old[-1]
            assert close["event_type"] == "WorkflowExecutionTerminated"
            assert close["attributes"]["reason"] == f"reset to run {new.run_id}: bad deploy"
            assert new.run_id in close["attributes"]["reason"]
            await new.signal(TwoSteps.add, "go")
            assert await new.result() == "AB:x,go"
            old_run = env.client.get_workflow_handle("reset-running", run_id=handle.result_run_id)
            assert (await old_run.describe()).status is WorkflowExecutionStatus.TERMINATED


async def test_an_event_id_that_is_not_a_workflow_task_is_refused_naming_the_valid_ones() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset", workflows=[TwoSteps, Ids], activities=[step]):
            handle = await completed_run(env, "reset-invalid", [])
            events = await events_of(env, handle)
            with pytest.raises(RPCError) as caught:
                await handle.reset(event_id=1)
            assert caught.value.status is RPCStatusCode.INVALID_ARGUMENT
            assert "event 1 is not a workflow task" in str(caught.value)
            assert ", ".join(str(i) for i in task_ids(events)) in str(caught.value)
            assert (await env.client.get_workflow_handle("reset-invalid").describe()).run_id == handle.result_run_id


async def test_a_repeated_request_answers_the_same_run_and_a_second_reset_is_refused() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset", workflows=[TwoSteps, Ids], activities=[step]):
            handle = await env.client.start_workflow(TwoSteps.run, id="reset-twice", task_queue="reset")
            while calls("reset-twice", "b") < 1:
                await asyncio.sleep(0.01)
            first = await handle.reset(reset_type=ResetType.FIRST_WORKFLOW_TASK, request_id="r1")
            # A retry of the call (its answer lost) answers the same run, whichever run it names.
            by_id = await handle.reset(reset_type=ResetType.FIRST_WORKFLOW_TASK, request_id="r1")
            old_run = env.client.get_workflow_handle("reset-twice", run_id=handle.result_run_id)
            by_run = await old_run.reset(reset_type=ResetType.FIRST_WORKFLOW_TASK, request_id="r1")
            assert by_id.run_id == by_run.run_id == first.run_id
            with pytest.raises(RPCError) as caught:
                await old_run.reset(reset_type=ResetType.FIRST_WORKFLOW_TASK, request_id="r2")
            assert caught.value.status is RPCStatusCode.FAILED_PRECONDITION
            assert first.run_id in str(caught.value)
            await first.signal(TwoSteps.add, "go")
            assert await first.result() == "AB:go"


async def test_the_code_replays_the_prefix_with_the_old_seed_and_decides_on_with_the_new_runs() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset", workflows=[TwoSteps, Ids], activities=[step]):
            handle = await env.client.start_workflow(Ids.run, id="reset-ids", task_queue="reset")
            before = await handle.result()
            new = await handle.reset(reset_type=ResetType.LAST_WORKFLOW_TASK)
            after = await new.result()
            # As Temporal's core: the prefix keeps its random values, the decisions after the point get new ones.
            assert after[0] == before[0] and after[1] != before[1]
            await Replayer(workflows=[Ids]).replay_workflow(await new.fetch_history())
            again = await new.reset(reset_type=ResetType.LAST_WORKFLOW_TASK)  # a reset of a reset run
            assert (await again.result())[0] == before[0]
            await Replayer(workflows=[Ids]).replay_workflow(await again.fetch_history())


@workflow.defn
class Napper:
    def __init__(self) -> None:
        self.got: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        await asyncio.sleep(3600)
        return self.got

    @workflow.signal
    def add(self, value: str) -> None:
        self.got.append(value)

    @workflow.query
    def seen(self) -> list[str]:
        return self.got


async def test_a_timer_the_prefix_left_running_fires_in_the_new_run() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="reset", workflows=[Napper]):
            handle = await env.client.start_workflow(Napper.run, id="reset-timer", task_queue="reset")
            await handle.signal(Napper.add, "x")
            while await handle.query(Napper.seen) != ["x"]:
                await asyncio.sleep(0.01)
            # The last task took the signal while the timer (started by the first) waited: it is
            # in the prefix, pending, and the new run's timer must be set again to end the run.
            new = await handle.reset(reset_type=ResetType.LAST_WORKFLOW_TASK)
            assert await asyncio.wait_for(new.result(), timeout=60) == ["x"]
            events = await events_of(env, new)
            assert [e["event_type"] for e in events].count("TimerStarted") == 1
            assert [e["event_type"] for e in events][-3:] == [
                "TimerFired",
                "WorkflowTaskCompleted",
                "WorkflowExecutionCompleted",
            ]
