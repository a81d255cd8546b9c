"""The process the kill -9 test kills: an engine on a SQLite file, running a fixed workload.

``python -m tests.invariants.sqlite_workload FILE RUNS`` starts runs ``chain-0`` .. ``chain-<RUNS-1>``
(those the file does not hold yet), prints ``started`` once they are, waits for every result
and prints them as one JSON line. Killed at any point and started again on the same file, it
carries on: started runs are found (not started twice), pending work resumes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta

from durable import activity, workflow
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from durable.exceptions import WorkflowAlreadyStartedError
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

STEPS = 4


@activity.defn
async def add(total: int, n: int) -> int:
    return total + n


@workflow.defn
class Chain:
    """STEPS activities, each followed by a durable timer (2 s of timers in all: longer than a life lasts)."""

    @workflow.run
    async def run(self, seed: int) -> int:
        total = seed
        for n in range(1, STEPS + 1):
            total = await workflow.execute_activity(add, args=[total, n], start_to_close_timeout=timedelta(seconds=30))
            await workflow.sleep(0.5)
        return total


def expected(seed: int) -> int:
    """What ``Chain`` returns for ``seed``."""
    return seed + STEPS * (STEPS + 1) // 2


async def main(path: str, runs: int) -> None:
    async with await WorkflowEnvironment.start_local(dev_server_database_filename=path) as env:
        async with Worker(env.client, task_queue="chains", workflows=[Chain], activities=[add]):
            for i in range(runs):
                try:
                    await env.client.start_workflow(
                        Chain.run,
                        100 * i,
                        id=f"chain-{i}",
                        task_queue="chains",
                        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,  # running: that run
                        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,  # closed: not again
                    )
                except WorkflowAlreadyStartedError:  # closed already, in an earlier life
                    pass
            print("started", flush=True)
            handles = [env.client.get_workflow_handle(f"chain-{i}") for i in range(runs)]
            results = [await h.result() for h in handles]
            print(json.dumps(results), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
