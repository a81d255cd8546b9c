"""Deploying incompatible workflow code fails the workflow task, visibly, and loses nothing.

A run waits for a signal; the code is then replaced by a version whose first command
differs (a new Lambda container: a cold orchestrator replays the log). The signal's
decision fails as non-deterministic: the run stays RUNNING, describe() shows why, the
history records the failed task. Rolling the code back lets the same decision succeed
with the signal it had kept.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from durable import activity, workflow
from durable._runtime.orchestrator import Orchestrator
from durable.client import WorkflowExecutionStatus
from durable.worker import Worker
from durable.workflow import NondeterminismError


@activity.defn
async def fetch(key: str) -> str:
    return key.upper()


@workflow.defn(name="Evolving")
class EvolvingV1:
    def __init__(self) -> None:
        self.go = False
        self.waiting = False

    @workflow.run
    async def run(self) -> str:
        value = await workflow.execute_activity(fetch, "a", start_to_close_timeout=timedelta(seconds=5))
        self.waiting = True
        await workflow.wait_condition(lambda: self.go)
        return value + "!"

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    @workflow.query
    def is_waiting(self) -> bool:
        return self.waiting


@workflow.defn(name="Evolving")
class EvolvingV2:
    """Sleeps before the activity: its first command is a timer, not the activity."""

    def __init__(self) -> None:
        self.go = False

    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(1)
        value = await workflow.execute_activity(fetch, "a", start_to_close_timeout=timedelta(seconds=5))
        await workflow.wait_condition(lambda: self.go)
        return value + "?"

    @workflow.signal
    def proceed(self) -> None:
        self.go = True


def new_container(env) -> None:
    """What a deploy does to the orchestrator: nothing cached survives."""
    runtime = env.runtime
    runtime.orchestrator = Orchestrator(runtime.backend.services, runtime.registry)


async def test_incompatible_code_fails_the_task_and_rolling_back_recovers(env):
    async with Worker(env.client, task_queue="evolve", workflows=[EvolvingV1], activities=[fetch]):
        handle = await env.client.start_workflow(EvolvingV1.run, id="evolving", task_queue="evolve")
        while not await handle.query(EvolvingV1.is_waiting):
            await asyncio.sleep(0.005)

    new_container(env)
    async with Worker(env.client, task_queue="evolve", workflows=[EvolvingV2], activities=[fetch]):
        await handle.signal(EvolvingV1.proceed)
        for _ in range(400):
            description = await handle.describe()
            if description.workflow_task_failure is not None:
                break
            await asyncio.sleep(0.01)
        assert description.status == WorkflowExecutionStatus.RUNNING
        failure = description.workflow_task_failure
        assert failure is not None and getattr(failure, "type", None) == NondeterminismError.__name__
        assert "history recorded ActivityTaskScheduled 'fetch' (#1)" in str(failure)
        assert "TimerStarted (#1)" in str(failure)
        kinds = [e["event_type"] for e in (await handle.fetch_history()).events]
        assert "WorkflowTaskFailed" in kinds and "WorkflowExecutionSignaled" in kinds

    new_container(env)
    async with Worker(env.client, task_queue="evolve", workflows=[EvolvingV1], activities=[fetch]):
        assert await handle.result() == "A!"
        assert (await handle.describe()).workflow_task_failure is None
