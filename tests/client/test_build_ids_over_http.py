"""Build ids through the client over HTTP: describe's worker version stamp and BuildIds, and the
list filter, for a run started on one build and finished on another."""

from __future__ import annotations

import asyncio

from durable.worker import Worker
from tests.helpers.build_workflows import Waiter


async def test_a_run_across_two_builds_over_http(client):
    async with Worker(client, task_queue="deploy", workflows=[Waiter], build_id="build-a"):
        handle = await client.start_workflow(Waiter.run, id="across", task_queue="deploy")
        while not await handle.query(Waiter.is_waiting):
            await asyncio.sleep(0.005)
        assert (await handle.describe()).raw_info.most_recent_worker_version_stamp.build_id == "build-a"
    async with Worker(client, task_queue="deploy", workflows=[Waiter], build_id="build-b"):
        await handle.signal(Waiter.proceed)
        assert await handle.result() == "done"

    desc = await handle.describe()
    assert desc.raw_info.most_recent_worker_version_stamp.build_id == "build-b"
    assert desc.search_attributes["BuildIds"] == ["unversioned", "unversioned:build-a", "unversioned:build-b"]
    for build in ("build-a", "build-b"):
        assert [w.id async for w in client.list_workflows(f"BuildIds = 'unversioned:{build}'")] == ["across"]
    assert (await client.count_workflows("BuildIds = 'unversioned:build-c'")).count == 0
