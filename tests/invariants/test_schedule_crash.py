"""Schedules under failure: a fire delivered twice starts one run; a crash before any AWS
call of taking an action (store write, the run's start, re-arming) delays it, never loses
or doubles it."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta

from durable import workflow
from durable._runtime.activity_worker import ActivityWorker
from durable._runtime.orchestrator import Orchestrator
from durable._runtime.schedules import fire_body
from durable._runtime.services import schedule_group
from durable._schedules.documents import BackfillDocument
from durable._schedules.operations import ScheduleOperations
from durable.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    WorkflowExecutionStatus,
)
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.invariants.faults import Injector, faulty_services


@workflow.defn
class Quick:
    @workflow.run
    async def run(self) -> str:
        await asyncio.sleep(60)
        return workflow.info().workflow_id


def every_ten_minutes(schedule_id: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(Quick.run, id=schedule_id, task_queue="sched"),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=10))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.BUFFER_ONE),
    )


async def test_a_fire_delivered_again_starts_nothing_more() -> None:
    async with await WorkflowEnvironment.start_time_skipping() as env:
        async with Worker(env.client, task_queue="sched", workflows=[Quick]):
            handle = await env.client.create_schedule("dup", every_ten_minutes("dup"))
            first = (await handle.describe()).info.next_action_times[0]
            await env.sleep(first - await env.get_current_time() + timedelta(seconds=1))
            inbox = env.runtime.backend.services.inbox
            body = fire_body("dup", first.timestamp())
            # EventBridge Scheduler delivers at least once, maybe past the FIFO dedup window:
            # the same fire under new deduplication ids.
            for copy in range(3):
                inbox.send(body, group_id=schedule_group("dup"), dedup_id=f"again-{copy}")
            inbox.send(fire_body("dup", first.timestamp() + 1), group_id=schedule_group("dup"), dedup_id="never-armed")
            await env.sleep(timedelta(minutes=5))
            desc = await handle.describe()
    assert desc.info.num_actions == 1
    assert desc.info.num_actions_skipped_overlap == 0


async def run_schedule(crash_at: int | None, schedule_id: str) -> tuple[list, Injector, list]:
    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = faulty_services(runtime.backend.services, injector)
        runtime.orchestrator = Orchestrator(services, runtime.registry)
        runtime.activity_worker = ActivityWorker(services, runtime.registry)
        async with Worker(env.client, task_queue="sched", workflows=[Quick]):
            handle = await env.client.create_schedule(schedule_id, every_ten_minutes(schedule_id))
            first = (await handle.describe()).info.next_action_times[0]
            await env.sleep(first - await env.get_current_time() + timedelta(minutes=25))
            desc = await handle.describe()
            ticks = [first + timedelta(minutes=10 * i) for i in range(3)]
            runs = []
            for action in desc.info.recent_actions:
                d = await env.client.get_workflow_handle(action.action.workflow_id).describe()
                runs.append(
                    (
                        action.scheduled_at,
                        action.action.workflow_id,
                        d.run_id == action.action.first_execution_run_id,
                        d.status,
                    )
                )
    expected = [
        (t, f"{schedule_id}-{t.strftime('%Y-%m-%dT%H:%M:%SZ')}", True, WorkflowExecutionStatus.COMPLETED) for t in ticks
    ]
    return runs, injector, expected


async def test_crash_before_each_aws_call_of_a_schedule_s_actions() -> None:
    runs, reference, expected = await run_schedule(None, "ref")
    assert runs == expected
    assert any(c.startswith("schedules.put") for c in reference.calls)
    assert any(c.startswith("schedule_firing.arm") for c in reference.calls)
    for position in range(1, len(reference.calls) + 1):
        runs, injector, expected = await run_schedule(position, f"s{position}")
        where = f"crash before call #{position} ({injector.crashed_at})"
        assert injector.crashed_at is not None, where
        assert runs == expected, where


async def test_a_schedule_whose_first_time_was_never_armed_is_fired_by_the_reconciler() -> None:
    from durable._client.schedules import schedule_to_doc
    from durable._runtime.control import Control
    from durable._runtime.reconciler import Reconciler
    from tests.invariants.faults import SimulatedCrash

    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = runtime.backend.services
        crashing = faulty_services(services, Injector(crash_at=2))  # 1: the store's create, 2: the arming
        dying_client = Control(crashing, Orchestrator(crashing, runtime.registry))
        async with Worker(env.client, task_queue="sched", workflows=[Quick]):
            try:
                ScheduleOperations(dying_client).create("orphan", schedule_to_doc(every_ten_minutes("orphan")))
            except SimulatedCrash as crash:
                assert "schedule_firing.arm" in str(crash)
            else:
                raise AssertionError("the create should have crashed before arming")
            handle = env.client.get_schedule_handle("orphan")
            first = (await handle.describe()).info.next_action_times[0]
            await env.sleep(first - await env.get_current_time() + timedelta(minutes=2))
            assert (await handle.describe()).info.num_actions == 0  # nothing was armed
            assert Reconciler(services).fire_overdue_schedules(grace_seconds=60) == ["orphan"]
            await env.sleep(timedelta(seconds=1))
            assert (await handle.describe()).info.num_actions == 1
            assert Reconciler(services).fire_overdue_schedules(grace_seconds=60) == []  # armed again
            await env.sleep(timedelta(minutes=10))
            desc = await handle.describe()
    assert [a.scheduled_at for a in desc.info.recent_actions] == [first, first + timedelta(minutes=10)]


async def _backfill_after_crash(crash_at: int | None, schedule_id: str) -> tuple[list, Injector, list]:
    """A client's backfill dies before AWS call ``crash_at``; the client sends it again (same request id)."""

    from durable._runtime.control import Control
    from tests.invariants.faults import SimulatedCrash

    injector = Injector(crash_at)
    async with await WorkflowEnvironment.start_time_skipping() as env:
        runtime = env.runtime
        services = runtime.backend.services
        dying = Control(
            faulty_services(services, injector), Orchestrator(faulty_services(services, injector), runtime.registry)
        )
        healthy = Control(services, Orchestrator(services, runtime.registry))
        async with Worker(env.client, task_queue="sched", workflows=[Quick]):
            schedule = every_ten_minutes(schedule_id)
            schedule.policy = SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL)
            schedule.state.paused = True
            handle = await env.client.create_schedule(schedule_id, schedule)
            now = await env.get_current_time()
            start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
            backfills: list[BackfillDocument] = [
                {"start_at": start.timestamp(), "end_at": start.timestamp() + 600, "overlap": None}
            ]
            try:
                ScheduleOperations(dying).backfill(schedule_id, backfills, "r-1")
            except SimulatedCrash:
                pass
            ScheduleOperations(healthy).backfill(schedule_id, backfills, "r-1")
            ScheduleOperations(healthy).backfill(schedule_id, backfills, "r-1")  # and once more: still nothing new
            await env.sleep(timedelta(minutes=2))
            desc = await handle.describe()
            runs = []
            for action in desc.info.recent_actions:
                d = await env.client.get_workflow_handle(action.action.workflow_id).describe()
                runs.append(
                    (
                        action.scheduled_at,
                        action.action.workflow_id,
                        d.run_id == action.action.first_execution_run_id,
                        d.status,
                    )
                )
    ticks = [start.astimezone(UTC), start.astimezone(UTC) + timedelta(minutes=10)]
    expected = [
        (t, f"{schedule_id}-{t.strftime('%Y-%m-%dT%H:%M:%SZ')}", True, WorkflowExecutionStatus.COMPLETED) for t in ticks
    ]
    return runs, injector, expected


async def test_a_backfill_cut_short_by_a_crash_and_sent_again_takes_each_action_once() -> None:
    runs, reference, expected = await _backfill_after_crash(None, "bf")
    assert runs == expected
    assert any(c.startswith("schedules.put") for c in reference.calls)
    for position in range(1, len(reference.calls) + 1):
        runs, injector, expected = await _backfill_after_crash(position, f"bf{position}")
        where = f"crash before call #{position} ({injector.crashed_at})"
        assert injector.crashed_at is not None, where
        assert runs == expected, where
