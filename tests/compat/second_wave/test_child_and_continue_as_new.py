"""Child workflows and workflow execution timeouts (second wave)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ..sdk import (
    WorkflowExecutionStatus,
    WorkflowFailureError,
    exceptions,
    new_worker,
    workflow,
)


@workflow.defn
class Child:
    @workflow.run
    async def run(self, x: int) -> int:
        if x < 0:
            raise exceptions.ApplicationError("negative", type="NegativeError")
        return x * 10


@workflow.defn
class Parent:
    @workflow.run
    async def run(self, x: int) -> dict:
        try:
            r = await workflow.execute_child_workflow(Child.run, x, id=f"child-{x}")
            return {"result": r}
        except exceptions.ChildWorkflowError as err:
            return {
                "error": type(err).__name__,
                "message": err.message,
                "workflow_id": err.workflow_id,
                "workflow_type": err.workflow_type,
                "cause": type(err.cause).__name__,
                "cause_type": getattr(err.cause, "type", None),
            }


@workflow.defn
class Forever:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def test_child_workflow_result(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Parent, Child]):
        result = await client.execute_workflow(
            Parent.run, 4, id="wf-parent", task_queue=task_queue
        )
    assert result == {"result": 40}


async def test_child_workflow_failure(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Parent, Child]):
        result = await client.execute_workflow(
            Parent.run, -1, id="wf-parent-fail", task_queue=task_queue
        )
    assert result == {
        "error": "ChildWorkflowError",
        "message": "Child Workflow execution failed",
        "workflow_id": "child--1",
        "workflow_type": "Child",
        "cause": "ApplicationError",
        "cause_type": "NegativeError",
    }


async def test_workflow_execution_timeout(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Forever]):
        handle = await client.start_workflow(
            Forever.run,
            id="wf-exec-timeout",
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        )
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
    cause = exc_info.value.cause
    assert isinstance(cause, exceptions.TimeoutError)
    assert cause.type == exceptions.TimeoutType.START_TO_CLOSE
    assert cause.message == "Workflow timed out"
    assert (await handle.describe()).status == WorkflowExecutionStatus.TIMED_OUT
