"""Calendar specs, Temporal's schedule cron dialect and backfills, through temporalio's client
API, on both local backends.

Temporal's time-skipping test server answers every schedule call with UNIMPLEMENTED, so
these follow Temporal's server as documented and as its scheduler code reads: a calendar
matches when every field matches (day of month *and* day of week), ``skip`` calendars
remove times, describe shows cron expressions as calendars, a backfill takes the actions
of a period (start and end inclusive) paused or not, under its own overlap policy.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from durable import workflow
from durable.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleBackfill,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    WorkflowExecutionStatus,
)
from durable.service import RPCError, RPCStatusCode
from durable.worker import Worker

HOURLY = ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(0, 23)])])


@workflow.defn
class Job:
    @workflow.run
    async def run(self, minutes: int) -> str:
        await asyncio.sleep(minutes * 60)
        return workflow.info().workflow_id


def job(minutes: int = 0) -> ScheduleActionStartWorkflow:
    return ScheduleActionStartWorkflow(Job.run, minutes, id="job", task_queue="sched")


def wid(t: datetime) -> str:
    return f"job-{t.strftime('%Y-%m-%dT%H:%M:%SZ')}"


async def last_hours(env, n: int) -> list[datetime]:
    """The last ``n`` whole hours before now, oldest first."""
    now = await env.get_current_time()
    top = now.replace(minute=0, second=0, microsecond=0)
    return [top - timedelta(hours=n - i) for i in range(n)]


async def test_a_schedule_cron_ands_the_day_fields_friday_the_13th_only(env):
    handle = await env.client.create_schedule(
        "friday-13",
        Schedule(
            action=job(), spec=ScheduleSpec(cron_expressions=["0 0 13 * 5 # unlucky"]), state=ScheduleState(paused=True)
        ),
    )
    desc = await handle.describe()
    times = desc.info.next_action_times
    assert len(times) == 10 and all((t.day, t.weekday(), t.hour, t.minute) == (13, 4, 0, 0) for t in times)
    assert desc.schedule.spec.cron_expressions == []
    assert desc.schedule.spec.calendars == [
        ScheduleCalendarSpec(day_of_month=(ScheduleRange(13),), day_of_week=(ScheduleRange(5),), comment="unlucky")
    ]


async def test_calendars_union_with_intervals_minus_skip_in_the_spec_s_time_zone(env):
    spec = ScheduleSpec(
        calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(9, 17, 4)], minute=[ScheduleRange(30)])],
        intervals=[ScheduleIntervalSpec(every=timedelta(days=1), offset=timedelta(hours=3))],
        skip=[
            ScheduleCalendarSpec(
                hour=[ScheduleRange(13)], minute=[ScheduleRange(30)], day_of_week=[ScheduleRange(0, 6)]
            )
        ],
        time_zone_name="Asia/Kolkata",
    )
    handle = await env.client.create_schedule(
        "mixed", Schedule(action=job(), spec=spec, state=ScheduleState(paused=True))
    )
    desc = await handle.describe()
    ist = timezone(timedelta(hours=5, minutes=30))
    local = [(t.astimezone(ist).hour, t.astimezone(ist).minute) for t in desc.info.next_action_times]
    utc_3h = [t for t in desc.info.next_action_times if (t.hour, t.minute) == (3, 0)]
    # 09:30 and 17:30 Kolkata (13:30 skipped), plus 03:00 UTC each day (08:30 Kolkata)
    assert set(local) == {(9, 30), (17, 30), (8, 30)} and utc_3h
    assert desc.schedule.spec == ScheduleSpec(
        calendars=[ScheduleCalendarSpec(hour=(ScheduleRange(9, 17, 4),), minute=(ScheduleRange(30),))],
        intervals=spec.intervals,
        skip=[
            ScheduleCalendarSpec(
                hour=(ScheduleRange(13),), minute=(ScheduleRange(30),), day_of_week=(ScheduleRange(0, 6),)
            )
        ],
        time_zone_name="Asia/Kolkata",
    )


async def test_bad_calendars_and_schedule_crons_are_invalid_arguments(env):
    for spec, says in [
        (
            ScheduleSpec(calendars=[ScheduleCalendarSpec(day_of_week=[ScheduleRange(7)])]),
            "day_of_week start 7 is not in range [0-6]",
        ),
        (ScheduleSpec(calendars=[ScheduleCalendarSpec(year=[ScheduleRange(1999)])]), "year start 1999"),
        (ScheduleSpec(cron_expressions=["0 0 * * * * * *"]), "has 8 fields"),
        (ScheduleSpec(cron_expressions=["0 0 ? * *"]), "day-of-month field '?'"),
        (ScheduleSpec(cron_expressions=["CRON_TZ=UTC 0 0 * * *"], time_zone_name="Europe/Paris"), "conflicts"),
        (ScheduleSpec(cron_expressions=["@every soon"]), "not a duration"),
    ]:
        with pytest.raises(RPCError) as info:
            await env.client.create_schedule("bad", Schedule(action=job(), spec=spec))
        assert info.value.status == RPCStatusCode.INVALID_ARGUMENT and says in info.value.message


async def test_backfill_takes_the_actions_of_a_past_period_while_paused(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "filled",
            Schedule(
                action=job(),
                spec=HOURLY,
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
                state=ScheduleState(paused=True, limited_actions=True, remaining_actions=1),
            ),
        )
        hours = await last_hours(env, 4)
        # start and end both inclusive; ALLOW_ALL for this period overrides the SKIP policy
        await handle.backfill(
            ScheduleBackfill(start_at=hours[0], end_at=hours[2], overlap=ScheduleOverlapPolicy.ALLOW_ALL)
        )
        await env.sleep(timedelta(seconds=5))
        desc = await handle.describe()
        statuses = [(await env.client.get_workflow_handle(wid(t)).describe()).status for t in hours[:3]]
    assert [a.scheduled_at for a in desc.info.recent_actions] == hours[:3]
    assert [a.action.workflow_id for a in desc.info.recent_actions] == [wid(t) for t in hours[:3]]
    assert desc.info.num_actions == 3 and desc.info.num_actions_skipped_overlap == 0
    assert statuses == [WorkflowExecutionStatus.COMPLETED] * 3
    # manual actions: still paused, no remaining action used
    assert desc.schedule.state.paused and desc.schedule.state.remaining_actions == 1


async def test_backfill_under_skip_starts_the_first_and_skips_the_rest(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "skipping", Schedule(action=job(30), spec=HOURLY, state=ScheduleState(paused=True))
        )
        hours = await last_hours(env, 3)
        await handle.backfill(ScheduleBackfill(start_at=hours[0], end_at=hours[-1]))
        desc = await handle.describe()
    assert [a.action.workflow_id for a in desc.info.recent_actions] == [wid(hours[0])]
    assert desc.info.num_actions_skipped_overlap == 2
    assert [r.workflow_id for r in desc.info.running_actions] == [wid(hours[0])]


async def test_backfill_under_buffer_all_runs_each_in_turn(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "queued", Schedule(action=job(10), spec=HOURLY, state=ScheduleState(paused=True))
        )
        hours = await last_hours(env, 3)
        await handle.backfill(
            ScheduleBackfill(start_at=hours[0], end_at=hours[1], overlap=ScheduleOverlapPolicy.BUFFER_ALL),
            ScheduleBackfill(
                start_at=hours[2], end_at=hours[2] + timedelta(minutes=59), overlap=ScheduleOverlapPolicy.BUFFER_ALL
            ),
        )
        assert (await handle.describe()).info.num_actions == 1
        await env.sleep(timedelta(minutes=35))
        desc = await handle.describe()
        closes = [(await env.client.get_workflow_handle(wid(t)).describe()).close_time for t in hours]
    runs = desc.info.recent_actions
    assert [a.scheduled_at for a in runs] == hours
    assert closes[0] <= runs[1].started_at and closes[1] <= runs[2].started_at  # one after another
    assert desc.info.num_actions_skipped_overlap == 0


async def test_backfill_under_cancel_other_starts_only_the_last(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "replacing", Schedule(action=job(), spec=HOURLY, state=ScheduleState(paused=True))
        )
        hours = await last_hours(env, 3)
        await handle.backfill(
            ScheduleBackfill(start_at=hours[0], end_at=hours[-1], overlap=ScheduleOverlapPolicy.CANCEL_OTHER)
        )
        desc = await handle.describe()
    assert [a.action.workflow_id for a in desc.info.recent_actions] == [wid(hours[-1])]


async def test_backfill_needs_a_period_and_a_schedule(env):
    handle = await env.client.create_schedule(
        "empty", Schedule(action=job(), spec=HOURLY, state=ScheduleState(paused=True))
    )
    with pytest.raises(ValueError, match="At least one backfill required"):
        await handle.backfill()
    hours = await last_hours(env, 2)
    with pytest.raises(RPCError) as info:
        await env.client.get_schedule_handle("nope").backfill(ScheduleBackfill(start_at=hours[0], end_at=hours[1]))
    assert info.value.status == RPCStatusCode.NOT_FOUND


async def test_create_with_backfill_takes_its_actions_at_once(env):
    now = await env.get_current_time()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "born-filled",
            Schedule(action=job(), spec=HOURLY, policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL)),
            backfill=[ScheduleBackfill(start_at=start, end_at=start + timedelta(hours=1))],
        )
        desc = await handle.describe()
    assert [a.scheduled_at for a in desc.info.recent_actions] == [start, start + timedelta(hours=1)]


async def test_a_schedule_with_an_empty_spec_acts_only_when_asked(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule("on-demand", Schedule(action=job(), spec=ScheduleSpec()))
        assert (await handle.describe()).info.next_action_times == []
        await env.sleep(timedelta(days=2))
        assert (await handle.describe()).info.num_actions == 0
        await handle.trigger()
        desc = await handle.describe()
    assert desc.info.num_actions == 1 and desc.schedule.spec == ScheduleSpec()


class _LostFiring:
    """EventBridge Scheduler whose delivery of the first time is lost (it comes late, below)."""

    def arm(self, schedule_id: str, fire_at: float, body: str) -> None:
        pass

    def disarm(self, schedule_id: str) -> None:
        pass


async def _deliver_late(env, schedule_id: str, spec: ScheduleSpec, late: timedelta, catchup: timedelta):
    """A schedule whose first fire reaches the inbox ``late`` after its (jittered) time."""
    from dataclasses import replace

    from durable._client.schedules import schedule_to_doc
    from durable._runtime.control import Control
    from durable._runtime.orchestrator import Orchestrator
    from durable._runtime.schedules import fire_body
    from durable._runtime.services import schedule_group
    from durable._schedules.operations import ScheduleOperations

    runtime = env.runtime
    lossy = replace(runtime.backend.services, schedule_firing=_LostFiring())
    schedule = Schedule(action=job(), spec=spec, policy=SchedulePolicy(catchup_window=catchup))
    ScheduleOperations(Control(lossy, Orchestrator(lossy, runtime.registry))).create(
        schedule_id, schedule_to_doc(schedule)
    )
    handle = env.client.get_schedule_handle(schedule_id)
    due = (await handle.describe()).info.next_action_times[0]
    nominal = runtime.backend.services.schedules.get(schedule_id).doc["info"]["armed"]
    await env.sleep(due + late - await env.get_current_time())
    # ... it comes late (EventBridge Scheduler retrying, a throttled queue)
    runtime.backend.services.inbox.send(
        fire_body(schedule_id, nominal), group_id=schedule_group(schedule_id), dedup_id=f"late-{schedule_id}"
    )
    await env.sleep(timedelta(seconds=1))
    return (await handle.describe()).info


async def test_a_late_action_counts_from_its_jittered_time_with_temporal_s_ten_second_floor(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        # a 1 s window is 10 s, as on Temporal's server
        info = await _deliver_late(env, "floor", HOURLY, timedelta(seconds=5), timedelta(seconds=1))
        assert info.num_actions == 1 and info.num_actions_missed_catchup_window == 0
        info = await _deliver_late(env, "missed", HOURLY, timedelta(seconds=30), timedelta(seconds=1))
        assert info.num_actions == 0 and info.num_actions_missed_catchup_window == 1
        # jitter up to 50 minutes and a 1-minute window: on time means on the jittered time
        jittered = ScheduleSpec(calendars=HOURLY.calendars, jitter=timedelta(minutes=50))
        info = await _deliver_late(env, "jittered", jittered, timedelta(seconds=20), timedelta(minutes=1))
    assert info.num_actions == 1 and info.num_actions_missed_catchup_window == 0
    assert info.recent_actions[0].scheduled_at > info.recent_actions[0].scheduled_at.replace(
        minute=0, second=0, microsecond=0
    )


async def test_naive_datetimes_are_utc_as_temporalio_reads_them(env):
    # temporalio's samples backfill with datetime.utcnow(); protobuf reads a naive datetime as UTC
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "naive", Schedule(action=job(), spec=HOURLY, state=ScheduleState(paused=True))
        )
        hours = await last_hours(env, 3)
        naive = [t.astimezone(UTC).replace(tzinfo=None) for t in hours]
        await handle.backfill(
            ScheduleBackfill(start_at=naive[0], end_at=naive[1], overlap=ScheduleOverlapPolicy.ALLOW_ALL)
        )
        await env.sleep(timedelta(seconds=5))
        desc = await handle.describe()
    assert [a.scheduled_at for a in desc.info.recent_actions] == hours[:2]
