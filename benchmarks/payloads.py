"""Large payloads on moto: a 1 MB round trip, and what small steps still cost.

A workflow takes a 1 MB input, passes it to an activity that returns 1 MB, and returns
that as its result; the client reads the result. Every botocore call is counted by
service and operation (the client's, the dispatcher's ReceiveMessage and
DeleteMessageBatch, and the handlers'; on AWS Lambda's event source mappings make the
receives and deletes), with the bytes written to S3. Large values travel by claim check:
history records over 64 KB and queue bodies near 256 KB go to the payload store (S3).
Measured twice: with the payload cache the handlers share in one process, and without it
(each read goes to S3, as in a fresh Lambda container).

Then a run of activities with small payloads, whose requests per step must stay where
they were before the payload store (at most 8: nothing small goes to S3).

    .venv/bin/python benchmarks/payloads.py [--size 1000000] [--runs 3] [--steps 50] [--backend moto]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

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

SMALL_STEP_BUDGET = 8
"""AWS requests per small activity step (benchmarks/local_steps.py's count before the claim check)."""


@activity.defn
async def swap(text: str) -> str:
    return text.replace("a", "b")


@activity.defn
async def step(i: int) -> int:
    return i + 1


@workflow.defn
class RoundTrip:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_activity(swap, text, start_to_close_timeout=timedelta(seconds=60))


@workflow.defn
class SmallSteps:
    @workflow.run
    async def run(self, steps: int) -> int:
        total = 0
        for _ in range(steps):
            total = await workflow.execute_activity(step, total, start_to_close_timeout=timedelta(seconds=10))
        return total


class Counts:
    """botocore calls by service and operation, and the bytes PutObject wrote."""

    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.s3_bytes_written = 0

    def attach(self, clients: list[Any]) -> None:
        for client in clients:
            service = client.meta.service_model.service_name
            client.meta.events.register(
                "before-call.*.*", lambda model, _s=service, **_: self.calls.update([f"{_s}.{model.name}"])
            )
        for client in clients:
            if client.meta.service_model.service_name == "s3":
                # The API's own parameters: later events see the body wrapped for checksums.
                client.meta.events.register("provide-client-params.s3.PutObject", self._put)

    def _put(self, params: dict[str, Any], **_: Any) -> None:
        body = params.get("Body", b"")
        self.s3_bytes_written += len(body) if isinstance(body, (bytes, bytearray)) else 0

    def reset(self) -> None:
        self.calls.clear()
        self.s3_bytes_written = 0


def table(counts: collections.Counter[str], per: float, unit: str) -> None:
    total = sum(counts.values())
    print(f"  {'service.operation':<36} {'requests':>9} {unit:>12}")
    for op, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {op:<36} {n:>9} {n / per:>12.2f}")
    print(f"  {'total':<36} {total:>9} {total / per:>12.2f}")


async def round_trips(backend: str, size: int, runs: int, *, cached: bool) -> None:
    counts = Counts()
    walls: list[float] = []
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        counts.attach(env.runtime.backend.boto_clients)
        if not cached:
            # In one process every handler shares the payload cache; on Lambda a fresh
            # container has read nothing yet: the worst case reads every reference from S3.
            env.runtime.backend.services.claims._cache_bytes = 0
        async with Worker(env.client, task_queue="bench", workflows=[RoundTrip], activities=[swap]):
            # One warm-up run: the first pays for connections and imports.
            assert await env.client.execute_workflow(RoundTrip.run, "a", id="warm-up", task_queue="bench") == "b"
            counts.reset()
            for i in range(runs):
                started = time.perf_counter()
                result = await env.client.execute_workflow(
                    RoundTrip.run, "a" * size, id=f"round-trip-{i}", task_queue="bench"
                )
                walls.append(time.perf_counter() - started)
                assert result == "b" * size
    cache = "payload cache shared by all handlers" if cached else "no payload cache (fresh containers)"
    print(f"\n[{backend}] {size:,}-byte input -> activity -> {size:,}-byte result, {runs} runs, {cache}")
    print(f"  wall per run: median {statistics.median(walls):.3f} s (min {min(walls):.3f}, max {max(walls):.3f})")
    if counts.calls:
        written = counts.s3_bytes_written / runs
        print(f"  S3 bytes written per run: {written:,.0f} ({written / size:.1f}x the payload)")
        table(counts.calls, runs, "per run")


async def small_steps(backend: str, steps: int) -> bool:
    """Requests per step: a run of ``steps`` activities less a run of none (start and close)."""
    counts = Counts()
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        counts.attach(env.runtime.backend.boto_clients)
        async with Worker(env.client, task_queue="bench", workflows=[SmallSteps], activities=[step]):
            counts.reset()  # the worker's queue is created once per deployment, not per run
            assert await env.client.execute_workflow(SmallSteps.run, 0, id="small-0", task_queue="bench") == 0
            fixed = collections.Counter(counts.calls)
            counts.reset()
            started = time.perf_counter()
            assert await env.client.execute_workflow(SmallSteps.run, steps, id="small", task_queue="bench") == steps
            wall = time.perf_counter() - started
    per_step_ms = wall / steps * 1000
    print(f"\n[{backend}] {steps} activities with small payloads: {wall:.3f} s wall, {per_step_ms:.1f} ms per step")
    if not counts.calls:
        return True
    print(f"  a run of no step (start, first decision, close): {sum(fixed.values())} requests")
    marginal = collections.Counter(counts.calls)
    marginal.subtract(fixed)
    table(+marginal, steps, "per step")
    per_step = sum(marginal.values()) / steps
    to_s3 = sum(n for op, n in counts.calls.items() if op.startswith("s3."))
    within = per_step <= SMALL_STEP_BUDGET and to_s3 == 0
    print(
        f"  {per_step:.2f} requests per step ({sum(counts.calls.values())} for the whole run), {to_s3} to S3: "
        f"{'within' if within else 'OVER'} the budget of {SMALL_STEP_BUDGET} per step and none to S3"
    )
    return within


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--backend", default="moto")
    args = parser.parse_args()
    asyncio.run(round_trips(args.backend, args.size, args.runs, cached=True))
    asyncio.run(round_trips(args.backend, args.size, args.runs, cached=False))
    if not asyncio.run(small_steps(args.backend, args.steps)):
        sys.exit(f"small steps cost more than {SMALL_STEP_BUDGET} AWS requests each, or went to S3")


if __name__ == "__main__":
    main()
