"""A project's code as deployed (``durable dev --registry tests.cli.replay_v1``): the greeting
workflow calls ``greet``. tests/cli/replay_v2.py is the same workflow changed in a way that
replay must catch."""

from __future__ import annotations

from datetime import timedelta

from durable import activity, workflow

TASK_QUEUE = "replay"


@activity.defn
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@activity.defn
async def wave(name: str) -> str:
    return f"*waves at {name}*"


@workflow.defn(name="Greeting")
class Greeting:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=10))


WORKFLOWS = {TASK_QUEUE: [Greeting]}
ACTIVITIES = {TASK_QUEUE: [greet, wave]}
