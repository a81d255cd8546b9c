"""tests/cli/replay_v1.py's greeting workflow, changed without ``workflow.patched``: it now
calls ``wave`` where the recorded runs called ``greet`` (not replay-safe)."""

from __future__ import annotations

from datetime import timedelta

from durable import workflow
from tests.cli.replay_v1 import ACTIVITIES, TASK_QUEUE, wave


@workflow.defn(name="Greeting")
class Greeting:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(wave, name, start_to_close_timeout=timedelta(seconds=10))


WORKFLOWS = {TASK_QUEUE: [Greeting]}
__all__ = ["ACTIVITIES", "WORKFLOWS"]
