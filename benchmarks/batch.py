"""What a batch job costs: a batch terminate of N runs, wall and virtual time, and the job's history.

Starts N waiting runs, then one ``durable.batch`` terminate job over them at ``--rps`` (50,
Temporal's default) under time skipping, and prints the wall time per terminated run, the
virtual time the job took (its sleeps keep to the rate) and how many events its history holds.

    .venv/bin/python benchmarks/batch.py [--runs 200] [--rps 50] [--backends memory,moto]

Measured (2 shared cores, 200 runs at 50/s): memory 0.07 s in all (0.3 ms a run), 4.1 s of
virtual time; moto 8.1 s (40 ms a run), 12.0 s of virtual time (on moto a page of 50 takes
about 2 s, so the job runs below its rate); 39 events of job history for its 4 pages.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for var, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(var, value)

from durable import workflow  # noqa: E402
from durable.batch import start_batch_operation  # noqa: E402
from durable.testing import WorkflowEnvironment  # noqa: E402
from durable.worker import Worker  # noqa: E402


@workflow.defn
class Idle:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def measure(backend: str, runs: int, rps: float) -> None:
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        client = env.client
        async with Worker(client, task_queue="bench", workflows=[Idle]):
            for i in range(runs):
                await client.start_workflow(Idle.run, id=f"idle-{i}", task_queue="bench")
            began, virtual = time.perf_counter(), await env.get_current_time()
            job = await start_batch_operation(client, "terminate", query="WorkflowType = 'Idle'", rps=rps)
            counts = await job.result()
            wall = time.perf_counter() - began
            took = (await env.get_current_time() - virtual).total_seconds()
            events = len((await client.get_workflow_handle(job.job_id).fetch_history()).events)
    print(
        f"{backend:>6}: {counts.complete_operation_count} of {counts.total_operation_count} terminated in "
        f"{wall:.2f} s ({wall / runs * 1000:.1f} ms a run), {took:.1f} s of virtual time at {rps:g}/s; "
        f"{events} events of job history"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rps", type=float, default=50.0)
    parser.add_argument("--backends", default="memory,moto")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if len(backends) > 1:
        # One process per backend: moto's server fails to start in a process that ran the
        # memory backend's workflows first (benchmarks/local_steps.py meets it too).
        for backend in backends:
            command = [sys.executable, __file__, "--runs", str(args.runs), "--rps", str(args.rps)]
            subprocess.run([*command, "--backends", backend], check=True)
        return
    asyncio.run(measure(backends[0], args.runs, args.rps))


if __name__ == "__main__":
    main()
