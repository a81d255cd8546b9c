"""Workflow updates: handler result, call by name, validator rejection, ids, stages, failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from .. import sdk
from ..sdk import (
    RPCError,
    WorkflowUpdateStage,
    activity,
    event_types,
    exceptions,
    new_worker,
    workflow,
)


@workflow.defn
class Counter:
    def __init__(self) -> None:
        self.value = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.value

    @workflow.update
    def add(self, amount: int) -> int:
        self.value += amount
        return self.value

    @add.validator
    def check_add(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")

    @workflow.signal
    def finish(self) -> None:
        self.done = True


async def test_update_and_validator(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Counter]):
        handle = await client.start_workflow(Counter.run, id="wf-upd", task_queue=task_queue)
        assert await handle.execute_update(Counter.add, 5) == 5
        assert await handle.execute_update("add", 2) == 7
        with pytest.raises(sdk.WorkflowUpdateFailedError) as exc_info:
            await handle.execute_update(Counter.add, -1)
        err = exc_info.value
        assert str(err) == "Workflow update failed"
        # the validator's ValueError arrives as an ApplicationError typed "ValueError"
        assert isinstance(err.cause, exceptions.ApplicationError)
        assert err.cause.type == "ValueError"
        assert err.cause.message == "amount must be positive"
        await handle.signal(Counter.finish)
        assert await handle.result() == 7  # the rejected update changed nothing


async def test_rejected_update_leaves_no_event(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Counter]):
        handle = await client.start_workflow(Counter.run, id="wf-upd-rejected", task_queue=task_queue)
        assert await handle.execute_update(Counter.add, 1) == 1
        before = event_types(await handle.fetch_history())
        assert before.count("WorkflowExecutionUpdateAccepted") == 1
        assert before.count("WorkflowExecutionUpdateCompleted") == 1
        with pytest.raises(sdk.WorkflowUpdateFailedError):
            await handle.execute_update(Counter.add, -1)
        with pytest.raises(sdk.WorkflowUpdateFailedError) as exc_info:
            await handle.execute_update("nope", 1)
        assert isinstance(exc_info.value.cause, exceptions.ApplicationError)
        assert "Update handler for 'nope' expected but not found" in exc_info.value.cause.message
        after = event_types(await handle.fetch_history())
        # No update event. The Java test server keeps the rejecting workflow tasks in
        # history, where a real server drops them (speculative tasks): only those may differ.
        assert after[: len(before)] == before
        assert set(after[len(before) :]) <= {"WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted"}
        await handle.signal(Counter.finish)
        assert await handle.result() == 1


async def test_update_id_deduplicates(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Counter]):
        handle = await client.start_workflow(Counter.run, id="wf-upd-dedup", task_queue=task_queue)
        assert await handle.execute_update(Counter.add, 5, id="once") == 5
        # the same id again: the first outcome, not a second run of the handler
        assert await handle.execute_update(Counter.add, 5, id="once") == 5
        assert await handle.get_update_handle("once").result() == 5
        assert await handle.execute_update(Counter.add, 1, id="twice") == 6
        types = event_types(await handle.fetch_history())
        assert types.count("WorkflowExecutionUpdateAccepted") == 2
        await handle.signal(Counter.finish)
        assert await handle.result() == 6


@activity.defn
async def double(x: int) -> int:
    return x * 2


@workflow.defn
class Approvals:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.approved = False
        self.done = False

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: self.done)
        return self.log

    @workflow.update
    async def compute(self, x: int) -> int:
        info = workflow.current_update_info()
        assert info is not None
        self.log.append(f"{info.name}:{info.id}")
        return await workflow.execute_activity(double, x, start_to_close_timeout=timedelta(seconds=10))

    @workflow.update(name="wait-approval")
    async def wait_approval(self, who: str) -> str:
        await workflow.wait_condition(lambda: self.approved)
        return f"approved for {who}"

    @workflow.update
    async def explode(self) -> None:
        raise exceptions.ApplicationError("no way", type="Refused")

    @workflow.signal
    def approve(self) -> None:
        self.approved = True

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def outside_update(self) -> bool:
        return workflow.current_update_info() is None


async def test_update_runs_an_activity(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Approvals], activities=[double]):
        handle = await client.start_workflow(Approvals.run, id="wf-upd-activity", task_queue=task_queue)
        assert await handle.execute_update(Approvals.compute, 21, id="c-1") == 42
        assert await handle.query(Approvals.outside_update) is True
        types = event_types(await handle.fetch_history())
        accepted = types.index("WorkflowExecutionUpdateAccepted")
        assert types.index("ActivityTaskScheduled") > accepted
        assert types.index("WorkflowExecutionUpdateCompleted") > types.index("ActivityTaskCompleted")
        await handle.signal(Approvals.finish)
        assert await handle.result() == ["compute:c-1"]


async def test_start_update_waits_for_acceptance(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Approvals]):
        handle = await client.start_workflow(Approvals.run, id="wf-upd-accepted", task_queue=task_queue)
        update = await handle.start_update(
            Approvals.wait_approval, "ann", id="approval-1", wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )
        assert update.id == "approval-1"
        assert update.workflow_id == "wf-upd-accepted"
        types = event_types(await handle.fetch_history())
        assert "WorkflowExecutionUpdateAccepted" in types
        assert "WorkflowExecutionUpdateCompleted" not in types
        await handle.signal(Approvals.approve)
        assert await update.result() == "approved for ann"
        # a handle got by id sees the same outcome
        assert await handle.get_update_handle_for(Approvals.wait_approval, "approval-1").result() == "approved for ann"
        await handle.signal(Approvals.finish)
        await handle.result()


async def test_update_handler_failure_completes_the_update(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Approvals]):
        handle = await client.start_workflow(Approvals.run, id="wf-upd-fails", task_queue=task_queue)
        with pytest.raises(sdk.WorkflowUpdateFailedError) as exc_info:
            await handle.execute_update(Approvals.explode)
        assert isinstance(exc_info.value.cause, exceptions.ApplicationError)
        assert exc_info.value.cause.type == "Refused"
        assert exc_info.value.cause.message == "no way"
        # accepted (no validator), then completed with the failure: both are in history
        types = event_types(await handle.fetch_history())
        assert types.count("WorkflowExecutionUpdateAccepted") == 1
        assert types.count("WorkflowExecutionUpdateCompleted") == 1
        await handle.signal(Approvals.finish)
        assert await handle.result() == []


async def test_rejected_start_update_fails_on_result(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Counter]):
        handle = await client.start_workflow(Counter.run, id="wf-upd-start-rejected", task_queue=task_queue)
        update = await handle.start_update(Counter.add, -3, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        assert update.id  # a new UUID by default
        with pytest.raises(sdk.WorkflowUpdateFailedError):
            await update.result()
        with pytest.raises(ValueError):
            await handle.start_update(Counter.add, 1, wait_for_stage=WorkflowUpdateStage.ADMITTED)
        await handle.signal(Counter.finish)
        assert await handle.result() == 0


async def test_update_on_a_completed_workflow_fails(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Counter]):
        handle = await client.start_workflow(Counter.run, id="wf-upd-closed", task_queue=task_queue)
        await handle.signal(Counter.finish)
        assert await handle.result() == 0
        with pytest.raises(RPCError) as exc_info:
            await handle.execute_update(Counter.add, 1)
        # The message differs: "update <id> not found" on the test server, "workflow
        # execution already completed" on a real one.
        assert exc_info.value.status == sdk.RPCStatusCode.NOT_FOUND


async def test_update_still_running_when_the_workflow_completes(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Approvals]):
        handle = await client.start_workflow(Approvals.run, id="wf-upd-unfinished", task_queue=task_queue)
        update = await handle.start_update(Approvals.wait_approval, "bob", wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        with pytest.warns(workflow.UnfinishedUpdateHandlersWarning, match=r"\[TMPRL1102\].*wait-approval"):
            await handle.signal(Approvals.finish)
            assert await handle.result() == []
        with pytest.raises(sdk.WorkflowUpdateFailedError) as exc_info:
            await asyncio.wait_for(update.result(), 10)
        cause = exc_info.value.cause
        assert isinstance(cause, exceptions.ApplicationError)
        assert cause.non_retryable
        assert cause.type == "AcceptedUpdateCompletedWorkflow"
        assert cause.message == "Workflow Update failed because the Workflow completed before the Update completed."


async def test_an_update_sent_before_any_worker_waits_for_one(client, task_queue):
    handle = await client.start_workflow(Counter.run, id="wf-upd-no-worker", task_queue=task_queue)
    pending = asyncio.ensure_future(handle.execute_update(Counter.add, 4))
    await asyncio.sleep(0.5)
    assert not pending.done()
    async with new_worker(client, task_queue=task_queue, workflows=[Counter]):
        assert await asyncio.wait_for(pending, 15) == 4
        await handle.signal(Counter.finish)
        assert await handle.result() == 4
