"""Async activity completion: raise_complete_async, then complete or fail with the task token."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from .sdk import RetryPolicy, WorkflowFailureError, activity, exceptions, new_worker, workflow

TOKENS: list[bytes] = []


@activity.defn
async def approve(request: str) -> str:
    TOKENS.append(activity.info().task_token)
    activity.raise_complete_async()


@workflow.defn
class Approval:
    @workflow.run
    async def run(self, request: str) -> str:
        return await workflow.execute_activity(
            approve, request, start_to_close_timeout=timedelta(hours=1), retry_policy=RetryPolicy(maximum_attempts=1)
        )


@workflow.defn
class QuickApproval:
    @workflow.run
    async def run(self, request: str) -> str:
        # Temporal's test server does not skip time while an activity is pending: keep it short
        return await workflow.execute_activity(
            approve, request, start_to_close_timeout=timedelta(seconds=2), retry_policy=RetryPolicy(maximum_attempts=1)
        )


async def wait_for_token() -> bytes:
    for _ in range(1000):
        if TOKENS:
            return TOKENS.pop()
        await asyncio.sleep(0.005)
    raise AssertionError("the activity never started")


async def test_complete_an_activity_later_with_its_token(client, task_queue):
    TOKENS.clear()
    async with new_worker(client, task_queue=task_queue, workflows=[Approval], activities=[approve]):
        handle = await client.start_workflow(Approval.run, "refund #7", id="wf-async-ok", task_queue=task_queue)
        token = await wait_for_token()
        assert isinstance(token, bytes)
        await client.get_async_activity_handle(task_token=token).heartbeat("still thinking")
        await client.get_async_activity_handle(task_token=token).complete("approved")
        assert await handle.result() == "approved"


async def test_fail_an_activity_later_with_its_token(client, task_queue):
    TOKENS.clear()
    async with new_worker(client, task_queue=task_queue, workflows=[Approval], activities=[approve]):
        handle = await client.start_workflow(Approval.run, "refund #8", id="wf-async-fail", task_queue=task_queue)
        token = await wait_for_token()
        await client.get_async_activity_handle(task_token=token).fail(
            exceptions.ApplicationError("rejected", type="Rejected")
        )
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    err = info.value.cause
    assert isinstance(err, exceptions.ActivityError)
    assert isinstance(err.cause, exceptions.ApplicationError) and err.cause.type == "Rejected"


async def test_an_activity_never_completed_times_out(client, task_queue):
    TOKENS.clear()
    async with new_worker(client, task_queue=task_queue, workflows=[QuickApproval], activities=[approve]):
        handle = await client.start_workflow(
            QuickApproval.run, "refund #9", id="wf-async-timeout", task_queue=task_queue
        )
        await wait_for_token()
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    err = info.value.cause
    assert isinstance(err, exceptions.ActivityError)
    assert isinstance(err.cause, exceptions.TimeoutError)
    assert err.cause.type == exceptions.TimeoutType.START_TO_CLOSE
