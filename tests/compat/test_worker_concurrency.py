"""Worker(max_concurrent_activities=): at most that many of its activities run at once, as in temporalio."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from .sdk import activity, new_worker, workflow


class Overlap:
    """Counts the attempts running at once; each holds until the limit could have been reached."""

    def __init__(self, limit: int, total: int) -> None:
        self.limit, self.total = limit, total
        self.running = self.peak = self.started = 0
        self.lock = threading.Lock()

    @activity.defn(name="overlapping")
    async def overlapping(self, i: int) -> int:
        with self.lock:
            self.running += 1
            self.started += 1
            self.peak = max(self.peak, self.running)
        # Holds while fewer than `limit` met and more may come: a limit not kept shows as a
        # peak above it, a limit kept lets exactly `limit` attempts meet.
        while True:
            with self.lock:
                if self.peak >= self.limit or self.started >= self.total:
                    self.running -= 1
                    return i
            await asyncio.sleep(0.002)


@workflow.defn
class FanOut:
    @workflow.run
    async def run(self, n: int) -> list[int]:
        calls = [
            workflow.execute_activity("overlapping", i, start_to_close_timeout=timedelta(seconds=30)) for i in range(n)
        ]
        return list(await asyncio.gather(*calls))


async def test_a_worker_runs_at_most_max_concurrent_activities_at_once(client, task_queue):
    overlap = Overlap(limit=3, total=8)
    async with new_worker(
        client, task_queue=task_queue, workflows=[FanOut], activities=[overlap.overlapping], max_concurrent_activities=3
    ):
        result = await client.execute_workflow(FanOut.run, 8, id="wf-fan-out", task_queue=task_queue)
    assert result == list(range(8))
    assert (overlap.peak, overlap.started) == (3, 8)
