"""Workflow execution and run timeouts on both local backends: retries, late deadlines.

(How a timeout looks to a client and to a parent is in tests/compat/second_wave, which
also runs on real Temporal.)
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from durable import workflow
from durable._replay import events as ev
from durable._runtime.deadlines import DEADLINE_DEDUP
from durable._runtime.inbox import send_to_inbox
from durable.client import WorkflowExecutionStatus, WorkflowFailureError
from durable.common import RetryPolicy
from durable.exceptions import ChildWorkflowError, TimeoutError
from durable.worker import Worker


@workflow.defn
class CountsAttempts:
    @workflow.run
    async def run(self) -> int:
        if workflow.info().attempt < 3:
            await workflow.wait_condition(lambda: False)  # this attempt times out
        return workflow.info().attempt


@workflow.defn
class ParentRetryingOnTimeout:
    @workflow.run
    async def run(self, run_timeout: bool) -> int:
        return await workflow.execute_child_workflow(
            CountsAttempts.run,
            id=f"{workflow.info().workflow_id}-child",
            run_timeout=timedelta(minutes=5) if run_timeout else None,
            execution_timeout=None if run_timeout else timedelta(minutes=5),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5),
        )


async def test_a_run_that_timed_out_is_retried_per_the_retry_policy(env):
    async with Worker(env.client, task_queue="q", workflows=[ParentRetryingOnTimeout, CountsAttempts]):
        attempt = await env.client.execute_workflow(
            ParentRetryingOnTimeout.run, True, id=f"wf-{uuid.uuid4()}", task_queue="q"
        )
    assert attempt == 3


async def test_the_execution_timeout_is_never_retried(env):
    async with Worker(env.client, task_queue="q", workflows=[ParentRetryingOnTimeout, CountsAttempts]):
        wf = f"wf-{uuid.uuid4()}"
        with pytest.raises(WorkflowFailureError) as exc_info:
            await env.client.execute_workflow(ParentRetryingOnTimeout.run, False, id=wf, task_queue="q")
    assert isinstance(exc_info.value.cause, ChildWorkflowError)
    assert isinstance(exc_info.value.cause.cause, TimeoutError)
    child = env.client.get_workflow_handle(f"{wf}-child")
    assert (await child.describe()).status == WorkflowExecutionStatus.TIMED_OUT
    started = (await child.fetch_history()).events[0]["attributes"]
    assert started.get("attempt", 1) == 1  # the first run timed out, and no other run began


@workflow.defn
class Quick:
    @workflow.run
    async def run(self) -> str:
        return "done"


async def test_a_deadline_after_the_run_completed_changes_nothing(env):
    async with Worker(env.client, task_queue="q", workflows=[Quick]):
        handle = await env.client.start_workflow(
            Quick.run, id=f"wf-{uuid.uuid4()}", task_queue="q", run_timeout=timedelta(hours=1)
        )
        assert await handle.result() == "done"
        before = (await handle.fetch_history()).events
        await env.sleep(timedelta(hours=2))  # the run's own deadline fires, late
        # and a duplicate of it, sent straight to the inbox
        send_to_inbox(
            env.runtime.backend.services, handle.id, handle.result_run_id, "timeout", DEADLINE_DEDUP, chain=False
        )
        await env.sleep(timedelta(minutes=1))
        after = (await handle.fetch_history()).events
        description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.COMPLETED
    assert after == before
    assert not any(e["event_type"] == ev.WORKFLOW_TIMED_OUT for e in after)


@workflow.defn
class ContinuesForever:
    @workflow.run
    async def run(self, n: int) -> None:
        await workflow.sleep(timedelta(minutes=10))
        workflow.continue_as_new(n + 1)


async def test_execution_timeout_spans_the_chain_of_continue_as_new(env):
    # Not in tests/compat: Temporal's time-skipping test server does not skip to the
    # deadline of a chain that keeps continuing as new (the test waits there for ever).
    client, task_queue = env.client, "q"
    async with Worker(client, task_queue=task_queue, workflows=[ContinuesForever]):
        handle = await client.start_workflow(
            ContinuesForever.run,
            0,
            id=f"wf-{uuid.uuid4()}",
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        )
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
        latest = await client.get_workflow_handle(handle.id).describe()
    assert isinstance(exc_info.value.cause, TimeoutError)
    assert latest.status == WorkflowExecutionStatus.TIMED_OUT
    assert latest.run_id != handle.result_run_id  # a later run of the chain timed out
    first = client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
    assert (await first.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW
