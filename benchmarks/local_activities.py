"""100 sequential local activities against 100 activities: wall time and AWS requests.

Local activities run inside the orchestrator invocation that decides, so a run of
sequential local activities is one decision: one history write for all of them, no
activity queue, no idempotency claim, no extra invocation. On moto every botocore call is
counted (the dispatcher's receives and deletes included, as Lambda's event source mappings
make them on AWS).

    .venv/bin/python benchmarks/local_activities.py [--steps 100] [--backends memory,moto]
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
    async def run(self, steps: int, local: bool) -> int:
        total = 0
        for _ in range(steps):
            if local:
                total = await workflow.execute_local_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
            else:
                total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
        return total


async def measure(backend: str, steps: int, local: bool) -> None:
    counts: collections.Counter[str] = collections.Counter()
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        for client in env.runtime.backend.boto_clients:
            service = client.meta.service_model.service_name
            client.meta.events.register(
                "before-call.*.*", lambda model, _s=service, **_: counts.update([f"{_s}.{model.name}"])
            )
        async with Worker(env.client, task_queue="bench", workflows=[Steps], activities=[step]):
            started = time.perf_counter()
            result = await env.client.execute_workflow(Steps.run, args=[steps, local], id="bench", task_queue="bench")
            wall = time.perf_counter() - started
            events = len((await env.client.get_workflow_handle("bench").fetch_history()).events)
    assert result == steps
    kind = "local activities" if local else "activities"
    print(f"\n[{backend}] {steps} sequential {kind}: {wall:.3f} s wall, {events} history events")
    if counts:
        total = sum(counts.values())
        print(f"  AWS requests: {total} in all (start and result included), {total / steps:.2f} per step")
        for op, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"    {op:<40} {n:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--backends", default="memory,moto")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        for local in (True, False):
            asyncio.run(measure(backend, args.steps, local))


if __name__ == "__main__":
    main()
