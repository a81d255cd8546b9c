"""Workflow execution timeouts (second wave; child workflows are in ../test_child_workflows.py)."""

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
class Forever:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


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
