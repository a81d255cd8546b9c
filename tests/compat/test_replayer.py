"""Replayer: saved histories replay against the workflow code."""

from __future__ import annotations

import asyncio

from . import sdk
from .sdk import WorkflowHistory, new_worker, workflow


@workflow.defn
class RandomTimers:
    @workflow.run
    async def run(self) -> str:
        # workflow.random() drives the commands: replay must reproduce them
        for _ in range(3):
            await asyncio.sleep(workflow.random().randint(1, 1000))
        return str(workflow.uuid4())


async def test_replay_of_workflow_using_workflow_random(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RandomTimers]):
        result = await client.execute_workflow(RandomTimers.run, id="wf-replay", task_queue=task_queue)
    history = await client.get_workflow_handle("wf-replay").fetch_history()
    replayed = await sdk.new_replayer([RandomTimers]).replay_workflow(history)
    assert replayed.replay_failure is None
    # and from JSON too
    again = WorkflowHistory.from_json("wf-replay", history.to_json())
    await sdk.new_replayer([RandomTimers]).replay_workflow(again)
    assert len(result) == 36
