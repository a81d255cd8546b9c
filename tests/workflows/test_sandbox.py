"""The determinism sandbox where durable has more to show than the compat suite.

On both backends: the registration the Lambda functions make (no Worker, no runner)
sandboxes by default and the refused call shows in describe(); the Replayer sandboxes
too; the engine's own clock, logging and pydantic reads inside an activation pass;
``passthrough_all_modules`` leaves only the workflow's own module restricted. The
workflows live in this module, so this module is workflow code.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import pydantic
import pytest

from durable import workflow
from durable.client import WorkflowExecutionStatus
from durable.worker import Replayer, UnsandboxedWorkflowRunner, Worker
from durable.worker.workflow_sandbox import (
    RestrictedWorkflowAccessError,
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)
from tests.compat.sandbox_helpers import wall_clock


@workflow.defn
class ReadsTheClock:
    @workflow.run
    async def run(self) -> float:
        return time.time()


@workflow.defn
class ReadsTheClockThenSleeps:
    @workflow.run
    async def run(self) -> str:
        time.time()  # no command depends on it, so replay without the sandbox passes
        await workflow.sleep(timedelta(seconds=5))
        return "done"


class Stamp(pydantic.BaseModel):
    at: datetime
    note: str


@workflow.defn
class UsesTheEngine:
    @workflow.run
    async def run(self, stamp: Stamp) -> Stamp:
        workflow.logger.info("logging reads the clock and the thread: the engine's business")
        async with asyncio.timeout(30):  # asyncio reads the loop's clock: workflow time
            await asyncio.sleep(1)
        await asyncio.wait_for(asyncio.sleep(1), timeout=10)
        return Stamp(at=stamp.at + timedelta(days=1), note=f"{stamp.note} {workflow.now().year > 2000}")


@workflow.defn
class CallsAHelper:
    @workflow.run
    async def run(self) -> dict:
        outcome = {}
        for name, fn in (("helper", wall_clock), ("own", time.time)):
            try:
                fn()
                outcome[name] = "allowed"
            except RestrictedWorkflowAccessError as err:
                outcome[name] = err.qualified_name
        return outcome


def _runtime(env):
    return env.client._transport.runtime


async def test_the_functions_registration_sandboxes_and_describe_shows_the_refusal(env):
    # LambdaApp registers the deployment's workflows this way: no Worker, no runner.
    _runtime(env).registry.register("sandbox-deployed", workflows=[ReadsTheClock])
    handle = await env.client.start_workflow(ReadsTheClock.run, id=f"wf-{uuid.uuid4()}", task_queue="sandbox-deployed")
    desc = await handle.describe()
    for _ in range(1500):  # bounded: a sandbox that let the call through would never fail the task
        if desc.workflow_task_failure is not None:
            break
        await asyncio.sleep(0.02)
        desc = await handle.describe()
    assert desc.workflow_task_failure is not None, "the clock read was not refused"
    assert desc.status == WorkflowExecutionStatus.RUNNING
    assert "Cannot access time.time.__call__ from inside a workflow" in str(desc.workflow_task_failure)
    await handle.terminate(reason="cleanup")


async def test_the_replayer_sandboxes_unless_told_otherwise(env):
    async with Worker(
        env.client,
        task_queue="sandbox-replay",
        workflows=[ReadsTheClockThenSleeps],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        handle = await env.client.start_workflow(
            ReadsTheClockThenSleeps.run, id=f"wf-{uuid.uuid4()}", task_queue="sandbox-replay"
        )
        assert await handle.result() == "done"
    history = await handle.fetch_history()
    with pytest.raises(Exception, match=r"Cannot access time\.time\.__call__") as refused:
        await Replayer(workflows=[ReadsTheClockThenSleeps]).replay_workflow(history)
    assert isinstance(refused.value.__cause__, RestrictedWorkflowAccessError)
    unsandboxed = Replayer(workflows=[ReadsTheClockThenSleeps], workflow_runner=UnsandboxedWorkflowRunner())
    assert (await unsandboxed.replay_workflow(history)).replay_failure is None


async def test_the_engines_clock_logging_and_pydantic_pass_inside_an_activation(env, caplog):
    caplog.set_level(logging.INFO, logger="durable.workflow")
    async with Worker(env.client, task_queue="sandbox-engine", workflows=[UsesTheEngine]):
        result = await env.client.execute_workflow(
            UsesTheEngine.run,
            Stamp(at=datetime(2024, 2, 28, tzinfo=UTC), note="leap"),
            id=f"wf-{uuid.uuid4()}",
            task_queue="sandbox-engine",
            result_type=Stamp,
        )
    assert result == Stamp(at=datetime(2024, 2, 29, tzinfo=UTC), note="leap True")
    assert [r.created > 0 for r in caplog.records if "engine's business" in r.getMessage()] == [True]


async def test_passthrough_all_modules_restricts_only_the_workflows_module(env):
    runner = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())
    async with Worker(env.client, task_queue="sandbox-all", workflows=[CallsAHelper], workflow_runner=runner):
        outcome = await env.client.execute_workflow(CallsAHelper.run, id=f"wf-{uuid.uuid4()}", task_queue="sandbox-all")
    assert outcome == {"helper": "allowed", "own": "time.time.__call__"}
    async with Worker(env.client, task_queue="sandbox-default", workflows=[CallsAHelper]):
        outcome = await env.client.execute_workflow(
            CallsAHelper.run, id=f"wf-{uuid.uuid4()}", task_queue="sandbox-default"
        )
    assert outcome == {"helper": "time.time.__call__", "own": "time.time.__call__"}


def test_outside_workflow_code_the_guarded_calls_are_the_real_ones():
    # The guards stay installed for the process; outside an activation they pass through.
    assert time.time() > 1.7e9 and datetime.now(UTC).year >= 2024
    assert wall_clock() > 0 and uuid.uuid4().version == 4
    assert not workflow.unsafe.in_sandbox()
