"""Signal-with-start and the workflow id reuse and conflict policies."""

from __future__ import annotations

import pytest

from .sdk import WorkflowExecutionStatus, WorkflowFailureError, common, exceptions, new_worker, workflow


@workflow.defn
class Inbox:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.first_seen: list[str] = []
        self.done = False

    @workflow.run
    async def run(self, fail: bool = False) -> list[str]:
        self.first_seen = list(self.items)
        await workflow.wait_condition(lambda: self.done)
        if fail:
            raise exceptions.ApplicationError("asked to fail")
        return [*self.first_seen, "|", *self.items]

    @workflow.signal
    def add(self, item: str) -> None:
        self.items.append(item)

    @workflow.signal
    def finish(self) -> None:
        self.done = True


async def test_signal_with_start_delivers_the_signal_before_run(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Inbox]):
        handle = await client.start_workflow(
            Inbox.run, id="wf-sws", task_queue=task_queue, start_signal="add", start_signal_args=["first"]
        )
        again = await client.start_workflow(
            Inbox.run, id="wf-sws", task_queue=task_queue, start_signal="add", start_signal_args=["second"]
        )
        assert again.result_run_id == handle.result_run_id  # the running run got the signal
        await handle.signal(Inbox.finish)
        assert await handle.result() == ["first", "|", "first", "second"]


async def test_reject_duplicate_refuses_the_id_of_a_closed_run(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Inbox]):
        handle = await client.start_workflow(Inbox.run, id="wf-reject", task_queue=task_queue)
        await handle.signal(Inbox.finish)
        await handle.result()
        with pytest.raises(exceptions.WorkflowAlreadyStartedError):
            await client.start_workflow(
                Inbox.run,
                id="wf-reject",
                task_queue=task_queue,
                id_reuse_policy=common.WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )


async def test_allow_duplicate_failed_only(client, task_queue):
    only_failed = common.WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
    async with new_worker(client, task_queue=task_queue, workflows=[Inbox]):
        ok = await client.start_workflow(Inbox.run, id="wf-failed-only", task_queue=task_queue)
        await ok.signal(Inbox.finish)
        await ok.result()
        with pytest.raises(exceptions.WorkflowAlreadyStartedError):
            await client.start_workflow(
                Inbox.run, id="wf-failed-only", task_queue=task_queue, id_reuse_policy=only_failed
            )

        failing = await client.start_workflow(Inbox.run, True, id="wf-failed-only-2", task_queue=task_queue)
        await failing.signal(Inbox.finish)
        with pytest.raises(WorkflowFailureError):
            await failing.result()
        again = await client.start_workflow(
            Inbox.run, id="wf-failed-only-2", task_queue=task_queue, id_reuse_policy=only_failed
        )
        assert again.result_run_id != failing.result_run_id
        await again.signal(Inbox.finish)
        await again.result()


async def test_conflict_policies_use_existing_and_terminate_existing(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Inbox]):
        first = await client.start_workflow(Inbox.run, id="wf-conflict", task_queue=task_queue)
        with pytest.raises(exceptions.WorkflowAlreadyStartedError):
            await client.start_workflow(Inbox.run, id="wf-conflict", task_queue=task_queue)
        same = await client.start_workflow(
            Inbox.run,
            id="wf-conflict",
            task_queue=task_queue,
            id_conflict_policy=common.WorkflowIDConflictPolicy.USE_EXISTING,
        )
        assert same.result_run_id == first.result_run_id
        replacement = await client.start_workflow(
            Inbox.run,
            id="wf-conflict",
            task_queue=task_queue,
            id_conflict_policy=common.WorkflowIDConflictPolicy.TERMINATE_EXISTING,
        )
        assert replacement.result_run_id != first.result_run_id
        old = client.get_workflow_handle("wf-conflict", run_id=first.result_run_id)
        assert (await old.describe()).status == WorkflowExecutionStatus.TERMINATED
        await replacement.signal(Inbox.finish)
        assert await replacement.result() == ["|"]
