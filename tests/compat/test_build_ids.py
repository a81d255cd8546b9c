"""``Worker(build_id=...)``: each completed workflow task names the build of the worker that ran it.

A run started on one build and finished on another (a deploy in between) shows the first
build on its first task and the second on its last, as Temporal records them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.compat.sdk import BACKEND, Worker, new_unsandboxed_runner, task_build_ids, workflow


@workflow.defn
class Deployed:
    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.go)
        return "done"

    @workflow.signal
    def proceed(self) -> None:
        self.go = True


def build(client: Any, task_queue: str, build_id: str) -> Worker:
    """A worker of one build; without a workflow cache, so that the next build's worker gets the
    run's next task at once (temporalio would otherwise keep it on this worker's sticky queue)."""
    options: dict[str, Any] = {"workflow_runner": new_unsandboxed_runner()} if BACKEND == "temporal" else {}
    return Worker(
        client, task_queue=task_queue, workflows=[Deployed], build_id=build_id, max_cached_workflows=0, **options
    )


async def test_each_task_names_the_build_that_completed_it(client, task_queue):
    async with build(client, task_queue, "build-a"):
        handle = await client.start_workflow(Deployed.run, id="wf-deployed", task_queue=task_queue)
        # The first task ran on build A once its history has a WorkflowTaskCompleted.
        while not task_build_ids(await handle.fetch_history()):
            await asyncio.sleep(0.01)
    async with build(client, task_queue, "build-b"):
        await handle.signal(Deployed.proceed)
        assert await handle.result() == "done"
    tasks = task_build_ids(await handle.fetch_history())
    assert tasks[0] == "build-a" and tasks[-1] == "build-b", tasks
