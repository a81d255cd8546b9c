"""The project the CLI's scaling tests serve (``durable dev --registry tests.cli.scaling_registry``):
its task queue's function lives one second (TASK_QUEUES), and its activity would run an hour."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from durable import activity, workflow
from durable.deployment import TaskQueueConfig

TASK_QUEUE = "cli-scaled"


@activity.defn
async def crunch(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return f"crunched for {seconds}s"


@workflow.defn
class Crunch:
    @workflow.run
    async def run(self, seconds: float) -> str:
        return await workflow.execute_activity(crunch, seconds, start_to_close_timeout=timedelta(hours=1))


WORKFLOWS = {TASK_QUEUE: [Crunch]}
ACTIVITIES = {TASK_QUEUE: [crunch]}
TASK_QUEUES = {TASK_QUEUE: TaskQueueConfig(function_timeout=timedelta(seconds=1), max_concurrent_activities=2)}
