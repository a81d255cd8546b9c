"""Durable timers (asyncio.sleep, workflow.sleep), wait_condition and time skipping."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from .sdk import new_worker, workflow

DAY = 24 * 3600


@workflow.defn
class AsyncioSleep30Days:
    @workflow.run
    async def run(self) -> float:
        start = workflow.now()
        await asyncio.sleep(30 * DAY)
        return (workflow.now() - start).total_seconds()


@workflow.defn
class WorkflowSleep30Days:
    @workflow.run
    async def run(self) -> float:
        start = workflow.time()
        await workflow.sleep(timedelta(days=30))
        return workflow.time() - start


@workflow.defn
class WaitForSignal:
    def __init__(self) -> None:
        self.value: str | None = None

    @workflow.run
    async def run(self, timeout_s: float | None) -> str:
        try:
            await workflow.wait_condition(lambda: self.value is not None, timeout=timeout_s)
        except TimeoutError as err:
            return f"timeout:{type(err).__module__}.{type(err).__name__}"
        return f"signalled:{self.value}"

    @workflow.signal
    def set_value(self, value: str) -> None:
        self.value = value


@workflow.defn
class WaitConditionTimeoutElapsed:
    @workflow.run
    async def run(self) -> list:
        start = workflow.now()
        try:
            await workflow.wait_condition(lambda: False, timeout=timedelta(hours=2))
        except TimeoutError:
            pass
        return [(workflow.now() - start).total_seconds()]


@workflow.defn
class TimerThenWait:
    """Sleeps one hour, then waits for a signal; a query tells whether the timer fired."""

    def __init__(self) -> None:
        self.timer_fired = False
        self.finish = False

    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(3600)
        self.timer_fired = True
        await workflow.wait_condition(lambda: self.finish)
        return "done"

    @workflow.query
    def fired(self) -> bool:
        return self.timer_fired

    @workflow.signal
    def done(self) -> None:
        self.finish = True


@workflow.defn
class WaitForTimesOut:
    @workflow.run
    async def run(self) -> list:
        start = workflow.now()
        never = asyncio.Event()
        try:
            await asyncio.wait_for(never.wait(), timeout=60)
        except TimeoutError:
            return ["timeout", (workflow.now() - start).total_seconds()]
        return ["no timeout"]


@workflow.defn
class WaitForCompletes:
    @workflow.run
    async def run(self) -> str:
        async def quick() -> str:
            await asyncio.sleep(1)
            return "quick"

        return await asyncio.wait_for(quick(), timeout=60)


async def test_asyncio_sleep_30_days_is_a_skipped_timer(client, task_queue):
    started = time.monotonic()
    async with new_worker(client, task_queue=task_queue, workflows=[AsyncioSleep30Days]):
        elapsed = await client.execute_workflow(AsyncioSleep30Days.run, id="wf-sleep", task_queue=task_queue)
    assert 30 * DAY <= elapsed < 30 * DAY + 5
    assert time.monotonic() - started < 5


async def test_workflow_sleep_timedelta(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[WorkflowSleep30Days]):
        elapsed = await client.execute_workflow(WorkflowSleep30Days.run, id="wf-wsleep", task_queue=task_queue)
    assert 30 * DAY <= elapsed < 30 * DAY + 5


async def test_wait_condition_satisfied_by_signal(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[WaitForSignal]):
        handle = await client.start_workflow(WaitForSignal.run, None, id="wf-wc", task_queue=task_queue)
        await handle.signal(WaitForSignal.set_value, "go")
        assert await handle.result() == "signalled:go"


async def test_wait_condition_timeout_raises_asyncio_timeout_error(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[WaitForSignal]):
        result = await client.execute_workflow(WaitForSignal.run, 3600.0, id="wf-wct", task_queue=task_queue)
    # asyncio.TimeoutError is builtins.TimeoutError on Python >= 3.11
    assert result == "timeout:builtins.TimeoutError"


async def test_wait_condition_timeout_is_a_durable_timer(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[WaitConditionTimeoutElapsed]):
        [elapsed] = await client.execute_workflow(WaitConditionTimeoutElapsed.run, id="wf-wcte", task_queue=task_queue)
    assert 7200 <= elapsed < 7205


async def test_signal_before_result_beats_wait_condition_timeout(client, task_queue):
    # the signal is sent before result() is awaited, so no time is skipped before it
    async with new_worker(client, task_queue=task_queue, workflows=[WaitForSignal]):
        handle = await client.start_workflow(WaitForSignal.run, float(DAY), id="wf-race", task_queue=task_queue)
        await handle.signal(WaitForSignal.set_value, "first")
        assert await handle.result() == "signalled:first"


async def test_time_does_not_skip_unless_result_awaited_or_env_sleep(env, client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[TimerThenWait]):
        handle = await client.start_workflow(TimerThenWait.run, id="wf-skip", task_queue=task_queue)
        await asyncio.sleep(0.3)  # real time: the one hour timer must not fire
        assert await handle.query(TimerThenWait.fired) is False
        await env.sleep(timedelta(hours=2))  # skips virtual time explicitly
        assert await handle.query(TimerThenWait.fired) is True
        await handle.signal(TimerThenWait.done)
        assert await handle.result() == "done"


async def test_asyncio_wait_for_timeout_in_workflow(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[WaitForTimesOut]):
        result = await client.execute_workflow(WaitForTimesOut.run, id="wf-waitfor", task_queue=task_queue)
    assert result[0] == "timeout"
    assert 60 <= result[1] < 65


async def test_asyncio_wait_for_completes_before_timeout(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[WaitForCompletes]):
        result = await client.execute_workflow(WaitForCompletes.run, id="wf-waitfor-ok", task_queue=task_queue)
    assert result == "quick"
