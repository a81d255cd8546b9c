"""Eager start over the HTTP API (the API decides the first workflow task within the request);
update-with-start, which needs the update routes the API does not serve yet, refused clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import WithStartWorkflowOperation
from durable.common import WorkflowIDConflictPolicy
from durable.worker import Worker


@activity.defn
async def wave(name: str) -> str:
    return f"bye, {name}"


@workflow.defn
class Waver:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(wave, name, start_to_close_timeout=timedelta(seconds=10))

    @workflow.update
    def rename(self, name: str) -> str:
        return name


async def test_an_eager_start_over_http_returns_with_the_first_task_decided(client, task_queue):
    async with Worker(client, task_queue=task_queue, workflows=[Waver], activities=[wave]):
        handle = await client.start_workflow(
            Waver.run, "ann", id="http-eager", task_queue=task_queue, request_eager_start=True
        )
        assert getattr(handle, "__temporal_eagerly_started") is True
        types = [e["event_type"] for e in (await handle.fetch_history()).events]
        assert types[:3] == ["WorkflowExecutionStarted", "WorkflowTaskCompleted", "ActivityTaskScheduled"]
        assert await handle.result() == "bye, ann"


async def test_update_with_start_over_http_says_it_is_not_served_yet(client, task_queue):
    op = WithStartWorkflowOperation(
        Waver.run, "ann", id="http-uws", task_queue=task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING
    )
    with pytest.raises(NotImplementedError, match="update-with-start is not served by the HTTP API yet"):
        await client.execute_update_with_start_workflow(Waver.rename, "bob", start_workflow_operation=op)
    with pytest.raises(NotImplementedError):
        await op.workflow_handle()
    assert (await client.count_workflows("WorkflowId = 'http-uws'")).count == 0  # nothing was started
