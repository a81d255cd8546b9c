"""100 sequential activities and 100 timers under time skipping: wall time and AWS requests.

Runs the workflow once per backend. On moto, every botocore call is counted by service and
operation (the dispatcher's ReceiveMessage/DeleteMessageBatch included: Lambda's event
source mappings make those calls on AWS too) and divided by the number of steps.

    .venv/bin/python benchmarks/local_steps.py [--steps 100] [--backends memory,moto]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for var, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(var, value)

from durable import activity, workflow  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402


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


async def measure(backend: str, steps: int) -> None:
    counts: collections.Counter[str] = collections.Counter()
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        for client in env.runtime.backend.boto_clients:
            service = client.meta.service_model.service_name
            client.meta.events.register(
                "before-call.*.*", lambda model, _s=service, **_: counts.update([f"{_s}.{model.name}"])
            )
        async with Worker(env.client, task_queue="bench", workflows=[Steps], activities=[step]):
            started = time.perf_counter()
            virtual_start = await env.get_current_time()
            result = await env.client.execute_workflow(Steps.run, steps, id="bench", task_queue="bench")
            wall = time.perf_counter() - started
            skipped = (await env.get_current_time()) - virtual_start
    assert result == steps
    print(f"\n[{backend}] {steps} activities + {steps} timers: {wall:.3f} s wall, {skipped} of workflow time")
    if counts:
        total = sum(counts.values())
        print(f"  AWS requests: {total} in all, {total / steps:.2f} per step (one activity + one timer)")
        for op, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"    {op:<40} {n:>6}  {n / steps:6.2f}/step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--backends", default="memory,moto")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        asyncio.run(measure(backend, args.steps))


if __name__ == "__main__":
    main()
