"""describe(), statuses, pending activities, history export/import, replay, id reuse."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import pytest

from . import sdk
from .sdk import (
    WorkflowExecutionStatus,
    WorkflowHistory,
    activity,
    exceptions,
    new_worker,
    workflow,
)

T5 = timedelta(seconds=5)


@activity.defn
async def echo(x: str) -> str:
    return x


@activity.defn
async def heartbeat_then_fail() -> None:
    activity.heartbeat(f"progress-{activity.info().attempt}")
    raise RuntimeError("keeps failing")


@workflow.defn
class EchoThenWait:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self, x: str) -> str:
        r = await workflow.execute_activity(echo, x, start_to_close_timeout=T5)
        await workflow.wait_condition(lambda: self.go)
        return r

    @workflow.signal
    def finish(self) -> None:
        self.go = True


@workflow.defn
class RetryForever:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(
            heartbeat_then_fail,
            start_to_close_timeout=T5,
            activity_id="flaky",
            retry_policy=sdk.RetryPolicy(initial_interval=timedelta(seconds=10), backoff_coefficient=1.0),
        )


async def test_status_values():
    S = WorkflowExecutionStatus
    assert [(s.name, int(s)) for s in S] == [
        ("RUNNING", 1),
        ("COMPLETED", 2),
        ("FAILED", 3),
        ("CANCELED", 4),
        ("TERMINATED", 5),
        ("CONTINUED_AS_NEW", 6),
        ("TIMED_OUT", 7),
    ]


async def test_describe_running_then_completed(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[EchoThenWait], activities=[echo]):
        handle = await client.start_workflow(EchoThenWait.run, "x", id="wf-desc", task_queue=task_queue)
        desc = await handle.describe()
        assert desc.id == "wf-desc"
        assert desc.run_id == handle.result_run_id == handle.first_execution_run_id
        assert desc.status == WorkflowExecutionStatus.RUNNING
        assert desc.workflow_type == "EchoThenWait"
        assert desc.task_queue == task_queue
        assert isinstance(desc.start_time, datetime)
        assert desc.start_time.tzinfo is not None
        assert desc.close_time is None
        assert desc.history_length > 0
        await handle.signal(EchoThenWait.finish)
        assert await handle.result() == "x"
        done = await handle.describe()
        assert done.status == WorkflowExecutionStatus.COMPLETED
        assert done.close_time is not None and done.close_time >= done.start_time
        assert done.history_length > desc.history_length


async def test_describe_pending_activity_while_retrying(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[RetryForever],
        activities=[heartbeat_then_fail],
    ):
        handle = await client.start_workflow(RetryForever.run, id="wf-pending", task_queue=task_queue)
        pending: list = []
        for _ in range(100):  # attempt 1 runs on the worker in real time, then fails
            pending = await sdk.pending_activities(await handle.describe())
            if pending and pending[0].attempt >= 2:
                break
            await asyncio.sleep(0.02)
        assert len(pending) == 1
        pa = pending[0]
        assert pa.activity_id == "flaky"
        assert pa.activity_type == "heartbeat_then_fail"
        # during the 10 s backoff, attempt already names the attempt that runs next
        assert pa.attempt == 2
        # a real server says SCHEDULED during the backoff; the Java time-skipping test
        # server keeps saying STARTED
        assert pa.state in ("SCHEDULED", "STARTED")
        # the failed attempt's last heartbeat survives the failure
        assert pa.last_heartbeat_details == ["progress-1"]
        await handle.terminate(reason="done")


async def test_fetch_history_json_round_trip(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[EchoThenWait], activities=[echo]):
        handle = await client.start_workflow(EchoThenWait.run, "x", id="wf-hist", task_queue=task_queue)
        await handle.signal(EchoThenWait.finish)
        await handle.result()
    history = await handle.fetch_history()
    assert history.workflow_id == "wf-hist"
    assert history.run_id == handle.result_run_id
    assert len(history.events) == (await handle.describe()).history_length
    text = history.to_json()
    assert isinstance(text, str)
    assert isinstance(json.loads(text)["events"], list)
    again = WorkflowHistory.from_json("wf-hist", text)
    assert again.workflow_id == "wf-hist"
    assert len(again.events) == len(history.events)
    assert again.run_id == history.run_id


async def test_workflow_already_started(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[EchoThenWait], activities=[echo]):
        handle = await client.start_workflow(EchoThenWait.run, "x", id="wf-dup", task_queue=task_queue)
        with pytest.raises(exceptions.WorkflowAlreadyStartedError) as exc_info:
            await client.start_workflow(EchoThenWait.run, "y", id="wf-dup", task_queue=task_queue)
        err = exc_info.value
        assert err.workflow_id == "wf-dup"
        assert err.workflow_type == "EchoThenWait"
        assert err.run_id == handle.result_run_id
        assert str(err) == "Workflow execution already started"
        await handle.signal(EchoThenWait.finish)
        await handle.result()
        # once closed, the same id may be started again (default reuse policy)
        second = await client.start_workflow(EchoThenWait.run, "z", id="wf-dup", task_queue=task_queue)
        assert second.result_run_id != handle.result_run_id
        await second.signal(EchoThenWait.finish)
        assert await second.result() == "z"
