"""Child workflows where Temporal's time-skipping test server cannot be the reference.

That server neither applies parent-close policies (temporalio/sdk-java#1079) nor reports
a terminated child to its parent (sdk-java#2921), and an ABANDON cancellation leaves it
unable to shut down cleanly. These tests pin Temporal's server semantics as documented:
TERMINATE (the default) terminates a running child when the parent closes for any reason,
REQUEST_CANCEL asks it to cancel, ABANDON leaves it alone; a terminated child reaches
its parent as ``ChildWorkflowError`` caused by ``TerminatedError``.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from durable import exceptions, workflow
from durable.client import Client, WorkflowExecutionStatus
from durable.worker import Worker


@workflow.defn
class Sleeper:
    """A child that waits to be released, and ends cleanly when cancelled."""

    def __init__(self) -> None:
        self.released = False

    @workflow.signal
    def release(self) -> None:
        self.released = True

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.released)
        return "released"


@workflow.defn
class Starter:
    """Starts a Sleeper with a policy; then returns, waits forever, or awaits it."""

    @workflow.run
    async def run(self, child_id: str, policy: int, then: str, cancellation_type: int = 2) -> dict:
        handle = await workflow.start_child_workflow(
            Sleeper.run,
            id=child_id,
            parent_close_policy=workflow.ParentClosePolicy(policy),
            cancellation_type=workflow.ChildWorkflowCancellationType(cancellation_type),
        )
        if then == "wait":
            await workflow.wait_condition(lambda: False)
        if then == "cancel-handle":
            await workflow.sleep(1)
            handle.cancel()
        if then in ("await", "cancel-handle"):
            try:
                return {"result": await handle}
            except exceptions.ChildWorkflowError as err:
                return {
                    "message": err.message,
                    "cause": type(err.cause).__name__,
                    "cause_message": getattr(err.cause, "message", ""),
                    "retry_state": err.retry_state,
                    "workflow_id": err.workflow_id,
                    "cancelled": exceptions.is_cancelled_exception(err),
                }
        return {"result": "returned"}


async def status_of(client: Client, workflow_id: str) -> WorkflowExecutionStatus:
    return (await client.get_workflow_handle(workflow_id).describe()).status


async def wait_status(client: Client, workflow_id: str, status: WorkflowExecutionStatus) -> None:
    async with asyncio.timeout(20):  # a wrong outcome fails here instead of hanging the suite
        await _until_status(client, workflow_id, status)


async def _until_status(client: Client, workflow_id: str, status: WorkflowExecutionStatus) -> None:
    while True:
        try:
            if await status_of(client, workflow_id) == status:
                return
        except Exception:  # not visible yet
            pass
        await asyncio.sleep(0.01)


async def wait_started(client: Client, workflow_id: str) -> None:
    """Until the child has run its first workflow task."""
    handle = client.get_workflow_handle(workflow_id)
    async with asyncio.timeout(20):
        await _until_first_task(handle)


async def _until_first_task(handle) -> None:
    while True:
        try:
            history = await handle.fetch_history()
            if any(e["event_type"] == "WorkflowTaskCompleted" for e in history.events):
                return
        except Exception:  # not visible yet
            pass
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    "policy, child_status",
    [
        (workflow.ParentClosePolicy.TERMINATE, WorkflowExecutionStatus.TERMINATED),
        (workflow.ParentClosePolicy.REQUEST_CANCEL, WorkflowExecutionStatus.CANCELED),
        (workflow.ParentClosePolicy.ABANDON, WorkflowExecutionStatus.RUNNING),
    ],
)
async def test_parent_close_policy_when_the_parent_completes(env, policy, child_status) -> None:
    child_id = f"child-{uuid.uuid4()}"
    async with Worker(env.client, task_queue="policies", workflows=[Starter, Sleeper]):
        out = await env.client.execute_workflow(
            Starter.run, args=[child_id, int(policy), "return"], id=f"parent-{uuid.uuid4()}", task_queue="policies"
        )
        assert out == {"result": "returned"}
        await wait_status(env.client, child_id, child_status)
        if child_status == WorkflowExecutionStatus.RUNNING:
            child = env.client.get_workflow_handle(child_id)
            await child.signal(Sleeper.release)
            assert await child.result() == "released"


async def test_the_default_policy_is_terminate(env) -> None:
    @workflow.defn(name="DefaultPolicy")
    class DefaultPolicy:
        @workflow.run
        async def run(self, child_id: str) -> str:
            await workflow.start_child_workflow(Sleeper.run, id=child_id)
            return "done"

    child_id = f"child-{uuid.uuid4()}"
    async with Worker(env.client, task_queue="policies", workflows=[DefaultPolicy, Sleeper]):
        assert (
            await env.client.execute_workflow(
                DefaultPolicy.run, child_id, id=f"p-{uuid.uuid4()}", task_queue="policies"
            )
            == "done"
        )
        await wait_status(env.client, child_id, WorkflowExecutionStatus.TERMINATED)


@pytest.mark.parametrize(
    "how, policy, child_status",
    [
        ("cancel", workflow.ParentClosePolicy.TERMINATE, WorkflowExecutionStatus.TERMINATED),
        ("cancel", workflow.ParentClosePolicy.REQUEST_CANCEL, WorkflowExecutionStatus.CANCELED),
        ("terminate", workflow.ParentClosePolicy.TERMINATE, WorkflowExecutionStatus.TERMINATED),
        ("terminate", workflow.ParentClosePolicy.REQUEST_CANCEL, WorkflowExecutionStatus.CANCELED),
        ("terminate", workflow.ParentClosePolicy.ABANDON, WorkflowExecutionStatus.RUNNING),
    ],
)
async def test_closing_the_parent_from_outside_applies_the_policy(env, how, policy, child_status) -> None:
    child_id, parent_id = f"child-{uuid.uuid4()}", f"parent-{uuid.uuid4()}"
    async with Worker(env.client, task_queue="policies", workflows=[Starter, Sleeper]):
        handle = await env.client.start_workflow(
            Starter.run, args=[child_id, int(policy), "wait"], id=parent_id, task_queue="policies"
        )
        await wait_started(env.client, child_id)
        if how == "cancel":
            await handle.cancel()
            await wait_status(env.client, parent_id, WorkflowExecutionStatus.CANCELED)
        else:
            await handle.terminate("enough")
        await wait_status(env.client, child_id, child_status)
        assert await status_of(env.client, parent_id) != WorkflowExecutionStatus.RUNNING
        if child_status == WorkflowExecutionStatus.RUNNING:
            await env.client.get_workflow_handle(child_id).terminate("clean up")


async def test_a_terminated_child_fails_its_parent_with_terminated_cause(env) -> None:
    child_id = f"child-{uuid.uuid4()}"
    async with Worker(env.client, task_queue="policies", workflows=[Starter, Sleeper]):
        handle = await env.client.start_workflow(
            Starter.run,
            args=[child_id, int(workflow.ParentClosePolicy.TERMINATE), "await"],
            id=f"parent-{uuid.uuid4()}",
            task_queue="policies",
        )
        await wait_started(env.client, child_id)
        await env.client.get_workflow_handle(child_id).terminate("stop it")
        out = await handle.result()
    assert out == {
        "message": "Child Workflow execution terminated",
        "cause": "TerminatedError",
        "cause_message": "Terminated",
        "retry_state": exceptions.RetryState.NON_RETRYABLE_FAILURE,
        "workflow_id": child_id,
        "cancelled": False,
    }


async def test_abandon_cancellation_resolves_at_once_and_leaves_the_child_running(env) -> None:
    child_id = f"child-{uuid.uuid4()}"
    async with Worker(env.client, task_queue="policies", workflows=[Starter, Sleeper]):
        out = await env.client.execute_workflow(
            Starter.run,
            args=[
                child_id,
                int(workflow.ParentClosePolicy.ABANDON),
                "cancel-handle",
                int(workflow.ChildWorkflowCancellationType.ABANDON),
            ],
            id=f"parent-{uuid.uuid4()}",
            task_queue="policies",
        )
        assert await status_of(env.client, child_id) == WorkflowExecutionStatus.RUNNING
        child = env.client.get_workflow_handle(child_id)
        await child.signal(Sleeper.release)
        assert await child.result() == "released"
    assert out["cancelled"] is True and out["cause"] == "CancelledError"
    assert out["message"] == "Child Workflow execution cancelled"
