"""Replay cost: a cold replay of a long history, and the cost per step as a workflow grows.

Records one run of N sequential activities on the in-memory engine, then replays its log
from scratch (what a cold orchestrator does) and prints the time per event, so a
quadratic replay would show as a per-event cost growing with N.

    .venv/bin/python benchmarks/replay.py [--steps 500,1000,2500]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from durable import activity, workflow  # noqa: E402
from durable._replay.definition import WorkflowDefinition  # noqa: E402
from durable._replay.machine import HistoryMachine  # noqa: E402
from durable.client import WorkflowExecutionStatus  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402


@activity.defn
async def step(i: int) -> int:
    return i + 1


@workflow.defn
class Long:
    @workflow.run
    async def run(self, steps: int) -> int:
        total = 0
        for _ in range(steps):
            total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
        return total


async def record(steps: int) -> tuple[list[dict], float]:
    async with await WorkflowEnvironment.start_time_skipping(backend="memory") as env:
        async with Worker(env.client, task_queue="replay", workflows=[Long], activities=[step]):
            started = time.perf_counter()
            handle = await env.client.start_workflow(Long.run, steps, id=f"long-{steps}", task_queue="replay")
            assert await handle.result() == steps
            run_wall = time.perf_counter() - started
            return (await handle.fetch_history()).events, run_wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", default="500,1000,2500")
    args = parser.parse_args()
    definition = WorkflowDefinition.of(Long)
    for steps in (int(s) for s in args.steps.split(",")):
        events, run_wall = asyncio.run(record(steps))
        started = time.perf_counter()
        machine = HistoryMachine(lambda _t, _q: definition)
        machine.replay(events)
        replay = time.perf_counter() - started
        assert machine.replay_error is None and machine.ledger.status is WorkflowExecutionStatus.COMPLETED
        print(
            f"{steps:>5} activities, {len(events):>6} events: cold replay {replay * 1000:7.1f} ms "
            f"({replay / len(events) * 1e6:5.1f} us/event); live run {run_wall:.2f} s "
            f"({run_wall / steps * 1000:.2f} ms/step, warm cache)"
        )


if __name__ == "__main__":
    main()
