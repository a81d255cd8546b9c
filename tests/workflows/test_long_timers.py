"""Long timers under time skipping, on every local backend: a timer beyond SQS's 15 minutes is
one one-time schedule (in moto's Scheduler through the AWS adapter, or in its memory and SQLite
twins), fires once and leaves nothing behind; a cancelled one's schedule is deleted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from durable import workflow
from durable._limits import fifo_id
from durable._local.environment import LocalRuntime
from durable._local.timer_schedules import LocallyFiredTimers
from durable._runtime.inbox import fifo_dedup
from durable._runtime.services import INBOX, execution_key
from durable._runtime.timer_schedules import timer_schedule_name
from durable.client import WorkflowHandle
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

TASK_QUEUE = "long-timers"


@workflow.defn
class Waits:
    @workflow.run
    async def run(self) -> list[float]:
        start = workflow.now()
        await asyncio.sleep(2 * 3600)
        after_two_hours = workflow.now()
        await workflow.sleep(timedelta(days=30))
        return [(after_two_hours - start).total_seconds(), (workflow.now() - after_two_hours).total_seconds()]


@workflow.defn
class Confirms:
    def __init__(self) -> None:
        self.confirmed = False

    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.wait_condition(lambda: self.confirmed, timeout=timedelta(hours=2))
        except TimeoutError:
            return "timed out"
        return "confirmed"

    @workflow.signal
    def confirm(self) -> None:
        self.confirmed = True


@pytest.fixture(params=["memory", "moto", "sqlite"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    async with WorkflowEnvironment(LocalRuntime(backend=request.param, skipping=True)) as e:
        yield e


def timers_of(env: WorkflowEnvironment) -> LocallyFiredTimers:
    timers = env.runtime.backend.timers
    assert isinstance(timers, LocallyFiredTimers)
    return timers


def event_types(env: WorkflowEnvironment, handle: WorkflowHandle) -> list[str]:
    key = execution_key(handle.id, handle.result_run_id or "")
    return [e["event_type"] for e in env.runtime.backend.services.history.load(key)]


def schedule_of_timer(handle: WorkflowHandle, seq: int) -> str:
    """The Scheduler name of the run's timer ``seq`` (derived as dispatch and its sealing derive it)."""
    return timer_schedule_name(INBOX, fifo_id(fifo_dedup(handle.result_run_id or "", f"timer:{seq}")))


async def until_scheduled(timers: LocallyFiredTimers, name: str) -> None:
    """Until the dispatch after the timer's commit made its schedule. Virtual time moves only
    while a result is awaited: polling lets it stand still."""

    async def poll() -> None:
        while timers.schedules.get(name) is None:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout=60)


async def test_a_two_hour_and_a_thirty_day_timer_are_schedules_that_each_fire_once(env):
    timers = timers_of(env)
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Waits]):
        handle = await env.client.start_workflow(Waits.run, id="waits", task_queue=TASK_QUEUE)
        await until_scheduled(timers, schedule_of_timer(handle, 1))

        # Waiting: one schedule, and nothing on the SQS-delay side.
        assert (timers.schedules.pending(), timers.short.pending()) == (1, 0)

        waited = await handle.result()

    # Never early; late only by the engine's own steps (virtual time jumps to the timer's time).
    assert 2 * 3600 <= waited[0] < 2 * 3600 + 1 and 30 * 24 * 3600 <= waited[1] < 30 * 24 * 3600 + 1
    types = event_types(env, handle)
    assert (types.count("TimerStarted"), types.count("TimerFired")) == (2, 2)
    assert timers.schedules.pending() == 0  # deleted after firing
    assert timers.schedules.get(schedule_of_timer(handle, 2)) is None


async def test_a_cancelled_two_hour_timer_leaves_no_schedule_and_never_fires(env):
    timers = timers_of(env)
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Confirms]):
        handle = await env.client.start_workflow(Confirms.run, id="confirms", task_queue=TASK_QUEUE)
        await until_scheduled(timers, schedule_of_timer(handle, 1))

        await handle.signal(Confirms.confirm)
        assert await handle.result() == "confirmed"

    assert timers.schedules.get(schedule_of_timer(handle, 1)) is None
    assert timers.schedules.pending() == 0
    await env.sleep(timedelta(hours=3))  # past its time: nothing fires into the closed run
    types = event_types(env, handle)
    assert "TimerCanceled" in types and "TimerFired" not in types


async def test_a_run_that_closes_with_a_long_timer_pending_deletes_its_schedule(env):
    timers = timers_of(env)
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Waits]):
        handle = await env.client.start_workflow(Waits.run, id="waits-terminated", task_queue=TASK_QUEUE)
        await until_scheduled(timers, schedule_of_timer(handle, 1))

        await handle.terminate("no longer needed")

    assert timers.schedules.get(schedule_of_timer(handle, 1)) is None
    assert timers.schedules.pending() == 0
