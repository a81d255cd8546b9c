"""Update-with-start and eager start where temporalio's test server cannot show a real
server's behaviour (see tests/compat/test_update_with_start.py), on both backends:

- FAIL on a running workflow id raises ``WorkflowAlreadyStartedError``, from the call and
  from the operation's ``workflow_handle()``;
- an update id that the latest run already knows is attached to whatever the conflict
  policy: while the run runs, or once it closed with the update completed; a closed run
  whose update never completed gets a new run (or the reuse policy's refusal);
- an eager start decides the first workflow task within the call: the start returns with
  the task completed and the first activity scheduled, and no start message ever reaches
  the inbox's orchestrator.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import WithStartWorkflowOperation, WorkflowExecutionStatus, WorkflowUpdateStage
from durable.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from durable.exceptions import WorkflowAlreadyStartedError
from durable.worker import Worker

USE_EXISTING = WorkflowIDConflictPolicy.USE_EXISTING
FAIL = WorkflowIDConflictPolicy.FAIL


@workflow.defn
class Tally:
    def __init__(self) -> None:
        self.count = 0
        self.release = False

    @workflow.run
    async def run(self, hold: bool) -> int:
        await workflow.wait_condition(lambda: self.release or not hold)
        return self.count

    @workflow.update
    def bump(self) -> int:
        self.count += 1
        return self.count

    @workflow.update
    async def bump_later(self) -> int:
        await workflow.wait_condition(lambda: self.release)
        self.count += 1
        return self.count

    @workflow.signal
    def let_go(self) -> None:
        self.release = True


def _op(workflow_id: str, *, hold: bool = True, policy=USE_EXISTING, **kwargs) -> WithStartWorkflowOperation:
    return WithStartWorkflowOperation(
        Tally.run, hold, id=workflow_id, task_queue="tally", id_conflict_policy=policy, **kwargs
    )


async def test_fail_on_a_running_workflow_raises_workflow_already_started(env) -> None:
    async with Worker(env.client, task_queue="tally", workflows=[Tally]):
        first = _op("fail-running", policy=FAIL)
        assert await env.client.execute_update_with_start_workflow(Tally.bump, start_workflow_operation=first) == 1
        running = await first.workflow_handle()
        second = _op("fail-running", policy=FAIL)
        with pytest.raises(WorkflowAlreadyStartedError) as raised:
            await env.client.execute_update_with_start_workflow(Tally.bump, start_workflow_operation=second)
        assert raised.value.run_id == running.result_run_id
        assert str(raised.value) == "Workflow execution already started"
        with pytest.raises(WorkflowAlreadyStartedError):
            await second.workflow_handle()
        await running.signal(Tally.let_go)
        assert await running.result() == 1  # the refused update changed nothing


@pytest.mark.parametrize("policy", [USE_EXISTING, FAIL])
async def test_a_known_update_id_attaches_to_the_running_workflow_whatever_the_policy(env, policy) -> None:
    async with Worker(env.client, task_queue="tally", workflows=[Tally]):
        first = _op(f"attach-running-{policy.name}", policy=policy)
        accepted = await env.client.start_update_with_start_workflow(
            Tally.bump_later, start_workflow_operation=first, wait_for_stage=WorkflowUpdateStage.ACCEPTED, id="later"
        )
        second = _op(f"attach-running-{policy.name}", policy=policy)
        again = await env.client.start_update_with_start_workflow(
            Tally.bump_later, start_workflow_operation=second, wait_for_stage=WorkflowUpdateStage.ACCEPTED, id="later"
        )
        handle = await first.workflow_handle()
        assert (await second.workflow_handle()).first_execution_run_id == handle.first_execution_run_id
        await handle.signal(Tally.let_go)
        assert await accepted.result() == await again.result() == 1
        assert await handle.result() == 1


@pytest.mark.parametrize("reuse", [WorkflowIDReusePolicy.ALLOW_DUPLICATE, WorkflowIDReusePolicy.REJECT_DUPLICATE])
async def test_a_completed_update_of_a_closed_run_is_attached_to(env, reuse) -> None:
    async with Worker(env.client, task_queue="tally", workflows=[Tally]):
        first = _op(f"attach-closed-{reuse.name}", hold=False, policy=FAIL, id_reuse_policy=reuse)
        assert (
            await env.client.execute_update_with_start_workflow(Tally.bump, start_workflow_operation=first, id="b") == 1
        )
        closed = await first.workflow_handle()
        assert await closed.result() == 1
        second = _op(f"attach-closed-{reuse.name}", hold=False, policy=FAIL, id_reuse_policy=reuse)
        assert (
            await env.client.execute_update_with_start_workflow(Tally.bump, start_workflow_operation=second, id="b")
            == 1
        )
        assert (await second.workflow_handle()).first_execution_run_id == closed.first_execution_run_id
        assert (await env.client.count_workflows(f"WorkflowId = 'attach-closed-{reuse.name}'")).count == 1


@pytest.mark.parametrize("reuse", [WorkflowIDReusePolicy.ALLOW_DUPLICATE, WorkflowIDReusePolicy.REJECT_DUPLICATE])
async def test_an_unfinished_update_of_a_closed_run_gets_a_new_run_or_the_reuse_policy_refusal(env, reuse) -> None:
    async with Worker(env.client, task_queue="tally", workflows=[Tally]):
        workflow_id = f"closed-unfinished-{reuse.name}"
        first = _op(workflow_id, id_reuse_policy=reuse)
        await env.client.start_update_with_start_workflow(
            Tally.bump_later, start_workflow_operation=first, wait_for_stage=WorkflowUpdateStage.ACCEPTED, id="u"
        )
        closed = await first.workflow_handle()
        await closed.terminate()
        second = _op(workflow_id, hold=False, id_reuse_policy=reuse)
        call = env.client.execute_update_with_start_workflow(Tally.bump, start_workflow_operation=second, id="u")
        if reuse == WorkflowIDReusePolicy.REJECT_DUPLICATE:
            with pytest.raises(WorkflowAlreadyStartedError):
                await call
            return
        assert await call == 1
        fresh = await second.workflow_handle()
        assert fresh.first_execution_run_id != closed.first_execution_run_id
        assert await fresh.result() == 1


async def test_the_update_waits_with_the_start_for_a_worker_and_comes_in_its_first_task(env) -> None:
    op = _op("no-worker-yet")
    call = asyncio.ensure_future(env.client.execute_update_with_start_workflow(Tally.bump, start_workflow_operation=op))
    handle = await op.workflow_handle()
    await asyncio.get_running_loop().run_in_executor(None, env.runtime.dispatcher.wait_inbox_drained)
    desc = await handle.describe()  # the start's decision found no worker
    assert desc.status == WorkflowExecutionStatus.RUNNING and desc.workflow_task_failure is not None
    async with Worker(env.client, task_queue="tally", workflows=[Tally]):
        assert await call == 1
        types = [e["event_type"] for e in (await handle.fetch_history()).events]
        assert types == [
            "WorkflowExecutionStarted",
            "WorkflowTaskCompleted",
            "WorkflowExecutionUpdateAccepted",
            "WorkflowExecutionUpdateCompleted",
        ]
        await handle.signal(Tally.let_go)
        assert await handle.result() == 1


@activity.defn
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@workflow.defn
class Greeter:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=10))


def _start_deliveries(env) -> list[str]:
    """Record the workflow ids whose start message the inbox hands to the orchestrator."""
    runtime = env.runtime
    seen: list[str] = []
    orchestrate = runtime.dispatcher._orchestrate

    def recording(event: dict) -> dict:
        for record in event.get("Records", []):  # an invocation with outcomes has none
            body = json.loads(runtime.backend.services.open_body(record["body"]))
            if body.get("kind") == "start":
                seen.append(body["workflow_id"])
        return orchestrate(event)

    runtime.dispatcher._orchestrate = recording
    return seen


async def test_an_eager_start_decides_the_first_task_within_the_call(env) -> None:
    deliveries = _start_deliveries(env)
    async with Worker(env.client, task_queue="greet", workflows=[Greeter], activities=[greet]):
        eager = await env.client.start_workflow(
            Greeter.run, "eager", id="eager", task_queue="greet", request_eager_start=True
        )
        at_return = [e["event_type"] for e in (await eager.fetch_history()).events]
        assert getattr(eager, "__temporal_eagerly_started") is True
        assert at_return[:3] == ["WorkflowExecutionStarted", "WorkflowTaskCompleted", "ActivityTaskScheduled"]
        assert await eager.result() == "Hello, eager!"

        plain = await env.client.start_workflow(Greeter.run, "plain", id="plain", task_queue="greet")
        assert getattr(plain, "__temporal_eagerly_started") is False
        assert await plain.result() == "Hello, plain!"
    assert deliveries == ["plain"]  # the eager run's first task never went through the inbox


async def test_an_eager_start_without_a_worker_is_enqueued_and_runs_when_one_comes(env) -> None:
    deliveries = _start_deliveries(env)
    handle = await env.client.start_workflow(
        Greeter.run, "later", id="eager-later", task_queue="greet", request_eager_start=True
    )
    assert getattr(handle, "__temporal_eagerly_started") is False
    async with Worker(env.client, task_queue="greet", workflows=[Greeter], activities=[greet]):
        assert await handle.result() == "Hello, later!"
    assert "eager-later" in deliveries


async def test_an_eager_cron_start_waits_for_its_first_tick(env) -> None:
    async with Worker(env.client, task_queue="greet", workflows=[Greeter], activities=[greet]):
        handle = await env.client.start_workflow(
            Greeter.run,
            "cron",
            id="eager-cron",
            task_queue="greet",
            cron_schedule="0 0 * * *",
            request_eager_start=True,
        )
        assert getattr(handle, "__temporal_eagerly_started") is False
        assert [e["event_type"] for e in (await handle.fetch_history()).events] == ["WorkflowExecutionStarted"]
        await handle.terminate()
