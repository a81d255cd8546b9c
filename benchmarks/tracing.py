"""What tracing costs: 100 sequential activities with and without TracingInterceptor.

Runs the same workflow under time skipping on the in-memory backend, three times each way,
and prints the best wall time per step and the spans per run (exported to the SDK's
in-memory exporter, so export itself costs next to nothing).

    .venv/bin/python benchmarks/tracing.py [--steps 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from durable import activity, workflow  # noqa: E402
from durable.client import Client  # noqa: E402
from durable.contrib.opentelemetry import TracingInterceptor  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402


@activity.defn
async def step(i: int) -> int:
    return i + 1


@workflow.defn
class Steps:
    @workflow.run
    async def run(self, n: int) -> int:
        total = 0
        for _ in range(n):
            total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
        return total


async def one_run(steps: int, traced: bool) -> tuple[float, int]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with await WorkflowEnvironment.start_time_skipping(backend="memory") as env:
        config = env.client.config()
        config["interceptors"] = [TracingInterceptor(provider.get_tracer("bench"))] if traced else []
        client = Client(**config)
        async with Worker(client, task_queue="bench", workflows=[Steps], activities=[step]):
            started = time.perf_counter()
            assert (
                await client.execute_workflow(Steps.run, steps, id=f"bench-{uuid.uuid4()}", task_queue="bench") == steps
            )
            elapsed = time.perf_counter() - started
    return elapsed, len(exporter.get_finished_spans())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for traced in (False, True):
        runs = [await one_run(args.steps, traced) for _ in range(args.repeat)]
        best = min(elapsed for elapsed, _ in runs)
        spans = runs[0][1]
        label = "with TracingInterceptor" if traced else "without interceptors  "
        print(f"{label}: {best * 1000 / args.steps:.2f} ms per step (best of {args.repeat}), {spans} spans per run")


if __name__ == "__main__":
    asyncio.run(main())
