"""Continue-as-new: a fresh run of the same workflow id; result() follows the chain."""

from __future__ import annotations

import pytest

from .sdk import WorkflowExecutionStatus, new_worker, workflow


@workflow.defn
class Countdown:
    @workflow.run
    async def run(self, n: int, runs: list) -> list:
        runs = runs + [workflow.info().run_id]
        if n > 0:
            workflow.continue_as_new(args=[n - 1, runs])
        return runs


@workflow.defn
class HistoryWatcher:
    @workflow.run
    async def run(self) -> list:
        info = workflow.info()
        return [
            info.get_current_history_length() > 0,
            info.is_continue_as_new_suggested(),
            info.continued_run_id is None,
        ]


async def test_continue_as_new_followed_by_result(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Countdown]):
        handle = await client.start_workflow(Countdown.run, args=[2, []], id="wf-can", task_queue=task_queue)
        runs = await handle.result()
    assert len(runs) == 3 and runs[0] == handle.result_run_id
    assert len(set(runs)) == 3
    latest = client.get_workflow_handle("wf-can")
    assert (await latest.describe()).run_id == runs[-1]
    assert (await latest.describe()).status == WorkflowExecutionStatus.COMPLETED
    first = client.get_workflow_handle("wf-can", run_id=runs[0])
    assert (await first.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW


async def test_continued_run_knows_where_it_came_from(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[Countdown, HistoryWatcher]):
        handle = await client.start_workflow(Countdown.run, args=[1, []], id="wf-can-origin", task_queue=task_queue)
        first, second = await handle.result()
        assert await client.execute_workflow(HistoryWatcher.run, id="wf-hist", task_queue=task_queue) == [
            True,
            False,
            True,
        ]
    with pytest.raises(Exception) as info:
        await client.get_workflow_handle("wf-can-origin", run_id=first).result(follow_runs=False)
    assert type(info.value).__name__ == "WorkflowContinuedAsNewError"
    assert info.value.new_execution_run_id == second
    assert (
        await client.get_workflow_handle("wf-can-origin", run_id=second).describe()
    ).status == WorkflowExecutionStatus.COMPLETED
