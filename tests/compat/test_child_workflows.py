"""Child workflows: start, result, failures, cancellation and parent-close policies."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from .sdk import (
    RetryPolicy,
    WorkflowExecutionStatus,
    exceptions,
    new_worker,
    workflow,
)


def error_shape(err: BaseException) -> dict[str, Any]:
    """What a workflow can see of a ChildWorkflowError, as plain data."""
    shape: dict[str, Any] = {"error": type(err).__name__, "message": getattr(err, "message", str(err))}
    if isinstance(err, exceptions.ChildWorkflowError):
        shape.update(
            namespace=err.namespace,
            workflow_id=err.workflow_id,
            workflow_type=err.workflow_type,
            has_run_id=bool(err.run_id),
            retry_state=int(err.retry_state) if err.retry_state is not None else None,
            initiated=err.initiated_event_id > 0,
            started=err.started_event_id > 0,
            cancelled=exceptions.is_cancelled_exception(err),
        )
    cause = err.__cause__
    if cause is not None:
        shape["cause"] = type(cause).__name__
        shape["cause_message"] = getattr(cause, "message", str(cause))
        shape["cause_type"] = getattr(cause, "type", None)
        if isinstance(shape["cause_type"], int):
            shape["cause_type"] = int(shape["cause_type"])
    return shape


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


async def test_child_workflow_result(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Parent, Child]):
        result = await client.execute_workflow(Parent.run, 4, id="wf-parent", task_queue=task_queue)
    assert result == {"result": 40}


async def test_child_workflow_failure(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Parent, Child]):
        result = await client.execute_workflow(Parent.run, -1, id="wf-parent-fail", task_queue=task_queue)
    assert result == {
        "error": "ChildWorkflowError",
        "message": "Child Workflow execution failed",
        "workflow_id": "child--1",
        "workflow_type": "Child",
        "cause": "ApplicationError",
        "cause_type": "NegativeError",
    }


@workflow.defn
class Waiter:
    """A child that waits for a signal, reports what it knows about itself, and can be cancelled."""

    def __init__(self) -> None:
        self.released: str | None = None

    @workflow.signal
    def release(self, value: str) -> None:
        self.released = value

    @workflow.query
    def ready(self) -> bool:
        return True

    @workflow.run
    async def run(self, tag: str) -> dict:
        await workflow.wait_condition(lambda: self.released is not None)
        info = workflow.info()
        parent = info.parent
        return {
            "tag": tag,
            "released": self.released,
            "task_queue": info.task_queue,
            "parent_id": parent.workflow_id if parent else None,
            "parent_run_id": parent.run_id if parent else None,
        }


@workflow.defn
class SignalsItsChild:
    @workflow.run
    async def run(self) -> dict:
        handle = await workflow.start_child_workflow(Waiter.run, "t1")
        await handle.signal(Waiter.release, "go")
        result = await handle
        return {
            "result": result,
            "id_is_uuid": len(handle.id) == 36 and handle.id.count("-") == 4,
            "has_first_run_id": bool(handle.first_execution_run_id),
            "own_run_id": workflow.info().run_id,
            "own_id": workflow.info().workflow_id,
            "child_id": handle.id,
        }


async def test_start_child_handle_signal_and_defaults(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[SignalsItsChild, Waiter]):
        out = await client.execute_workflow(SignalsItsChild.run, id="wf-signals-child", task_queue=task_queue)
    assert out["id_is_uuid"] and out["has_first_run_id"]
    child = await client.get_workflow_handle(out["child_id"]).describe()
    assert (child.parent_id, child.parent_run_id) == ("wf-signals-child", out["own_run_id"])
    assert out["result"] == {
        "tag": "t1",
        "released": "go",
        "task_queue": task_queue,
        "parent_id": "wf-signals-child",
        "parent_run_id": out["own_run_id"],
    }


@workflow.defn
class StartsTwiceWithOneId:
    @workflow.run
    async def run(self) -> dict:
        first = await workflow.start_child_workflow(Waiter.run, "a", id="same-child-id")
        try:
            await workflow.start_child_workflow(Waiter.run, "b", id="same-child-id")
        except exceptions.WorkflowAlreadyStartedError as err:
            await first.signal(Waiter.release, "done")
            await first
            return {"error": type(err).__name__, "workflow_id": err.workflow_id, "workflow_type": err.workflow_type}
        return {"error": None}


async def test_start_child_with_an_id_in_use_raises_already_started(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[StartsTwiceWithOneId, Waiter]):
        out = await client.execute_workflow(StartsTwiceWithOneId.run, id="wf-twice", task_queue=task_queue)
    assert out == {"error": "WorkflowAlreadyStartedError", "workflow_id": "same-child-id", "workflow_type": "Waiter"}


@workflow.defn
class AwaitsChild:
    """Starts a Waiter child and reports how awaiting it ended."""

    @workflow.run
    async def run(self, child_id: str, cancellation_type: int) -> dict:
        handle = await workflow.start_child_workflow(
            Waiter.run,
            "x",
            id=child_id,
            cancellation_type=workflow.ChildWorkflowCancellationType(cancellation_type),
        )
        try:
            return {"result": await handle}
        except exceptions.ChildWorkflowError as err:
            return error_shape(err) | {"run_id_matches": err.run_id == handle.first_execution_run_id}


async def wait_status(client, workflow_id: str, status) -> None:
    """Wait until a workflow reaches a status (the engine gets there asynchronously)."""
    handle = client.get_workflow_handle(workflow_id)
    while True:
        try:
            if (await handle.describe()).status == status:
                return
        except Exception:  # not visible yet
            pass
        await asyncio.sleep(0.05)


async def wait_child_running(client, workflow_id: str) -> None:
    """Wait until a Waiter child has run its first workflow task (it answers queries)."""
    handle = client.get_workflow_handle(workflow_id)
    while True:
        try:
            if await handle.query(Waiter.ready):
                return
        except Exception:  # not started, or its first workflow task has not run yet
            pass
        await asyncio.sleep(0.05)


async def result_without_skipping(handle) -> Any:
    """The result, waited for without letting the test server skip time.

    Awaiting ``result()`` on a time-skipping server lets it jump to the parent's default
    ten-year timeout before the child's close reaches the parent: poll describe instead.
    """
    while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
        await asyncio.sleep(0.05)
    return await handle.result()


async def test_child_cancelled_by_client_surfaces_as_cancelled_child_error(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[AwaitsChild, Waiter]):
        handle = await client.start_workflow(
            AwaitsChild.run, args=["cancel-child", 2], id="wf-cancel-parent", task_queue=task_queue
        )
        await wait_child_running(client, "cancel-child")
        await client.get_workflow_handle("cancel-child").cancel()
        out = await result_without_skipping(handle)
    assert out == {
        "error": "ChildWorkflowError",
        "message": "Child Workflow execution cancelled",
        "namespace": "default",
        "workflow_id": "cancel-child",
        "workflow_type": "Waiter",
        "has_run_id": True,
        "retry_state": int(exceptions.RetryState.NON_RETRYABLE_FAILURE),
        "initiated": True,
        "started": True,
        "cancelled": True,
        "cause": "CancelledError",
        "cause_message": "Cancelled",
        "cause_type": None,
        "run_id_matches": True,
    }


@workflow.defn
class FailsChild:
    @workflow.run
    async def run(self) -> dict:
        try:
            await workflow.execute_child_workflow(Child.run, -5, id="failing-child")
        except exceptions.ChildWorkflowError as err:
            return error_shape(err)
        return {}


async def test_child_failure_error_attributes(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[FailsChild, Child]):
        out = await client.execute_workflow(FailsChild.run, id="wf-fails-child", task_queue=task_queue)
    assert out == {
        "error": "ChildWorkflowError",
        "message": "Child Workflow execution failed",
        "namespace": "default",
        "workflow_id": "failing-child",
        "workflow_type": "Child",
        "has_run_id": True,
        "retry_state": None,
        "initiated": True,
        "started": True,
        "cancelled": False,
        "cause": "ApplicationError",
        "cause_message": "negative",
        "cause_type": "NegativeError",
    }


@workflow.defn
class CancelsItsChild:
    """Cancels the task awaiting a Waiter child, with a given cancellation type."""

    @workflow.run
    async def run(self, child_id: str, cancellation_type: int) -> dict:
        handle = await workflow.start_child_workflow(
            Waiter.run,
            "x",
            id=child_id,
            cancellation_type=workflow.ChildWorkflowCancellationType(cancellation_type),
            # so that the child's status shows the cancellation, not the parent's close
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        )
        await workflow.sleep(1)
        handle.cancel()
        try:
            return {"result": await handle}
        except exceptions.ChildWorkflowError as err:
            return error_shape(err)


@pytest.mark.parametrize(
    "kind, child_status",
    [
        ("WAIT_CANCELLATION_COMPLETED", WorkflowExecutionStatus.CANCELED),
        ("WAIT_CANCELLATION_REQUESTED", WorkflowExecutionStatus.CANCELED),
        ("TRY_CANCEL", WorkflowExecutionStatus.CANCELED),
        # ABANDON is in tests/workflows/test_child_policies.py: on the time-skipping test
        # server it leaves the environment unable to shut down cleanly.
    ],
)
async def test_cancelling_the_child_handle_by_cancellation_type(client, task_queue, kind, child_status):
    child_id = f"cancelled-child-{kind.lower()}"
    value = int(getattr(workflow.ChildWorkflowCancellationType, kind))
    async with new_worker(client, task_queue=task_queue, workflows=[CancelsItsChild, Waiter]):
        handle = await client.start_workflow(
            CancelsItsChild.run, args=[child_id, value], id=f"wf-cancels-{kind.lower()}", task_queue=task_queue
        )
        out = await result_without_skipping(handle)
        await wait_status(client, child_id, child_status)
        if child_status == WorkflowExecutionStatus.RUNNING:  # abandoned: it still works
            child = client.get_workflow_handle(child_id)
            await child.signal(Waiter.release, "later")
            assert (await result_without_skipping(child))["released"] == "later"
    assert out["error"] == "ChildWorkflowError" and out["cancelled"] is True, out
    assert out["cause"] == "CancelledError", out
    assert (out["workflow_id"], out["workflow_type"]) == (child_id, "Waiter")


async def test_cancelling_the_parent_cancels_the_awaited_child(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[AwaitsChild, Waiter]):
        handle = await client.start_workflow(
            AwaitsChild.run, args=["awaited-child", 2], id="wf-cancelled-parent", task_queue=task_queue
        )
        await wait_child_running(client, "awaited-child")
        await handle.cancel()
        # The cancellation reaches the task awaiting the child, which asks the child to
        # cancel and waits (WAIT_CANCELLATION_COMPLETED); the parent catches the error.
        out = await result_without_skipping(handle)
        await wait_status(client, "awaited-child", WorkflowExecutionStatus.CANCELED)
    assert out["error"] == "ChildWorkflowError" and out["cancelled"] is True, out
    assert (out["message"], out["cause"]) == ("Child Workflow execution cancelled", "CancelledError")


@workflow.defn
class Countdown:
    @workflow.run
    async def run(self, n: int, seen: int) -> dict:
        if n > 0:
            workflow.continue_as_new(args=[n - 1, seen + 1])
        return {"runs": seen + 1, "parent": workflow.info().parent.workflow_id}


@workflow.defn
class AwaitsCountdown:
    @workflow.run
    async def run(self) -> dict:
        return await workflow.execute_child_workflow(Countdown.run, args=[2, 0], id="countdown-child")


async def test_child_that_continues_as_new_reports_its_last_run(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[AwaitsCountdown, Countdown]):
        out = await client.execute_workflow(AwaitsCountdown.run, id="wf-countdown", task_queue=task_queue)
    assert out == {"runs": 3, "parent": "wf-countdown"}


@workflow.defn
class Flaky:
    @workflow.run
    async def run(self, succeed_on: int) -> dict:
        attempt = workflow.info().attempt
        if attempt < succeed_on:
            raise exceptions.ApplicationError(f"attempt {attempt} failed", type="Flaky")
        return {
            "attempt": attempt,
            "first_run_differs": workflow.info().run_id != workflow.info().first_execution_run_id,
        }


@workflow.defn
class RetriesChild:
    @workflow.run
    async def run(self, succeed_on: int, max_attempts: int) -> dict:
        try:
            return await workflow.execute_child_workflow(
                Flaky.run,
                succeed_on,
                id=f"flaky-{succeed_on}-{max_attempts}",
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=max_attempts),
            )
        except exceptions.ChildWorkflowError as err:
            return error_shape(err)


async def test_child_retry_policy_retries_failed_runs(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RetriesChild, Flaky]):
        out = await client.execute_workflow(RetriesChild.run, args=[3, 5], id="wf-retries", task_queue=task_queue)
    assert out == {"attempt": 3, "first_run_differs": True}


async def test_child_retry_policy_gives_up_after_maximum_attempts(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RetriesChild, Flaky]):
        out = await client.execute_workflow(RetriesChild.run, args=[9, 2], id="wf-gives-up", task_queue=task_queue)
    assert out == {
        "error": "ChildWorkflowError",
        "message": "Child Workflow execution failed",
        "namespace": "default",
        "workflow_id": "flaky-9-2",
        "workflow_type": "Flaky",
        "has_run_id": True,
        "retry_state": None,  # temporalio leaves it unset on a child failure
        "initiated": True,
        "started": True,
        "cancelled": False,
        "cause": "ApplicationError",
        "cause_message": "attempt 2 failed",
        "cause_type": "Flaky",
    }
