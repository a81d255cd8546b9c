"""Cron starts beyond what Temporal's test server can show (it rejects descriptors and
fails on a cron run that fails): failures continue the chain, descriptors and time
zones, signals before the first tick, a bad expression."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from durable import workflow
from durable.client import WorkflowExecutionStatus
from durable.exceptions import ApplicationError
from durable.service import RPCError, RPCStatusCode
from durable.worker import Worker


@workflow.defn
class Flaky:
    def __init__(self) -> None:
        self.signals: list[str] = []

    @workflow.run
    async def run(self, fail: bool) -> list[str]:
        if fail:
            raise ApplicationError("boom", non_retryable=True)
        return [workflow.now().isoformat(), *self.signals]

    @workflow.signal
    def note(self, text: str) -> None:
        self.signals.append(text)


async def _last_event(env, wid: str, run_id: str) -> dict:
    history = await env.client.get_workflow_handle(wid, run_id=run_id).fetch_history()
    return history.events[-1]


async def test_a_failed_run_continues_the_chain_carrying_its_failure(env):
    async with Worker(env.client, task_queue="cron", workflows=[Flaky]):
        handle = await env.client.start_workflow(
            Flaky.run, True, id="cron-fail", task_queue="cron", cron_schedule="@hourly"
        )
        first_tick = (await handle.describe()).execution_time
        await env.sleep(first_tick - await env.get_current_time() + timedelta(minutes=1))
        first = env.client.get_workflow_handle("cron-fail", run_id=handle.first_execution_run_id)
        assert (await first.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW
        last = await _last_event(env, "cron-fail", handle.first_execution_run_id)
        attrs = last["attributes"]
        assert last["event_type"] == "WorkflowExecutionContinuedAsNew"
        assert attrs["initiator"] == "CRON_SCHEDULE" and attrs["failure"]["message"] == "boom"
        assert 0 < attrs["backoff_start_interval"] <= 3600
        latest = await env.client.get_workflow_handle("cron-fail").describe()
        assert latest.status == WorkflowExecutionStatus.RUNNING and latest.run_id == attrs["new_execution_run_id"]
        assert latest.execution_time.minute == 0 and latest.execution_time > latest.start_time
        await env.client.get_workflow_handle("cron-fail").terminate()


async def test_signals_before_the_tick_wait_for_it(env):
    async with Worker(env.client, task_queue="cron", workflows=[Flaky]):
        handle = await env.client.start_workflow(
            Flaky.run, False, id="cron-sig", task_queue="cron", cron_schedule="0 0 * * *"
        )
        await handle.signal(Flaky.note, "early")
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await env.sleep(timedelta(days=1))
        last = await _last_event(env, "cron-sig", handle.first_execution_run_id)
    ran_at, *signals = json.loads(last["attributes"]["last_completion_result"])
    assert signals == ["early"]
    t = datetime.fromisoformat(ran_at)
    assert (t.hour, t.minute) == (0, 0)


async def test_cron_tz_ticks_on_local_wall_time(env):
    async with Worker(env.client, task_queue="cron", workflows=[Flaky]):
        handle = await env.client.start_workflow(
            Flaky.run, False, id="cron-tz", task_queue="cron", cron_schedule="CRON_TZ=Asia/Kolkata 30 9 * * *"
        )
        desc = await handle.describe()
        await env.client.get_workflow_handle("cron-tz").terminate()
    local = desc.execution_time.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert (local.hour, local.minute) == (9, 30)
    assert desc.execution_time.utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", ["nope", "61 * * * *", "* * * * * *", "@fortnightly", "CRON_TZ=Mars/Base * * * * *"])
async def test_a_bad_expression_is_an_invalid_argument(env, bad):
    with pytest.raises(RPCError) as info:
        await env.client.start_workflow(Flaky.run, False, id="cron-bad", task_queue="cron", cron_schedule=bad)
    assert info.value.status == RPCStatusCode.INVALID_ARGUMENT
    assert "cron" in info.value.message.lower()


@workflow.defn
class FailsOnce:
    @workflow.run
    async def run(self) -> str:
        failure = workflow.get_last_failure()
        if failure is None:
            raise ApplicationError("first run fails", non_retryable=True)
        return f"{type(failure).__name__}: {failure}"


async def test_the_run_after_a_failure_sees_it(env):
    async with Worker(env.client, task_queue="cron", workflows=[FailsOnce]):
        handle = await env.client.start_workflow(
            FailsOnce.run, id="cron-failure", task_queue="cron", cron_schedule="0 * * * *"
        )
        first_tick = (await handle.describe()).execution_time
        await env.sleep(first_tick - await env.get_current_time() + timedelta(hours=1, minutes=1))
        first = await _last_event(env, "cron-failure", handle.first_execution_run_id)
        second = await _last_event(env, "cron-failure", first["attributes"]["new_execution_run_id"])
        await env.client.get_workflow_handle("cron-failure").terminate()
    assert json.loads(second["attributes"]["last_completion_result"]) == "ApplicationError: first run fails"


async def test_the_fall_back_hour_runs_twice_as_temporal_s_cron_library(env):
    # robfig/cron walks the repeated hour twice: on the first Sunday of November in New
    # York, 01:30 comes at 05:30 UTC (EDT) and again at 06:30 UTC (EST)
    now = await env.get_current_time()
    await env.sleep(datetime(now.year + 1, 10, 20, tzinfo=UTC) - now)
    async with Worker(env.client, task_queue="cron", workflows=[Flaky]):
        handle = await env.client.start_workflow(
            Flaky.run, False, id="cron-dst", task_queue="cron", cron_schedule="CRON_TZ=America/New_York 30 1 * 11 0"
        )
        first = (await handle.describe()).execution_time
        await env.sleep(first - await env.get_current_time() + timedelta(minutes=5))
        second = (await env.client.get_workflow_handle("cron-dst").describe()).execution_time
        await env.sleep(second - await env.get_current_time() + timedelta(minutes=5))
        third = (await env.client.get_workflow_handle("cron-dst").describe()).execution_time
        await env.client.get_workflow_handle("cron-dst").terminate()
    first, second, third = (t.replace(microsecond=0) for t in (first, second, third))
    assert (first.month, first.day <= 7, first.weekday(), first.hour, first.minute) == (11, True, 6, 5, 30)
    assert second - first == timedelta(hours=1)
    assert third - first == timedelta(days=7, hours=1)  # the next Sunday, on standard time
