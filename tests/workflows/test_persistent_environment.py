"""``WorkflowEnvironment.start_local(dev_server_database_filename=...)`` (temporalio's parameter):
an environment started again on the same SQLite file carries on with what the last one left,
as ``durable dev --db-filename`` does. (tests/cli/test_dev_persist.py kills the process instead.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable._local.sqlite.database import DatabaseInUse
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker


@activity.defn
async def double(n: int) -> int:
    return 2 * n


@workflow.defn
class Remembers:
    def __init__(self) -> None:
        self.added: list[int] = []

    @workflow.run
    async def run(self, n: int) -> list[int]:
        doubled = await workflow.execute_activity(double, n, start_to_close_timeout=timedelta(seconds=30))
        await asyncio.sleep(0.5)
        await workflow.wait_condition(lambda: len(self.added) == 2)
        return [doubled, *self.added]

    @workflow.signal
    def add(self, n: int) -> None:
        self.added.append(n)


async def test_an_environment_on_the_same_file_carries_on_the_runs_of_the_last(tmp_path):
    db = str(tmp_path / "dev.db")
    async with await WorkflowEnvironment.start_local(dev_server_database_filename=db) as env:
        async with Worker(env.client, task_queue="q", workflows=[Remembers], activities=[double]):
            handle = await env.client.start_workflow(Remembers.run, 21, id="remembers", task_queue="q")
            await handle.signal(Remembers.add, 1)
            with pytest.raises(DatabaseInUse):  # one engine per file
                await WorkflowEnvironment.start_local(dev_server_database_filename=db)
        before = (await handle.fetch_history()).events

    async with await WorkflowEnvironment.start_local(dev_server_database_filename=db) as env:
        handle = env.client.get_workflow_handle("remembers")
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        async with Worker(env.client, task_queue="q", workflows=[Remembers], activities=[double]):
            await handle.signal(Remembers.add, 2)
            assert await handle.result() == [42, 1, 2]
        after = (await handle.fetch_history()).events
    assert after[: len(before)] == before and len(after) > len(before)

    async with await WorkflowEnvironment.start_local(backend="memory") as env:  # without the file: nothing kept
        assert [w async for w in env.client.list_workflows()] == []
