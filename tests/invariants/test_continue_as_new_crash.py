"""A crash before any AWS call of a continue-as-new still ends in one chain of runs."""

from __future__ import annotations

import asyncio

from durable import workflow
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.orchestrator import Orchestrator
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, faulty_services


@workflow.defn
class Chain:
    @workflow.run
    async def run(self, n: int, runs: list) -> list:
        runs = [*runs, workflow.info().run_id]
        await asyncio.sleep(5)
        if n > 0:
            workflow.continue_as_new(args=[n - 1, runs])
        return runs


async def run_chain(crash_at: int | None, workflow_id: str) -> tuple[list, Injector, list]:
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = faulty_services(runtime.backend.services, injector)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry)
        async with Worker(env.client, task_queue="chain", workflows=[Chain]):
            handle = await env.client.start_workflow(Chain.run, args=[2, []], id=workflow_id, task_queue="chain")
            runs = await asyncio.wait_for(handle.result(), timeout=30)
            statuses = [(await env.client.get_workflow_handle(workflow_id, run_id=r).describe()).status for r in runs]
    return runs, injector, statuses


async def test_crash_before_each_aws_call_of_a_chain_of_runs() -> None:
    runs, reference, statuses = await run_chain(None, "chain-reference")
    assert len(runs) == 3
    assert any(c.startswith("history.append") for c in reference.calls)
    for position in range(1, len(reference.calls) + 1):
        runs, injector, statuses = await run_chain(position, f"chain-{position}")
        where = f"crash before call #{position} ({injector.crashed_at})"
        assert injector.crashed_at is not None, where
        assert len(runs) == 3 and len(set(runs)) == 3, where
        assert statuses == [
            WorkflowExecutionStatus.CONTINUED_AS_NEW,
            WorkflowExecutionStatus.CONTINUED_AS_NEW,
            WorkflowExecutionStatus.COMPLETED,
        ], where
