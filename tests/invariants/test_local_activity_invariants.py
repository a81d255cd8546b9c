"""Local activities under crashes and duplicate delivery.

A local activity runs inside the orchestrator's invocation and is committed as a marker
with the decision. A crash before any AWS call still ends with the right result and one
marker per local activity; a crash after the activity ran and before its record was
committed runs it again (at least once, as with temporalio); a message delivered twice
runs nothing twice.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from durable import workflow
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.lambda_handlers import orchestrator_handler
from durable._runtime.orchestrator import Orchestrator
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.conftest import effect, effects_of
from tests.invariants.faults import Injector, faulty_services
from tests.invariants.test_crash_recovery import assert_consistent


@workflow.defn
class LocalSteps:
    @workflow.run
    async def run(self) -> str:
        a = await workflow.execute_local_activity(effect, "local-a", start_to_close_timeout=timedelta(seconds=30))
        await asyncio.sleep(60)
        b = await workflow.execute_local_activity(effect, "local-b", start_to_close_timeout=timedelta(seconds=30))
        return f"{a}-{b}"


async def run_local_steps(env: WorkflowEnvironment, workflow_id: str) -> list[dict]:
    async with Worker(env.client, task_queue="local", workflows=[LocalSteps], activities=[effect]):
        handle = await env.client.start_workflow(LocalSteps.run, id=workflow_id, task_queue="local")
        assert await asyncio.wait_for(handle.result(), 60) == "local-a-local-b"
        return (await handle.fetch_history()).events


def assert_two_markers(history: list[dict]) -> None:
    assert_consistent(history)
    markers = [e["attributes"] for e in history if e["event_type"] == "MarkerRecorded"]
    assert [(m["activity_type"], m["seq"]) for m in markers] == [("effect", 1), ("effect", 2)]
    assert not any(e["event_type"] == "ActivityTaskScheduled" for e in history)


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_a_crash_before_each_aws_call_reruns_at_most_the_uncommitted_attempt(backend: str) -> None:
    async def run(crash_at: int | None, workflow_id: str) -> tuple[Injector, list[dict]]:
        injector = Injector(crash_at)
        async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
            runtime = env.runtime
            services = faulty_services(runtime.backend.services, injector)
            runtime.orchestrator = Orchestrator(services, runtime.registry)
            runtime.activity_worker = ActivityWorker(services, runtime.registry, heartbeat_throttle=1.0)
            history = await run_local_steps(env, workflow_id)
        return injector, history

    reference, history = await run(None, f"la-reference-{backend}")
    assert_two_markers(history)
    assert effects_of(f"la-reference-{backend}") == {("local-a", 1): 1, ("local-b", 1): 1}
    assert not any(c.startswith("activities-") for c in reference.calls), "no activity queue is involved"
    rerun_after = set()
    for position in range(1, len(reference.calls) + 1):
        workflow_id = f"la-crash-{backend}-{position}"
        injector, history = await run(position, workflow_id)
        assert injector.crashed_at is not None
        assert_two_markers(history)
        effects = effects_of(workflow_id)
        assert set(effects) == {("local-a", 1), ("local-b", 1)}, effects
        # Only an attempt whose record the crash kept from the log runs again, once.
        assert sum(effects.values()) <= 3, f"crash before {injector.crashed_at}: {effects}"
        if sum(effects.values()) == 3:
            rerun_after.add(injector.crashed_at)
    # Between running and committing: the closing record's append, and its fence before it
    # (durable._runtime.signal_fence), which the last attempt's decision, a close, makes first.
    assert rerun_after == {"history.append", "executions.fence_close"}, (
        "a crash between running and committing runs the attempt again"
    )


async def test_every_message_delivered_twice_runs_each_local_activity_once() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime

        def twice(event: dict) -> dict:
            orchestrator_handler(runtime.orchestrator, event)  # the duplicate delivery
            return orchestrator_handler(runtime.orchestrator, event)

        runtime.dispatcher._orchestrate = twice
        history = await run_local_steps(env, "la-twice")
    assert_two_markers(history)
    assert effects_of("la-twice") == {("local-a", 1): 1, ("local-b", 1): 1}
