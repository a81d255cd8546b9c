"""What archiving adds to a run: AWS requests per run on moto, with archival off and on.

A run of N sequential activities closes; every botocore call is counted (start and result
included). The difference between the two is what archiving one run costs: the GetItem and
Query that read it, two S3 PUTs (its object and its index entry), a Query of its history's
keys and one UpdateItem per history record (the records' expiry). Dollars per million runs
use us-east-1 on-demand prices: $0.005 per 1,000 S3 PUTs, $0.625 per million DynamoDB write
units, $0.125 per million read units (one unit per request: records and reads here are small).

    .venv/bin/python benchmarks/archival.py [--steps 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
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
from durable._local.environment import LocalRuntime  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402

_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
_READS = {"GetItem", "Query", "Scan"}
_S3_PUTS = {"PutObject"}
_S3_GETS = {"GetObject", "ListObjectsV2"}


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
        return total


async def measure(archival: bool, steps: int, runs: int) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    runtime = LocalRuntime(backend="moto", skipping=True, archival=archival)
    async with WorkflowEnvironment(runtime) as env:
        for client in runtime.backend.boto_clients:
            service = client.meta.service_model.service_name
            client.meta.events.register(
                "before-call.*.*", lambda model, _s=service, **_: counts.update([f"{_s}.{model.name}"])
            )
        async with Worker(env.client, task_queue="bench", workflows=[Steps], activities=[step]):
            for i in range(runs):
                result = await env.client.execute_workflow(Steps.run, steps, id=f"bench-{i}", task_queue="bench")
                assert result == steps
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    off = asyncio.run(measure(False, args.steps, args.runs))
    on = asyncio.run(measure(True, args.steps, args.runs))
    extra = {op: (on[op] - off[op]) / args.runs for op in sorted(set(on) | set(off)) if on[op] != off[op]}
    print(f"{args.runs} runs of {args.steps} activities on moto; requests per run, archival off -> on:")
    print(f"  all requests: {sum(off.values()) / args.runs:.1f} -> {sum(on.values()) / args.runs:.1f}")
    for op, n in extra.items():
        print(f"  {op:<32} {n:+.1f}")
    service = {op.split(".", 1)[1]: n for op, n in extra.items()}
    writes = sum(n for op, n in service.items() if op in _WRITES)
    reads = sum(n for op, n in service.items() if op in _READS)
    puts = sum(n for op, n in service.items() if op in _S3_PUTS)
    gets = sum(n for op, n in service.items() if op in _S3_GETS)
    dollars = writes * 0.625e-6 + reads * 0.125e-6 + puts * 0.005e-3 + gets * 0.0004e-3
    print(f"  archiving costs about ${dollars * 1e6:.2f} per million runs ({writes:.0f} writes, {puts:.0f} S3 PUTs)")


if __name__ == "__main__":
    main()
