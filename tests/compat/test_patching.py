"""workflow.patched / deprecate_patch against saved histories (temporalio's versioning)."""

from __future__ import annotations

import asyncio

import pytest

from . import sdk
from .sdk import new_worker, workflow


@workflow.defn(name="Patching")
class PatchingV1:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(10)
        return "v1"


@workflow.defn(name="Patching")
class PatchingV2:
    @workflow.run
    async def run(self) -> str:
        if workflow.patched("two-steps"):
            await asyncio.sleep(1)
            await asyncio.sleep(1)
            return "v2"
        await asyncio.sleep(10)
        return "v1"


@workflow.defn(name="Patching")
class PatchingV3:
    @workflow.run
    async def run(self) -> str:
        workflow.deprecate_patch("two-steps")
        await asyncio.sleep(1)
        await asyncio.sleep(1)
        return "v2"


@workflow.defn(name="Patching")
class PatchingUnguarded:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(1)
        await asyncio.sleep(1)
        return "v2"


async def history_of(client, task_queue: str, cls: type, workflow_id: str):
    async with new_worker(client, task_queue=task_queue, workflows=[cls]):
        result = await client.execute_workflow(cls.run, id=workflow_id, task_queue=task_queue)
    return result, await client.get_workflow_handle(workflow_id).fetch_history()


async def test_patched_keeps_old_histories_and_takes_the_new_branch_in_new_runs(client, task_queue):
    old_result, old = await history_of(client, task_queue, PatchingV1, "wf-patch-old")
    assert old_result == "v1"
    await sdk.new_replayer([PatchingV2]).replay_workflow(old)
    new_result, new = await history_of(client, task_queue, PatchingV2, "wf-patch-new")
    assert new_result == "v2"
    # deprecate_patch replays runs made with the patch, and new runs of it
    await sdk.new_replayer([PatchingV3]).replay_workflow(new)
    deprecated_result, _ = await history_of(client, task_queue, PatchingV3, "wf-patch-dep")
    assert deprecated_result == "v2"


async def test_changing_code_without_a_patch_is_nondeterministic(client, task_queue):
    _, old = await history_of(client, task_queue, PatchingV1, "wf-patch-none")
    with pytest.raises(workflow.NondeterminismError):
        await sdk.new_replayer([PatchingUnguarded]).replay_workflow(old)
