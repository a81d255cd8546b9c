"""What happens when workflow code raises."""

from __future__ import annotations

import asyncio

import pytest

from .sdk import WorkflowExecutionStatus, WorkflowFailureError, exceptions, new_worker, workflow


@workflow.defn
class RaisesRuntimeError:
    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("bug in workflow code")


@workflow.defn
class RaisesApplicationError:
    @workflow.run
    async def run(self, non_retryable: bool) -> None:
        raise exceptions.ApplicationError(
            "business rule broken", "detail-1", 2, type="RuleError", non_retryable=non_retryable
        )


@workflow.defn
class RaisesPlainApplicationError:
    @workflow.run
    async def run(self) -> None:
        raise exceptions.ApplicationError("plain")


@workflow.defn
class RaisesInSignal:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.done)
        return "done"

    @workflow.signal
    def explode(self, kind: str) -> None:
        if kind == "app":
            raise exceptions.ApplicationError("from signal", type="SignalError")
        raise RuntimeError("from signal")


async def test_non_application_error_fails_the_task_and_workflow_keeps_running(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RaisesRuntimeError]):
        handle = await client.start_workflow(RaisesRuntimeError.run, id="wf-bug", task_queue=task_queue)
        # the failed workflow task is retried and the workflow stays RUNNING. (A test
        # server's env.sleep() here would take real time: it does not skip time while
        # a workflow task is outstanding.)
        await asyncio.sleep(0.5)
        desc = await handle.describe()
        assert desc.status == WorkflowExecutionStatus.RUNNING
        assert desc.close_time is None
        await handle.terminate(reason="cleanup")
    assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED


async def test_application_error_fails_the_workflow(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RaisesApplicationError]):
        handle = await client.start_workflow(RaisesApplicationError.run, False, id="wf-app", task_queue=task_queue)
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
    err = exc_info.value
    assert str(err) == "Workflow execution failed"
    cause = err.cause
    assert isinstance(cause, exceptions.ApplicationError)
    assert cause.message == "business rule broken"
    assert cause.type == "RuleError"
    assert list(cause.details) == ["detail-1", 2]
    # the workflow fails on the first raise: no workflow retry, non_retryable or not
    assert cause.non_retryable is False
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED


async def test_application_error_non_retryable_flag_round_trips(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RaisesApplicationError]):
        with pytest.raises(WorkflowFailureError) as exc_info:
            await client.execute_workflow(RaisesApplicationError.run, True, id="wf-app-nr", task_queue=task_queue)
    assert exc_info.value.cause.non_retryable is True


async def test_application_error_without_type(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RaisesPlainApplicationError]):
        with pytest.raises(WorkflowFailureError) as exc_info:
            await client.execute_workflow(RaisesPlainApplicationError.run, id="wf-app-plain", task_queue=task_queue)
    cause = exc_info.value.cause
    assert isinstance(cause, exceptions.ApplicationError)
    assert cause.message == "plain"
    assert cause.type is None  # not "ApplicationError"
    assert list(cause.details) == []
    assert cause.next_retry_delay is None


async def test_application_error_in_signal_handler_fails_the_workflow(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RaisesInSignal]):
        handle = await client.start_workflow(RaisesInSignal.run, id="wf-sigerr", task_queue=task_queue)
        await handle.signal(RaisesInSignal.explode, "app")
        with pytest.raises(WorkflowFailureError) as exc_info:
            await handle.result()
    assert exc_info.value.cause.type == "SignalError"
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED


async def test_runtime_error_in_signal_handler_fails_the_task_only(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RaisesInSignal]):
        handle = await client.start_workflow(RaisesInSignal.run, id="wf-sigbug", task_queue=task_queue)
        await handle.signal(RaisesInSignal.explode, "bug")
        await asyncio.sleep(0.5)
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await handle.terminate(reason="cleanup")
