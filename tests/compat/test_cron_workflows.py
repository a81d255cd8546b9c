"""``cron_schedule=`` on start: runs at each tick, one after another, under one workflow id.

What real Temporal (the time-skipping test server) shows, and these tests pin: the first
run is RUNNING at once but its first workflow task waits for the first tick
(``execution_time``); a run that completes closes as CONTINUED_AS_NEW and the next run of
the same id starts at the next tick; a run still busy at a tick lets it pass; ``result()``
on the first run with ``follow_runs=False`` raises WorkflowContinuedAsNewError (following
runs, it would wait forever); cancel and terminate end the chain.

The test server does not accept cron descriptors (``@hourly``) and fails on a cron run
that fails, so those are covered by the durable-only tests (tests/workflows/test_cron.py).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from .sdk import WorkflowExecutionStatus, WorkflowFailureError, activity, new_worker, workflow

RUNS: dict[str, list[tuple[str, str | None, datetime]]] = defaultdict(list)


@activity.defn
async def record_run(workflow_id: str, run_id: str, cron: str | None, now: str) -> None:
    RUNS[workflow_id].append((run_id, cron, datetime.fromisoformat(now)))


@workflow.defn
class Ticker:
    @workflow.run
    async def run(self, work_minutes: int) -> str:
        info = workflow.info()
        await workflow.execute_activity(
            record_run,
            args=[info.workflow_id, info.run_id, info.cron_schedule, workflow.now().isoformat()],
            start_to_close_timeout=timedelta(seconds=10),
        )
        if work_minutes:
            await asyncio.sleep(work_minutes * 60)
        return info.run_id


def _minute(t: datetime) -> datetime:
    # a run's code runs at its tick plus the delivery's latency (milliseconds), never before
    return t.replace(second=0, microsecond=0)


def _on_tick(t: datetime, minutes: int) -> bool:
    return t.minute % minutes == 0


async def test_first_run_waits_for_the_tick_and_each_tick_starts_a_run(env, task_queue):
    wid = f"cron-{task_queue}"
    async with new_worker(env.client, task_queue=task_queue, workflows=[Ticker], activities=[record_run]):
        handle = await env.client.start_workflow(
            Ticker.run, 0, id=wid, task_queue=task_queue, cron_schedule="*/5 * * * *"
        )
        first = await handle.describe()
        assert first.status == WorkflowExecutionStatus.RUNNING
        assert first.execution_time > first.start_time
        assert _on_tick(first.execution_time, 5) and first.execution_time.second == 0
        assert first.execution_time - first.start_time <= timedelta(minutes=5)
        assert RUNS[wid] == []

        await env.sleep(timedelta(minutes=11))
        assert len(RUNS[wid]) in (2, 3)
        run_ids = [r for r, _, _ in RUNS[wid]]
        assert run_ids[0] == handle.first_execution_run_id and len(set(run_ids)) == len(run_ids)
        assert all(cron == "*/5 * * * *" for _, cron, _ in RUNS[wid])
        assert all(_on_tick(now, 5) for _, _, now in RUNS[wid])
        ticks = [_minute(now) for _, _, now in RUNS[wid]]
        assert all(b - a == timedelta(minutes=5) for a, b in pairwise(ticks))

        first_handle = env.client.get_workflow_handle(wid, run_id=handle.first_execution_run_id)
        assert (await first_handle.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW
        with pytest.raises(Exception) as info:
            await first_handle.result(follow_runs=False)
        assert type(info.value).__name__ == "WorkflowContinuedAsNewError"
        assert info.value.new_execution_run_id == run_ids[1]

        latest = await env.client.get_workflow_handle(wid).describe()
        assert latest.status == WorkflowExecutionStatus.RUNNING
        assert latest.run_id not in run_ids  # waiting for its tick
        assert latest.execution_time > latest.start_time

        await env.client.get_workflow_handle(wid).terminate("enough")
        seen = len(RUNS[wid])
        await env.sleep(timedelta(minutes=20))
        assert len(RUNS[wid]) == seen
        after = await env.client.get_workflow_handle(wid).describe()
        assert after.status == WorkflowExecutionStatus.TERMINATED and after.run_id == latest.run_id


async def test_cancel_before_the_first_tick_runs_it_at_once_and_ends_the_chain(env, task_queue):
    wid = f"cron-cancel-{task_queue}"
    async with new_worker(env.client, task_queue=task_queue, workflows=[Ticker], activities=[record_run]):
        handle = await env.client.start_workflow(
            Ticker.run, 0, id=wid, task_queue=task_queue, cron_schedule="0 * * * *"
        )
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        assert type(info.value.cause).__name__ == "CancelledError"
        await env.sleep(timedelta(hours=2))
        desc = await env.client.get_workflow_handle(wid).describe()
    assert desc.status == WorkflowExecutionStatus.CANCELED
    assert desc.run_id == handle.first_execution_run_id


async def test_a_run_busy_at_a_tick_lets_it_pass(env, task_queue):
    wid = f"cron-busy-{task_queue}"
    async with new_worker(env.client, task_queue=task_queue, workflows=[Ticker], activities=[record_run]):
        handle = await env.client.start_workflow(
            Ticker.run, 25, id=wid, task_queue=task_queue, cron_schedule="*/10 * * * *"
        )
        await env.sleep(timedelta(minutes=30))
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING  # 25 minutes of work
        assert len(RUNS[wid]) == 1
        await env.sleep(timedelta(minutes=20))
        assert len(RUNS[wid]) == 2
        (_, _, t1), (_, _, t2) = RUNS[wid]
        # the second run starts at the first tick after the first one closed (t1 + 25 min)
        assert _minute(t2) == _minute(t1) + timedelta(minutes=30)
        await env.client.get_workflow_handle(wid).terminate()


async def test_a_running_cron_workflow_holds_its_id(env, task_queue):
    wid = f"cron-dup-{task_queue}"
    async with new_worker(env.client, task_queue=task_queue, workflows=[Ticker], activities=[record_run]):
        await env.client.start_workflow(Ticker.run, 0, id=wid, task_queue=task_queue, cron_schedule="0 * * * *")
        with pytest.raises(Exception) as info:
            await env.client.start_workflow(Ticker.run, 0, id=wid, task_queue=task_queue, cron_schedule="0 * * * *")
        assert type(info.value).__name__ == "WorkflowAlreadyStartedError"
        await env.client.get_workflow_handle(wid).terminate()


@workflow.defn
class Counter:
    @workflow.run
    async def run(self) -> int:
        info = workflow.info()
        previous = workflow.get_last_completion_result(int) if workflow.has_last_completion_result() else None
        count = (previous or 0) + 1
        await workflow.execute_activity(
            record_run,
            args=[info.workflow_id, info.run_id, str(previous), workflow.now().isoformat()],
            start_to_close_timeout=timedelta(seconds=10),
        )
        assert workflow.get_last_failure() is None
        return count


async def test_each_run_sees_the_last_completion_result(env, task_queue):
    wid = f"cron-count-{task_queue}"
    async with new_worker(env.client, task_queue=task_queue, workflows=[Counter], activities=[record_run]):
        handle = await env.client.start_workflow(
            Counter.run, id=wid, task_queue=task_queue, cron_schedule="*/10 * * * *"
        )
        first_tick = (await handle.describe()).execution_time
        await env.sleep(first_tick - await env.get_current_time() + timedelta(minutes=20, seconds=5))
        await env.client.get_workflow_handle(wid).terminate()
    assert [previous for _, previous, _ in RUNS[wid]] == ["None", "1", "2"]
