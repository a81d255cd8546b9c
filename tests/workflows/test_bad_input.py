"""Bad input gets a clear, typed error and loses nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import (
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from durable.common import RetryPolicy
from durable.exceptions import ActivityError, ApplicationError, PayloadSizeError
from durable.service import RPCError, RPCStatusCode
from durable.worker import Worker


@activity.defn
async def echo(value: str) -> str:
    return value


@activity.defn
async def huge() -> str:
    return "x" * 2_100_000


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
        with pytest.raises(
            WorkflowQueryFailedError, match=r"Query handler for 'nope' expected but not found, known queries: \[\]"
        ):
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
        with pytest.raises(PayloadSizeError, match=r"over the limit of 2097152 bytes \(2 MB\)"):
            await env.client.start_workflow(Echo.run, "x" * 2_100_000, id="too-big", task_queue="bad")


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


# -- input that does not fit its handler: dropped, rejected or failed alone, never a wedged run --


@workflow.defn
class Tally:
    def __init__(self) -> None:
        self.total = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.total >= 10)
        return self.total

    @workflow.signal
    def add(self, n: int) -> None:
        self.total += n

    @workflow.update
    def bump(self, n: int) -> int:
        self.total += n
        return self.total

    @workflow.update
    def reset(self) -> int:
        self.total = 0
        return 0

    @workflow.query
    def scaled(self, factor: int) -> int:
        return self.total * factor

    @workflow.query
    def broken(self) -> int:
        raise ValueError("no answer today")


async def test_a_signal_whose_argument_does_not_decode_is_dropped_with_a_log_line_and_the_run_goes_on(env, caplog):
    async with Worker(env.client, task_queue="bad", workflows=[Tally]):
        handle = await env.client.start_workflow(Tally.run, id="bad-signal", task_queue="bad")
        await handle.signal(Tally.add, "three")
        await handle.signal(Tally.add, 4)
        assert await handle.query(Tally.scaled, 1) == 4
        assert (await handle.describe()).workflow_task_failure is None
        await handle.signal(Tally.add, 6)
        assert await handle.result() == 10
    assert "Failed deserializing signal input for add on workflow Tally with ID bad-signal and run ID " in caplog.text
    events = [e["event_type"] for e in (await handle.fetch_history()).events]
    assert events.count("WorkflowExecutionSignaled") == 3  # the dropped one stays in the history
    assert "WorkflowTaskFailed" not in events


async def test_an_update_whose_argument_does_not_decode_is_rejected_to_its_caller(env):
    async with Worker(env.client, task_queue="bad", workflows=[Tally]):
        handle = await env.client.start_workflow(Tally.run, id="bad-update", task_queue="bad")
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await handle.execute_update(Tally.bump, "three")
        cause = info.value.cause
        assert isinstance(cause, ApplicationError)
        assert (cause.type, cause.message) == ("RuntimeError", "Failed decoding arguments")
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await handle.execute_update(Tally.reset, args=[1, 2])
        assert "update 'reset' cannot take 2 argument(s)" in str(info.value.cause)
        assert await handle.execute_update(Tally.bump, 10) == 10
        assert await handle.result() == 10
        assert (await handle.describe()).workflow_task_failure is None


async def test_a_failing_query_fails_that_query_only(env):
    async with Worker(env.client, task_queue="bad", workflows=[Tally]):
        handle = await env.client.start_workflow(Tally.run, id="bad-query", task_queue="bad")
        await handle.signal(Tally.add, 3)
        with pytest.raises(WorkflowQueryFailedError, match="Failed decoding arguments"):
            await handle.query(Tally.scaled, "twice")
        with pytest.raises(WorkflowQueryFailedError, match="^no answer today$"):
            await handle.query(Tally.broken)
        assert await handle.query(Tally.scaled, 2) == 6
        await handle.signal(Tally.add, 7)
        assert await handle.result() == 10
        assert (await handle.describe()).workflow_task_failure is None


# -- back-off: capped at maximum_interval whatever the attempt and the coefficient --
# A coefficient of 1e200 overflows a float at the third attempt, as 2.0 does at ~1,025.
STEEP = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=1e200, maximum_interval=timedelta(seconds=2)
)


@activity.defn
async def fails_three_times() -> int:
    if activity.info().attempt <= 3:
        raise RuntimeError(f"attempt {activity.info().attempt}")
    return activity.info().attempt


@workflow.defn
class SteepActivityRetries:
    @workflow.run
    async def run(self, local: bool) -> int:
        if local:
            return await workflow.execute_local_activity(
                fails_three_times, start_to_close_timeout=timedelta(seconds=5), retry_policy=STEEP
            )
        return await workflow.execute_activity(
            fails_three_times, start_to_close_timeout=timedelta(seconds=5), retry_policy=STEEP
        )


@workflow.defn
class FailsThreeRuns:
    @workflow.run
    async def run(self) -> int:
        if workflow.info().attempt <= 3:
            raise ApplicationError(f"run {workflow.info().attempt}")
        return workflow.info().attempt


@workflow.defn
class SteepChildRetries:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_child_workflow(FailsThreeRuns.run, id="steep-child", retry_policy=STEEP)


async def run_to_its_end(env, handle):
    """Let the run's back-offs pass until it closes; a workflow task failure on the way fails the test.

    Time moves by explicit steps rather than behind ``result()``, so a run that wedged
    fails here instead of waiting forever.
    """
    for _ in range(30):
        d = await handle.describe()
        assert d.workflow_task_failure is None, d.workflow_task_failure
        if d.status != WorkflowExecutionStatus.RUNNING:
            return await handle.result()
        await env.sleep(timedelta(seconds=3))
    raise AssertionError("the run did not close after 90 s of back-offs capped at 2 s")


@pytest.mark.parametrize("local", [False, True], ids=["activity", "local-activity"])
async def test_an_activity_backoff_with_a_steep_coefficient_stays_capped(env, local):
    async with Worker(env.client, task_queue="bad", workflows=[SteepActivityRetries], activities=[fails_three_times]):
        handle = await env.client.start_workflow(SteepActivityRetries.run, local, id=f"steep-{local}", task_queue="bad")
        assert await run_to_its_end(env, handle) == 4


async def test_a_child_workflow_retry_with_a_steep_coefficient_stays_capped(env):
    async with Worker(env.client, task_queue="bad", workflows=[SteepChildRetries, FailsThreeRuns]):
        handle = await env.client.start_workflow(SteepChildRetries.run, id="steep-parent", task_queue="bad")
        assert await run_to_its_end(env, handle) == 4
