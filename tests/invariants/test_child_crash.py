"""Child workflows survive a crash before any AWS call, and duplicate child-result messages."""

from __future__ import annotations

import asyncio

from durable import workflow
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.lambda_handlers import orchestrator_handler
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.reconciler import Reconciler
from durable.client import WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, faulty_services


@workflow.defn
class Leaf:
    @workflow.run
    async def run(self, x: int) -> int:
        await asyncio.sleep(5)
        return x * 10


@workflow.defn
class Root:
    @workflow.run
    async def run(self, x: int) -> list:
        first = await workflow.execute_child_workflow(Leaf.run, x, id=f"{workflow.info().workflow_id}-leaf")
        # Left running when the root returns: the default policy terminates it.
        await workflow.start_child_workflow(Leaf.run, x, id=f"{workflow.info().workflow_id}-left")
        return [first]


async def run_root(crash_at: int | None, workflow_id: str, *, twice: bool = False) -> tuple[list, Injector, dict]:
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = faulty_services(runtime.backend.services, injector)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry)
        if twice:

            def deliver_twice(event: dict) -> dict:
                orchestrator_handler(runtime.orchestrator, event)  # the duplicate delivery
                return orchestrator_handler(runtime.orchestrator, event)

            runtime.dispatcher._orchestrate = deliver_twice
        async with Worker(env.client, task_queue="children", workflows=[Root, Leaf]):
            handle = await env.client.start_workflow(Root.run, 4, id=workflow_id, task_queue="children")
            result = await asyncio.wait_for(handle.result(), timeout=30)
            leaf = env.client.get_workflow_handle(f"{workflow_id}-leaf")
            left = env.client.get_workflow_handle(f"{workflow_id}-left")
            for _ in range(5):  # redeliveries and the reconciler finish what a crash cut short
                if (await left.describe()).status != WorkflowExecutionStatus.RUNNING:
                    break
                await env.sleep(60)
                Reconciler(runtime.backend.services, grace_seconds=0).run()
            history = (await handle.fetch_history()).events
            leaf_runs = {
                e["attributes"]["run_id"] for e in history if e["event_type"] == "ChildWorkflowExecutionStarted"
            }
            facts = {
                "leaf": (await leaf.describe()).status,
                "left": (await left.describe()).status,
                "leaf_result": await leaf.result(),
                "child_events": [e["event_type"] for e in history if "Child" in e["event_type"]],
                "leaf_runs": len(leaf_runs),
            }
    return result, injector, facts


EXPECTED_CHILD_EVENTS = [
    "StartChildWorkflowExecutionInitiated",
    "ChildWorkflowExecutionStarted",
    "ChildWorkflowExecutionCompleted",
    "StartChildWorkflowExecutionInitiated",
    "ChildWorkflowExecutionStarted",
]


def check(result: list, facts: dict, where: str) -> None:
    assert result == [40], where
    assert facts["leaf"] == WorkflowExecutionStatus.COMPLETED and facts["leaf_result"] == 40, where
    assert facts["left"] == WorkflowExecutionStatus.TERMINATED, where
    assert facts["child_events"] == EXPECTED_CHILD_EVENTS, where
    assert facts["leaf_runs"] == 2, where


async def test_crash_before_each_aws_call_of_a_parent_and_its_children() -> None:
    result, reference, facts = await run_root(None, "root-reference")
    check(result, facts, "no crash")
    assert any(c.startswith("executions.create") for c in reference.calls)
    crashed = 0
    for position in range(1, len(reference.calls) + 1):
        result, injector, facts = await run_root(position, f"root-{position}")
        where = f"crash before call #{position} ({injector.crashed_at})"
        # Three runs share the inbox, so how their messages batch (and the number of calls)
        # varies a little from one run to the next: near the end a position may not come.
        assert injector.crashed_at is not None or len(injector.calls) < position, where
        check(result, facts, where)
        crashed += injector.crashed_at is not None
    assert crashed >= len(reference.calls) - 5


async def test_every_message_delivered_twice_starts_and_reports_each_child_once() -> None:
    result, _, facts = await run_root(None, "root-twice", twice=True)
    check(result, facts, "duplicates")
