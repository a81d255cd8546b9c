"""Workflow cancellation, activity cancellation and termination."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from .sdk import (
    WorkflowExecutionStatus,
    WorkflowFailureError,
    activity,
    exceptions,
    new_worker,
    workflow,
)

T5 = timedelta(seconds=5)

CLEANED: list[str] = []
ACTIVITY_SAW: list[str] = []


@activity.defn
async def cleanup(tag: str) -> str:
    CLEANED.append(tag)
    return f"cleaned {tag}"


@activity.defn
async def heartbeat_until_cancelled() -> str:
    try:
        while True:
            activity.heartbeat("beat")
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        ACTIVITY_SAW.append("CancelledError")
        raise


@workflow.defn
class CancellableWithCleanup:
    def __init__(self) -> None:
        self.started = False

    @workflow.run
    async def run(self, tag: str) -> str:
        try:
            self.started = True
            await asyncio.sleep(3600)
            return "slept"
        finally:
            # an activity started in `finally` after cancellation runs normally: the
            # cancellation was delivered once, to the await above
            await workflow.execute_activity(cleanup, tag, start_to_close_timeout=T5)


@workflow.defn
class CatchesCancellation:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.wait_condition(lambda: False)
        except asyncio.CancelledError as err:
            return f"caught {type(err).__module__}.{type(err).__name__}"
        return "not cancelled"


@workflow.defn
class CancelActivity:
    @workflow.run
    async def run(self, wait_for_activity: bool) -> dict:
        handle = workflow.start_activity(
            heartbeat_until_cancelled,
            start_to_close_timeout=timedelta(seconds=30),
            heartbeat_timeout=timedelta(seconds=1),
            cancellation_type=(
                workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
                if wait_for_activity
                else workflow.ActivityCancellationType.TRY_CANCEL
            ),
        )
        await asyncio.sleep(0.5)
        handle.cancel()
        try:
            await handle
        except exceptions.ActivityError as err:
            return {
                "error": type(err).__name__,
                "message": err.message,
                "retry_state": err.retry_state.name if err.retry_state else None,
                "cause": type(err.cause).__name__,
                "cause_message": getattr(err.cause, "message", None),
            }
        except asyncio.CancelledError:
            return {"error": "asyncio.CancelledError"}
        return {"error": None}


@workflow.defn
class Forever:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def test_cancel_workflow_runs_cleanup_and_ends_canceled(client, task_queue):
    CLEANED.clear()
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[CancellableWithCleanup],
        activities=[cleanup],
    ):
        handle = await client.start_workflow(CancellableWithCleanup.run, "t1", id="wf-cancel", task_queue=task_queue)
        await asyncio.sleep(0.2)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
    assert CLEANED == ["t1"]
    err = exc_info.value
    assert isinstance(err.cause, exceptions.CancelledError)
    assert err.cause.message == "Workflow cancelled"
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED


async def test_cancel_before_first_task_still_cancels(client, task_queue):
    handle = await client.start_workflow(CatchesCancellation.run, id="wf-cancel-early", task_queue=task_queue)
    await handle.cancel()
    async with new_worker(client, task_queue=task_queue, workflows=[CatchesCancellation]):
        assert await handle.result() == "caught asyncio.exceptions.CancelledError"


async def test_workflow_that_catches_cancellation_completes(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[CatchesCancellation]):
        handle = await client.start_workflow(CatchesCancellation.run, id="wf-catch", task_queue=task_queue)
        await asyncio.sleep(0.2)
        await handle.cancel()
        assert await handle.result() == "caught asyncio.exceptions.CancelledError"
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_cancel_activity_handle_try_cancel(client, task_queue):
    # default TRY_CANCEL: the workflow sees the ActivityError at once
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[CancelActivity],
        activities=[heartbeat_until_cancelled],
    ):
        result = await client.execute_workflow(CancelActivity.run, False, id="wf-cancel-act", task_queue=task_queue)
    assert result == {
        "error": "ActivityError",
        "message": "Activity cancelled",
        "retry_state": "CANCEL_REQUESTED",
        "cause": "CancelledError",
        "cause_message": "Cancelled",
    }


async def test_cancel_reaches_heartbeating_activity(client, task_queue):
    # WAIT_CANCELLATION_COMPLETED: the workflow resumes only after the activity, told
    # through its heartbeat, has raised asyncio.CancelledError
    ACTIVITY_SAW.clear()
    async with new_worker(
        client,
        task_queue=task_queue,
        workflows=[CancelActivity],
        activities=[heartbeat_until_cancelled],
    ):
        result = await client.execute_workflow(CancelActivity.run, True, id="wf-cancel-act2", task_queue=task_queue)
        assert ACTIVITY_SAW == ["CancelledError"]
    assert result["error"] == "ActivityError"
    assert result["cause"] == "CancelledError"
    assert result["retry_state"] == "CANCEL_REQUESTED"


async def test_terminate_with_reason(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Forever]):
        handle = await client.start_workflow(Forever.run, id="wf-term", task_queue=task_queue)
        await handle.terminate(reason="enough")
        desc = await handle.describe()
        assert desc.status == WorkflowExecutionStatus.TERMINATED
        assert desc.close_time is not None
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
    assert str(exc_info.value) == "Workflow execution failed"
    cause = exc_info.value.cause
    assert isinstance(cause, exceptions.TerminatedError)
    assert cause.message == "enough"
    assert list(cause.details) == []


async def test_terminate_positional_args_are_details_not_reason(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Forever]):
        handle = await client.start_workflow(Forever.run, id="wf-term2", task_queue=task_queue)
        await handle.terminate("enough")
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
    cause = exc_info.value.cause
    assert isinstance(cause, exceptions.TerminatedError)
    assert cause.message == "Workflow terminated"
    assert list(cause.details) == ["enough"]
