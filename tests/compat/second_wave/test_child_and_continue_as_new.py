"""Workflow execution timeouts (second wave; child workflows are in ../test_child_workflows.py)."""

from __future__ import annotations

import uuid
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


@workflow.defn
class ShowTimeouts:
    @workflow.run
    async def run(self) -> list[float | None]:
        info = workflow.info()
        return [
            info.execution_timeout.total_seconds() if info.execution_timeout else None,
            info.run_timeout.total_seconds() if info.run_timeout else None,
            info.task_timeout.total_seconds() if info.task_timeout else None,
        ]


async def test_info_shows_the_timeouts_of_the_start(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[ShowTimeouts]):
        given = await client.execute_workflow(
            ShowTimeouts.run,
            id=f"wf-{uuid.uuid4()}",
            task_queue=task_queue,
            execution_timeout=timedelta(hours=2),
            run_timeout=timedelta(hours=1),
            task_timeout=timedelta(seconds=20),
        )
        only_execution = await client.execute_workflow(
            ShowTimeouts.run, id=f"wf-{uuid.uuid4()}", task_queue=task_queue, execution_timeout=timedelta(hours=2)
        )
        none = await client.execute_workflow(ShowTimeouts.run, id=f"wf-{uuid.uuid4()}", task_queue=task_queue)
    assert given == [7200.0, 3600.0, 20.0]
    assert only_execution == [7200.0, 7200.0, 10.0]  # the run timeout defaults to the execution timeout
    # With none given, Temporal's test server shows ten years where its server shows none.
    assert none[2] == 10.0


@workflow.defn
class ParentOfForever:
    @workflow.run
    async def run(self, run_timeout: bool) -> list[str]:
        timeout = timedelta(minutes=30)
        try:
            await workflow.execute_child_workflow(
                Forever.run,
                id=f"{workflow.info().workflow_id}-child",
                execution_timeout=None if run_timeout else timeout,
                run_timeout=timeout if run_timeout else None,
            )
        except exceptions.ChildWorkflowError as err:
            cause = err.cause
            assert isinstance(cause, exceptions.TimeoutError)
            return [type(err).__name__, err.message, cause.message, cause.type.name if cause.type else ""]
        return []


@pytest.mark.parametrize("run_timeout", [False, True], ids=["execution", "run"])
async def test_a_parent_sees_its_child_time_out(client, task_queue, run_timeout):
    async with new_worker(client, task_queue=task_queue, workflows=[ParentOfForever, Forever]):
        seen = await client.execute_workflow(
            ParentOfForever.run, run_timeout, id=f"wf-{uuid.uuid4()}", task_queue=task_queue
        )
    assert seen == ["ChildWorkflowError", "Child Workflow execution timed out", "Timed out", "START_TO_CLOSE"]
