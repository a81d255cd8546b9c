"""100 sequential activities and 100 timers under time skipping: wall time and AWS requests.

Runs the workflow once per backend, then 100 activities alone on moto. On moto, every
botocore call is counted by service and operation (the dispatcher's ReceiveMessage and
DeleteMessageBatch included: Lambda's event source mappings make those calls on AWS too)
and divided by the number of steps. Local timers fire from the environment's clock; on AWS
a timer of up to 15 minutes adds three SQS requests (send to the timer queue, the relay's
receive and delete) and each further 15 minutes three more.

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
for var, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
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
    async def run(self, steps: int, timers: bool = True) -> int:
        total = 0
        for _ in range(steps):
            total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
            if timers:
                await asyncio.sleep(60)
        return total


async def measure(backend: str, steps: int, timers: bool = True) -> None:
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
            result = await env.client.execute_workflow(Steps.run, args=[steps, timers], id="bench", task_queue="bench")
            wall = time.perf_counter() - started
            skipped = (await env.get_current_time()) - virtual_start
    assert result == steps
    shape = f"{steps} activities + {steps} timers" if timers else f"{steps} activities"
    print(f"\n[{backend}] {shape}: {wall:.3f} s wall, {skipped} of workflow time")
    if counts:
        total = sum(counts.values())
        per = "one activity + one timer" if timers else "one activity"
        print(f"  AWS requests: {total} in all, {total / steps:.2f} per step ({per})")
        for op, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"    {op:<40} {n:>6}  {n / steps:6.2f}/step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--backends", default="memory,moto")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        asyncio.run(measure(backend, args.steps))
    if "moto" in args.backends:  # the activity step alone, for its request count
        asyncio.run(measure("moto", args.steps, timers=False))


if __name__ == "__main__":
    main()
