"""A crash before any AWS call of the timeout path still closes the run TIMED_OUT, once."""

from __future__ import annotations

from datetime import timedelta

from durable import workflow
from durable._replay import events as ev
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.orchestrator import Orchestrator
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, faulty_services


@workflow.defn
class Waits:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def time_out(crash_at: int | None, workflow_id: str) -> tuple[WorkflowExecutionStatus, int, Injector]:
    """(status, WorkflowExecutionTimedOut events) of a run whose execution timeout passed."""
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = faulty_services(runtime.backend.services, injector)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry)
        async with Worker(env.client, task_queue="timeouts", workflows=[Waits]):
            handle = await env.client.start_workflow(
                Waits.run, id=workflow_id, task_queue="timeouts", execution_timeout=timedelta(hours=1)
            )
            await env.sleep(timedelta(hours=2))
            status = (await handle.describe()).status
            timed_out = [e for e in (await handle.fetch_history()).events if e["event_type"] == ev.WORKFLOW_TIMED_OUT]
    return status, len(timed_out), injector


async def test_crash_before_each_aws_call_of_the_timeout_path() -> None:
    status, timed_out, reference = await time_out(None, "timeout-reference")
    assert (status, timed_out) == (WorkflowExecutionStatus.TIMED_OUT, 1)
    assert any(c.startswith("executions.close") for c in reference.calls)
    for position in range(1, len(reference.calls) + 1):
        status, timed_out, injector = await time_out(position, f"timeout-{position}")
        where = f"crash before call #{position} ({injector.crashed_at})"
        assert injector.crashed_at is not None, where
        assert (status, timed_out) == (WorkflowExecutionStatus.TIMED_OUT, 1), where
