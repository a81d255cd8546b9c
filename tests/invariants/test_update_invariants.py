"""Updates under crashes and duplicate delivery: accepted once, rejected without a trace.

A run takes an update whose handler runs an activity, a rejected one, and the first one
again by id. A crash before any AWS call of the orchestrator or the activity worker, or
every inbox message delivered twice, must leave the same outcomes: one acceptance, one
completion, the activity's side effect once per attempt, and no event for the rejection.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from durable import workflow
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.lambda_handlers import orchestrator_handler
from durable._runtime.orchestrator import Orchestrator
from durable.client import WorkflowUpdateFailedError
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.conftest import effect, effects_of
from tests.invariants.faults import Injector, faulty_services
from tests.invariants.test_crash_recovery import assert_consistent


@workflow.defn
class Deposits:
    def __init__(self) -> None:
        self.total = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.total

    @workflow.update
    async def deposit(self, key: str) -> int:
        await workflow.execute_activity(effect, key, start_to_close_timeout=timedelta(seconds=30))
        self.total += 1
        return self.total

    @deposit.validator
    def check(self, key: str) -> None:
        if not key:
            raise ValueError("empty key")

    @workflow.signal
    def finish(self) -> None:
        self.done = True


async def exercise(env: WorkflowEnvironment, workflow_id: str) -> list[dict]:
    async with Worker(env.client, task_queue="deposits", workflows=[Deposits], activities=[effect]):
        handle = await env.client.start_workflow(Deposits.run, id=workflow_id, task_queue="deposits")
        assert await handle.execute_update(Deposits.deposit, "a", id="dep-a") == 1
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await handle.execute_update(Deposits.deposit, "")
        assert rejected.value.cause.message == "empty key"
        assert await handle.execute_update(Deposits.deposit, "a", id="dep-a") == 1  # by id: the same outcome
        await handle.signal(Deposits.finish)
        assert await handle.result() == 1
        return (await handle.fetch_history()).events


def assert_one_update(history: list[dict], workflow_id: str) -> None:
    assert_consistent(history)
    types = [e["event_type"] for e in history]
    assert types.count("WorkflowExecutionUpdateAccepted") == 1
    assert types.count("WorkflowExecutionUpdateCompleted") == 1
    assert types.count("ActivityTaskScheduled") == 1
    effects = effects_of(workflow_id)
    # Once per attempt: a crash after the side effect and before its report retries it.
    assert {k for k, _ in effects} == {"a"} and all(n == 1 for n in effects.values()), effects


async def run_crashing(crash_at: int | None, workflow_id: str, backend: str) -> tuple[Injector, list[dict]]:
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        runtime = env.runtime
        services = faulty_services(runtime.backend.services, injector)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry, heartbeat_throttle=1.0)
        history = await exercise(env, workflow_id)
    return injector, history


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_a_crash_before_each_aws_call_of_an_update_changes_no_outcome(backend: str) -> None:
    reference, history = await run_crashing(None, f"upd-reference-{backend}", backend)
    assert_one_update(history, f"upd-reference-{backend}")
    assert "executions.reject_update" in reference.calls, reference.calls
    for position in range(1, len(reference.calls) + 1):
        workflow_id = f"upd-crash-{backend}-{position}"
        injector, history = await run_crashing(position, workflow_id, backend)
        assert injector.crashed_at is not None, f"crash before call #{position}"
        assert_one_update(history, workflow_id)


async def test_every_update_message_delivered_twice_changes_nothing() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        kinds: list[str] = []

        def twice(event: dict) -> dict:
            kinds.extend('"kind":"update"' in r["body"] for r in event.get("Records", []))  # deliveries: none
            orchestrator_handler(runtime.orchestrator, event)  # the duplicate delivery
            return orchestrator_handler(runtime.orchestrator, event)

        runtime.dispatcher._orchestrate = twice
        history = await exercise(env, "upd-twice")
    assert sum(kinds) >= 3
    assert_one_update(history, "upd-twice")
