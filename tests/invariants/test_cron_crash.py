"""A crash before any AWS call of a cron chain still gives one run per tick, each at its tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from durable import workflow
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.orchestrator import Orchestrator
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, faulty_services


@workflow.defn
class Tick:
    @workflow.run
    async def run(self) -> str:
        return workflow.now().isoformat()


async def run_chain(
    crash_at: int | None, workflow_id: str
) -> tuple[list[tuple[WorkflowExecutionStatus, str]], Injector]:
    """(status, time the run's code ran) of each run of the chain, through three ticks."""
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = faulty_services(runtime.backend.services, injector)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry)
        async with Worker(env.client, task_queue="cron", workflows=[Tick]):
            handle = await env.client.start_workflow(
                Tick.run, id=workflow_id, task_queue="cron", cron_schedule="*/10 * * * *"
            )
            first_tick = (await handle.describe()).execution_time
            await env.sleep(first_tick - await env.get_current_time() + timedelta(minutes=25))
            runs, run_id = [], handle.first_execution_run_id
            while run_id is not None:
                h = env.client.get_workflow_handle(workflow_id, run_id=run_id)
                status = (await h.describe()).status
                last = (await h.fetch_history()).events[-1]["attributes"]
                ran = last.get("last_completion_result", "")
                runs.append((status, ran))
                run_id = (
                    last.get("new_execution_run_id") if status == WorkflowExecutionStatus.CONTINUED_AS_NEW else None
                )
    return runs, injector


def _ticks(runs: list[tuple[WorkflowExecutionStatus, str]]) -> list[datetime]:
    import json

    # a run's code runs at its tick plus the delivery's milliseconds, never before it
    return [
        datetime.fromisoformat(json.loads(ran)).replace(second=0, microsecond=0)
        for status, ran in runs
        if status == WorkflowExecutionStatus.CONTINUED_AS_NEW
    ]


async def test_crash_before_each_aws_call_of_a_cron_chain() -> None:
    reference, ref_injector = await run_chain(None, "cron-reference")
    assert [s for s, _ in reference] == [WorkflowExecutionStatus.CONTINUED_AS_NEW] * 3 + [
        WorkflowExecutionStatus.RUNNING
    ]
    assert any(c.startswith("history.append") for c in ref_injector.calls)
    for position in range(1, len(ref_injector.calls) + 1):
        runs, injector = await run_chain(position, f"cron-{position}")
        where = f"crash before call #{position} ({injector.crashed_at})"
        assert injector.crashed_at is not None, where
        ticks = _ticks(runs)
        # a crash may delay a run (redelivery), never duplicate or lose a tick
        assert len(ticks) == 3 and [s for s, _ in runs][-1] == WorkflowExecutionStatus.RUNNING, where
        assert all(t.tzinfo == UTC and t.minute % 10 == 0 for t in ticks), where
        assert [b - a for a, b in pairwise(ticks)] == [timedelta(minutes=10)] * 2, where
