"""Bad input gets a clear, typed error and loses nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import WorkflowExecutionStatus, WorkflowFailureError, WorkflowQueryFailedError
from durable.exceptions import ActivityError, ApplicationError, PayloadSizeError
from durable.service import RPCError, RPCStatusCode
from durable.worker import Worker


@activity.defn
async def echo(value: str) -> str:
    return value


@activity.defn
async def huge() -> str:
    return "x" * 300_000


@workflow.defn
class Echo:
    @workflow.run
    async def run(self, value: str) -> str:
        return await workflow.execute_activity(echo, value, start_to_close_timeout=timedelta(seconds=5))


@workflow.defn
class Huge:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(huge, start_to_close_timeout=timedelta(seconds=5))


@workflow.defn
class Buggy:
    def __init__(self) -> None:
        self.fixed = False

    @workflow.run
    async def run(self) -> str:
        raise KeyError("a bug in workflow code")


async def wait_for_task_failure(handle, attempts: int = 1):
    for _ in range(500):
        d = await handle.describe()
        if d.workflow_task_failure is not None and d.status == WorkflowExecutionStatus.RUNNING:
            return d
        await asyncio.sleep(0.01)
    raise AssertionError("the workflow task never failed")


async def test_unknown_workflow_type_fails_the_task_visibly_and_keeps_the_run(env):
    async with Worker(env.client, task_queue="bad", workflows=[Echo], activities=[echo]):
        handle = await env.client.start_workflow("NoSuchWorkflow", "x", id="unknown-type", task_queue="bad")
        d = await wait_for_task_failure(handle)
        assert "NoSuchWorkflow is not registered" in str(d.workflow_task_failure)
        assert "available workflows: [Echo]" in str(d.workflow_task_failure)
        await handle.terminate(reason="cleanup")
        assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED


async def test_a_bug_in_workflow_code_fails_the_task_not_the_workflow(env):
    async with Worker(env.client, task_queue="bad", workflows=[Buggy]):
        handle = await env.client.start_workflow(Buggy.run, id="buggy", task_queue="bad")
        d = await wait_for_task_failure(handle)
        assert isinstance(d.workflow_task_failure, ApplicationError)
        assert d.workflow_task_failure.type == "KeyError"
        history = (await handle.fetch_history()).events
        assert [e["event_type"] for e in history][:2] == ["WorkflowExecutionStarted", "WorkflowTaskFailed"]
        await handle.terminate()


async def test_unknown_query_names_the_known_ones(env):
    async with Worker(env.client, task_queue="bad", workflows=[Echo], activities=[echo]):
        handle = await env.client.start_workflow(Echo.run, "x", id="q", task_queue="bad")
        await handle.result()
        with pytest.raises(WorkflowQueryFailedError, match=r"Query handler for 'nope' expected but not found, known queries: \[\]"):
            await handle.query("nope")


async def test_an_argument_that_cannot_be_serialized_is_refused_before_anything_is_written(env):
    async with Worker(env.client, task_queue="bad", workflows=[Echo], activities=[echo]):
        with pytest.raises(TypeError, match="cannot serialize a value of type object"):
            await env.client.start_workflow(Echo.run, object(), id="unserializable", task_queue="bad")
        with pytest.raises(RPCError) as info:
            await env.client.get_workflow_handle("unserializable").describe()
        assert info.value.status == RPCStatusCode.NOT_FOUND


async def test_a_payload_over_the_limit_is_refused_with_the_limit_named(env):
    async with Worker(env.client, task_queue="bad", workflows=[Echo], activities=[echo]):
        with pytest.raises(PayloadSizeError, match="over the limit of 262144 bytes"):
            await env.client.start_workflow(Echo.run, "x" * 300_000, id="too-big", task_queue="bad")


async def test_an_activity_result_over_the_limit_fails_the_activity_without_retrying(env):
    async with Worker(env.client, task_queue="bad", workflows=[Huge], activities=[huge]):
        with pytest.raises(WorkflowFailureError) as info:
            await env.client.execute_workflow(Huge.run, id="huge", task_queue="bad")
    err = info.value.cause
    assert isinstance(err, ActivityError)
    assert isinstance(err.cause, ApplicationError) and err.cause.type == "PayloadSizeError"
    assert err.cause.non_retryable


async def test_signal_to_a_closed_workflow_is_an_rpc_error(env):
    async with Worker(env.client, task_queue="bad", workflows=[Echo], activities=[echo]):
        handle = await env.client.start_workflow(Echo.run, "x", id="closed", task_queue="bad")
        assert await handle.result() == "x"
        with pytest.raises(RPCError, match="already completed"):
            await handle.signal("anything")
