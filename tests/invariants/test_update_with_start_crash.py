"""Update-with-start under crashes and duplicate delivery: one run, one update, applied once.

The update of an update-with-start is logged on the run's start event, so the run and its
update exist together or not at all, and whatever makes the first workflow task delivers
it. Checked three ways:

- the caller dies before each AWS call of its update-with-start, then sends the same
  request again (same request id, as a client retries): one run, the update accepted and
  completed once, its activity's side effect once;
- the orchestrator or the activity worker dies before each of their AWS calls while runs
  take updates-with-start (a new run; the same update id again, which returns the first
  outcome; a rejected one on the running run): the same outcomes as without crashes;
- every inbox message is delivered twice: the same outcomes again.
"""

from __future__ import annotations

import asyncio

import pytest

from durable._converter import encode_args
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.control import Control
from durable._runtime.lambda_handlers import orchestrator_handler
from durable._runtime.orchestrator import Orchestrator
from durable.client import WithStartWorkflowOperation, WorkflowUpdateFailedError
from durable.common import WorkflowIDConflictPolicy
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.conftest import effect
from tests.invariants.faults import Injector, SimulatedCrash, faulty_services
from tests.invariants.test_update_invariants import Deposits, assert_one_update

USE_EXISTING = WorkflowIDConflictPolicy.USE_EXISTING


def _request(workflow_id: str) -> dict:
    """One update-with-start request as the API would take it (its request id included)."""
    return dict(
        workflow_id=workflow_id,
        update_id="dep-a",
        request_id=f"req-{workflow_id}",
        update_name="deposit",
        update_input=encode_args(["a"]),
        id_conflict_policy=USE_EXISTING,
        workflow_type="Deposits",
        task_queue="deposits",
        input=[],
    )


async def _caller_dies_then_retries(
    crash_at: int | None, workflow_id: str, backend: str
) -> tuple[Injector, list[dict], int]:
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        runtime = env.runtime
        dying = Control(faulty_services(runtime.backend.services, injector), runtime.orchestrator)
        async with Worker(env.client, task_queue="deposits", workflows=[Deposits], activities=[effect]):
            try:
                dying.update_with_start(**_request(workflow_id))
            except SimulatedCrash:
                pass
            run_id = runtime.control.update_with_start(**_request(workflow_id)).run_id  # the caller's retry
            await _taken(runtime.control, workflow_id, run_id, "dep-a")
            handle = env.client.get_workflow_handle(workflow_id)
            assert await handle.get_update_handle("dep-a", result_type=int).result() == 1
            await handle.signal(Deposits.finish)
            assert await handle.result() == 1
            history = (await handle.fetch_history()).events
            runs = (await env.client.count_workflows(f"WorkflowId = '{workflow_id}'")).count
    return injector, history, runs


async def _taken(control: Control, workflow_id: str, run_id: str, update_id: str) -> None:
    """Wait until a decision took the update (as the client's update call polls for it);
    bounded only so that a lost update fails the test instead of hanging it."""
    for _ in range(1200):
        if control.update_status(workflow_id, run_id, update_id) is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no decision took update {update_id} of {workflow_id}: it was lost")


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_a_caller_that_dies_before_each_aws_call_and_retries_makes_one_run_and_one_update(backend: str) -> None:
    reference, history, runs = await _caller_dies_then_retries(None, f"uws-caller-ref-{backend}", backend)
    assert runs == 1
    assert_one_update(history, f"uws-caller-ref-{backend}")
    assert {"history.append", "executions.create", "inbox.send"} <= set(reference.calls), reference.calls
    for position in range(1, len(reference.calls) + 1):
        workflow_id = f"uws-caller-{backend}-{position}"
        injector, history, runs = await _caller_dies_then_retries(position, workflow_id, backend)
        where = f"crash before call #{position} ({injector.crashed_at})"
        assert injector.crashed_at is not None, where
        assert runs == 1, where
        assert_one_update(history, workflow_id)


async def exercise(env: WorkflowEnvironment, workflow_id: str) -> list[dict]:
    client = env.client

    def op() -> WithStartWorkflowOperation:
        return WithStartWorkflowOperation(
            Deposits.run, id=workflow_id, task_queue="deposits", id_conflict_policy=USE_EXISTING
        )

    async with Worker(client, task_queue="deposits", workflows=[Deposits], activities=[effect]):
        first = op()
        assert (
            await client.execute_update_with_start_workflow(
                Deposits.deposit, "a", start_workflow_operation=first, id="dep-a"
            )
            == 1
        )
        again = op()  # the same update id: its first outcome, no second acceptance
        assert (
            await client.execute_update_with_start_workflow(
                Deposits.deposit, "a", start_workflow_operation=again, id="dep-a"
            )
            == 1
        )
        with pytest.raises(WorkflowUpdateFailedError) as rejected:
            await client.execute_update_with_start_workflow(Deposits.deposit, "", start_workflow_operation=op())
        assert rejected.value.cause.message == "empty key"
        handle = await first.workflow_handle()
        assert (await again.workflow_handle()).first_execution_run_id == handle.first_execution_run_id
        await handle.signal(Deposits.finish)
        assert await handle.result() == 1
        return (await handle.fetch_history()).events


async def _engine_crashing(crash_at: int | None, workflow_id: str, backend: str) -> tuple[Injector, list[dict]]:
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping(backend=backend) as env:
        runtime = env.runtime
        services = faulty_services(runtime.backend.services, injector)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry, heartbeat_throttle=1.0)
        history = await exercise(env, workflow_id)
    return injector, history


@pytest.mark.parametrize("backend", ["memory", "moto"])
async def test_a_crash_before_each_aws_call_of_the_engine_changes_no_update_with_start_outcome(backend: str) -> None:
    reference, history = await _engine_crashing(None, f"uws-engine-ref-{backend}", backend)
    assert_one_update(history, f"uws-engine-ref-{backend}")
    assert "executions.reject_update" in reference.calls, reference.calls
    for position in range(1, len(reference.calls) + 1):
        workflow_id = f"uws-engine-{backend}-{position}"
        injector, history = await _engine_crashing(position, workflow_id, backend)
        assert injector.crashed_at is not None, f"crash before call #{position}"
        assert_one_update(history, workflow_id)


async def test_every_inbox_message_of_an_update_with_start_delivered_twice_changes_nothing() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        starts: list[bool] = []

        def twice(event: dict) -> dict:
            starts.extend('"kind":"start"' in r["body"] for r in event.get("Records", []))  # deliveries: none
            orchestrator_handler(runtime.orchestrator, event)  # the duplicate delivery
            return orchestrator_handler(runtime.orchestrator, event)

        runtime.dispatcher._orchestrate = twice
        history = await exercise(env, "uws-twice")
    assert sum(starts) == 1  # the start that carried the update went through twice
    assert_one_update(history, "uws-twice")
