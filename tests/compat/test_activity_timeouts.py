"""Activity timeouts firing, and cancelling a workflow that is awaiting an activity."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from .sdk import (
    RetryPolicy,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    activity,
    exceptions,
    new_worker,
    workflow,
)

NO_RETRY = RetryPolicy(maximum_attempts=1)
ACTIVITY_SAW: list[str] = []


@activity.defn
async def slow(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "finished"


@activity.defn
async def silent_after_first_heartbeat() -> str:
    activity.heartbeat("only-once")
    await asyncio.sleep(10)
    return "finished"


@activity.defn
async def heartbeat_until_cancelled() -> str:
    try:
        while True:
            activity.heartbeat()
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        ACTIVITY_SAW.append("CancelledError")
        raise


def _describe(err: exceptions.ActivityError) -> dict:
    cause = err.cause
    return {
        "error": type(err).__name__,
        "retry_state": err.retry_state.name if err.retry_state else None,
        "cause": type(cause).__name__,
        "timeout_type": cause.type.name if isinstance(cause, exceptions.TimeoutError) and cause.type else None,
        "last_heartbeat_details": list(cause.last_heartbeat_details)
        if isinstance(cause, exceptions.TimeoutError)
        else None,
    }


@workflow.defn
class Timeouts:
    @workflow.run
    async def run(self, kind: str) -> dict:
        try:
            if kind == "start_to_close":
                await workflow.execute_activity(
                    slow, 3.0, start_to_close_timeout=timedelta(seconds=1), retry_policy=NO_RETRY
                )
            elif kind == "heartbeat":
                await workflow.execute_activity(
                    silent_after_first_heartbeat,
                    start_to_close_timeout=timedelta(seconds=30),
                    heartbeat_timeout=timedelta(seconds=1),
                    retry_policy=NO_RETRY,
                )
            elif kind == "schedule_to_close":
                await workflow.execute_activity(slow, 3.0, schedule_to_close_timeout=timedelta(seconds=1))
        except exceptions.ActivityError as err:
            return _describe(err)
        return {}


@workflow.defn
class AwaitsActivity:
    @workflow.run
    async def run(self, catch: bool) -> str:
        if not catch:
            await workflow.execute_activity(
                heartbeat_until_cancelled,
                start_to_close_timeout=timedelta(seconds=30),
                heartbeat_timeout=timedelta(seconds=1),
            )
            return "completed"
        try:
            await workflow.execute_activity(
                heartbeat_until_cancelled,
                start_to_close_timeout=timedelta(seconds=30),
                heartbeat_timeout=timedelta(seconds=1),
            )
        except exceptions.ActivityError as err:
            return f"ActivityError({type(err.cause).__name__})"
        except asyncio.CancelledError:
            return "asyncio.CancelledError"
        return "completed"


async def test_start_to_close_timeout(client, task_queue):
    started = time.monotonic()
    async with new_worker(client, task_queue=task_queue, workflows=[Timeouts], activities=[slow]):
        result = await client.execute_workflow(Timeouts.run, "start_to_close", id="wf-stc", task_queue=task_queue)
    assert result == {
        "error": "ActivityError",
        "retry_state": "MAXIMUM_ATTEMPTS_REACHED",
        "cause": "TimeoutError",
        "timeout_type": "START_TO_CLOSE",
        "last_heartbeat_details": [],
    }
    # (the message is "Timeout" on the Java test server; do not rely on it)
    assert time.monotonic() - started < 5


async def test_heartbeat_timeout(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[Timeouts],
        activities=[silent_after_first_heartbeat],
    ):
        result = await client.execute_workflow(Timeouts.run, "heartbeat", id="wf-hbt", task_queue=task_queue)
    assert result == {
        "error": "ActivityError",
        "retry_state": "MAXIMUM_ATTEMPTS_REACHED",
        "cause": "TimeoutError",
        "timeout_type": "HEARTBEAT",
        "last_heartbeat_details": ["only-once"],
    }


async def test_schedule_to_close_timeout(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Timeouts], activities=[slow]):
        result = await client.execute_workflow(Timeouts.run, "schedule_to_close", id="wf-s2ct", task_queue=task_queue)
    assert result == {
        "error": "ActivityError",
        "retry_state": "TIMEOUT",
        "cause": "TimeoutError",
        "timeout_type": "SCHEDULE_TO_CLOSE",
        "last_heartbeat_details": [],
    }


async def test_cancel_workflow_while_awaiting_activity(client, task_queue):
    # the workflow sees ActivityError(cause=CancelledError), not asyncio.CancelledError
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[AwaitsActivity],
        activities=[heartbeat_until_cancelled],
    ):
        handle = await client.start_workflow(AwaitsActivity.run, True, id="wf-cancel-during-act", task_queue=task_queue)
        await asyncio.sleep(0.3)
        await handle.cancel()
        result = await handle.result()
    assert result == "ActivityError(CancelledError)"
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_cancel_workflow_while_awaiting_activity_uncaught(client, task_queue):
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[AwaitsActivity],
        activities=[heartbeat_until_cancelled],
    ):
        handle = await client.start_workflow(
            AwaitsActivity.run, False, id="wf-cancel-during-act2", task_queue=task_queue
        )
        await asyncio.sleep(0.3)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
    # an ActivityError caused by cancellation, left uncaught in a cancelled workflow,
    # ends the workflow CANCELED (not FAILED)
    cause = exc_info.value.cause
    assert isinstance(cause, exceptions.CancelledError)
    assert cause.message == "Workflow cancelled"
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED
