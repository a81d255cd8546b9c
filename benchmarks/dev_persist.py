"""What the dev server's SQLite file (``durable dev --db-filename``) costs per step, against memory.

Runs one workflow of N sequential activities, each followed by a timer, under time skipping,
on the in-memory backend and on the SQLite backend (a fresh file in a temporary folder), then
N activities alone; prints the wall time per step and the file's size after the run. Every
mutating call on the SQLite backend is one committed transaction (WAL, synchronous=NORMAL).

    .venv/bin/python benchmarks/dev_persist.py [--steps 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from durable import activity, workflow  # noqa: E402
from durable._local.environment import LocalRuntime  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402


@activity.defn
async def step(i: int) -> int:
    return i + 1


@workflow.defn
class Steps:
    @workflow.run
    async def run(self, steps: int, timers: bool) -> int:
        total = 0
        for _ in range(steps):
            total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
            if timers:
                await asyncio.sleep(60)
        return total


async def one_run(backend: str, steps: int, timers: bool, folder: Path, n: int) -> tuple[float, int]:
    """Wall seconds of one run, and the SQLite file's bytes after it (0 in memory)."""
    db = folder / f"bench-{n}.db"
    runtime = LocalRuntime(backend=backend, skipping=True, db_filename=str(db) if backend == "sqlite" else None)
    async with WorkflowEnvironment(runtime) as env:
        async with Worker(env.client, task_queue="bench", workflows=[Steps], activities=[step]):
            started = time.perf_counter()
            result = await env.client.execute_workflow(Steps.run, args=[steps, timers], id="bench", task_queue="bench")
            wall = time.perf_counter() - started
    assert result == steps
    size = sum(f.stat().st_size for f in folder.glob(f"bench-{n}.db*"))
    return wall, size


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, n = Path(tmp), 0
        for timers in (True, False):
            shape = f"{args.steps} activities + {args.steps} timers" if timers else f"{args.steps} activities"
            print(f"\n{shape}, time skipping, median of {args.repeat}:")
            per_step: dict[str, float] = {}
            for backend in ("memory", "sqlite"):
                walls, size = [], 0
                for _ in range(args.repeat):
                    n += 1
                    wall, size = await one_run(backend, args.steps, timers, folder, n)
                    walls.append(wall)
                wall = statistics.median(walls)
                per_step[backend] = wall / args.steps * 1000
                kept = f", file {size / 1024:.0f} KiB" if backend == "sqlite" else ""
                print(f"  {backend:<7} {wall:7.3f} s   {per_step[backend]:6.2f} ms/step{kept}")
            extra = per_step["sqlite"] - per_step["memory"]
            print(f"  sqlite costs {extra:+.2f} ms/step ({per_step['sqlite'] / per_step['memory']:.2f}x memory)")


if __name__ == "__main__":
    asyncio.run(main())
