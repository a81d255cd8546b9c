"""Schedules, through temporalio's client API (``create_schedule``, ``ScheduleHandle``).

Temporal's time-skipping test server answers every schedule call with UNIMPLEMENTED
("Method ...WorkflowService/CreateSchedule is unimplemented"), so these tests cannot run
against real Temporal; they live here, on both local backends, and follow Temporal's
documented semantics: run ids ``<action id>-<scheduled time>``, overlap policies, pause
and unpause notes, triggers that act even when paused, 10 recent actions oldest first.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from durable import workflow
from durable.client import (
    Schedule,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    WorkflowExecutionStatus,
)
from durable.common import SearchAttributeKey
from durable.service import RPCError, RPCStatusCode
from durable.worker import Worker

TEN_MINUTES = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=10))])


@workflow.defn
class Job:
    @workflow.run
    async def run(self, minutes: int) -> str:
        await asyncio.sleep(minutes * 60)
        return workflow.info().workflow_id


def job(minutes: int = 0, **kwargs) -> ScheduleActionStartWorkflow:
    return ScheduleActionStartWorkflow(Job.run, minutes, id="job", task_queue="sched", **kwargs)


async def sleep_until(env, when: datetime) -> None:
    await env.sleep(when - await env.get_current_time())


def wid(t: datetime) -> str:
    return f"job-{t.strftime('%Y-%m-%dT%H:%M:%SZ')}"


async def status(env, workflow_id: str) -> WorkflowExecutionStatus:
    return (await env.client.get_workflow_handle(workflow_id).describe()).status


async def test_an_interval_schedule_starts_a_workflow_at_each_interval(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule("every-10", Schedule(action=job(), spec=TEN_MINUTES))
        before = await handle.describe()
        first = before.info.next_action_times[0]
        assert first.minute % 10 == 0 and first.second == 0 and first > await env.get_current_time()
        assert [b - a for a, b in pairwise(before.info.next_action_times)] == [timedelta(minutes=10)] * 9
        assert before.info.num_actions == 0 and before.info.recent_actions == []

        await sleep_until(env, first + timedelta(minutes=30, seconds=1))
        desc = await handle.describe()
    ticks = [first + timedelta(minutes=10 * i) for i in range(4)]
    assert desc.info.num_actions == 4
    assert [a.scheduled_at for a in desc.info.recent_actions] == ticks
    assert [a.action.workflow_id for a in desc.info.recent_actions] == [wid(t) for t in ticks]
    assert all(
        t <= a.started_at < t + timedelta(minutes=10) for t, a in zip(ticks, desc.info.recent_actions, strict=True)
    )
    assert [await status(env, wid(t)) for t in ticks] == [WorkflowExecutionStatus.COMPLETED] * 4
    assert desc.info.running_actions == []
    assert desc.info.next_action_times[0] == first + timedelta(minutes=40)
    assert await env.client.get_workflow_handle(wid(ticks[0])).result() == wid(ticks[0])


async def test_a_cron_schedule_starts_at_its_ticks(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "half-hourly", Schedule(action=job(), spec=ScheduleSpec(cron_expressions=["15,45 * * * *"]))
        )
        first = (await handle.describe()).info.next_action_times[0]
        assert first.minute in (15, 45)
        await sleep_until(env, first + timedelta(hours=1))
        desc = await handle.describe()
    assert [a.scheduled_at for a in desc.info.recent_actions] == [first + timedelta(minutes=30 * i) for i in range(3)]
    # as Temporal's server describes it: the expression became a calendar
    assert desc.schedule.spec.cron_expressions == []
    assert desc.schedule.spec.calendars == [
        ScheduleCalendarSpec(minute=(ScheduleRange(15), ScheduleRange(45)), hour=(ScheduleRange(0, 23),), year=())
    ]


async def _overlap(env, policy: ScheduleOverlapPolicy, schedule_id: str, *, until: timedelta):
    """A 25-minute job every 10 minutes, watched ``until`` after the first action."""
    handle = await env.client.create_schedule(
        schedule_id, Schedule(action=job(25), spec=TEN_MINUTES, policy=SchedulePolicy(overlap=policy))
    )
    first = (await handle.describe()).info.next_action_times[0]
    await sleep_until(env, first + until)
    return first, await handle.describe()


async def test_skip_starts_nothing_while_a_started_workflow_runs(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        first, desc = await _overlap(env, ScheduleOverlapPolicy.SKIP, "skip", until=timedelta(minutes=21))
        assert desc.info.num_actions == 1 and desc.info.num_actions_skipped_overlap == 2
        assert desc.info.running_actions == [
            ScheduleActionExecutionStartWorkflow(wid(first), desc.info.recent_actions[0].action.first_execution_run_id)
        ]
        await sleep_until(env, first + timedelta(minutes=31))
        desc = await env.client.get_schedule_handle("skip").describe()
    # the first closed at +25: the next chance is the action at +30
    assert [a.action.workflow_id for a in desc.info.recent_actions] == [wid(first), wid(first + timedelta(minutes=30))]


async def test_allow_all_starts_every_time(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        first, desc = await _overlap(env, ScheduleOverlapPolicy.ALLOW_ALL, "allow", until=timedelta(minutes=21))
        assert desc.info.num_actions == 3 and desc.info.num_actions_skipped_overlap == 0
        assert [r.workflow_id for r in desc.info.running_actions] == [
            wid(first + timedelta(minutes=10 * i)) for i in range(3)
        ]


async def test_buffer_one_starts_one_waiting_action_when_the_running_one_closes(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        first, desc = await _overlap(env, ScheduleOverlapPolicy.BUFFER_ONE, "buffer-one", until=timedelta(minutes=21))
        # +10 waits in the buffer; +20 finds it full and is skipped
        assert desc.info.num_actions == 1 and desc.info.num_actions_skipped_overlap == 1
        await sleep_until(env, first + timedelta(minutes=26))
        desc = await env.client.get_schedule_handle("buffer-one").describe()
        closed = (await env.client.get_workflow_handle(wid(first)).describe()).close_time
    second = desc.info.recent_actions[1]
    assert second.action.workflow_id == wid(first + timedelta(minutes=10))
    assert second.scheduled_at == first + timedelta(minutes=10)
    # started when the first one closed (25 minutes of work), before the +30 action fell due
    assert first + timedelta(minutes=25) <= closed <= second.started_at < first + timedelta(minutes=30)
    assert [r.workflow_id for r in desc.info.running_actions] == [second.action.workflow_id]


async def test_buffer_all_starts_every_waiting_action_in_turn(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        first, desc = await _overlap(env, ScheduleOverlapPolicy.BUFFER_ALL, "buffer-all", until=timedelta(minutes=56))
        runs = desc.info.recent_actions
        closes = [(await env.client.get_workflow_handle(a.action.workflow_id).describe()).close_time for a in runs[:2]]
    # +0 runs 25 minutes; +10 waits for it, then runs 25 minutes; +20 waits for that one;
    # +30, +40, +50 wait their turn
    assert [a.action.workflow_id for a in runs] == [wid(first + timedelta(minutes=m)) for m in (0, 10, 20)]
    assert [a.scheduled_at for a in runs] == [first + timedelta(minutes=m) for m in (0, 10, 20)]
    assert closes[0] <= runs[1].started_at and closes[1] <= runs[2].started_at
    assert runs[1].started_at < first + timedelta(minutes=30) and runs[2].started_at < first + timedelta(minutes=56)


async def test_terminate_other_ends_the_running_workflow_and_starts_at_once(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        first, desc = await _overlap(
            env, ScheduleOverlapPolicy.TERMINATE_OTHER, "terminate", until=timedelta(minutes=11)
        )
        assert await status(env, wid(first)) == WorkflowExecutionStatus.TERMINATED
    assert [r.workflow_id for r in desc.info.running_actions] == [wid(first + timedelta(minutes=10))]
    assert desc.info.recent_actions[1].started_at < first + timedelta(minutes=20)  # at once, not after the run


async def test_cancel_other_cancels_the_running_workflow_then_starts(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        first, desc = await _overlap(env, ScheduleOverlapPolicy.CANCEL_OTHER, "cancel", until=timedelta(minutes=11))
        assert await status(env, wid(first)) == WorkflowExecutionStatus.CANCELED
    assert [r.workflow_id for r in desc.info.running_actions] == [wid(first + timedelta(minutes=10))]


async def test_pause_and_unpause(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule("pausable", Schedule(action=job(), spec=TEN_MINUTES))
        await handle.pause(note="maintenance")
        desc = await handle.describe()
        assert desc.schedule.state.paused and desc.schedule.state.note == "maintenance"
        assert desc.info.last_updated_at is not None
        await env.sleep(timedelta(minutes=45))
        assert (await handle.describe()).info.num_actions == 0
        await handle.unpause()
        desc = await handle.describe()
        assert not desc.schedule.state.paused and desc.schedule.state.note == "Unpaused via Python SDK"
        nxt = desc.info.next_action_times[0]
        assert nxt - await env.get_current_time() <= timedelta(minutes=10)
        await sleep_until(env, nxt + timedelta(seconds=1))
        desc = await handle.describe()
    assert desc.info.num_actions == 1 and desc.info.recent_actions[0].scheduled_at == nxt
    await handle.pause()
    assert (await handle.describe()).schedule.state.note == "Paused via Python SDK"


async def test_trigger_acts_now_even_when_paused(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "triggered", Schedule(action=job(30), spec=TEN_MINUTES, state=ScheduleState(paused=True))
        )
        before = await env.get_current_time()
        await handle.trigger()
        after = await env.get_current_time()
        desc = await handle.describe()
        assert desc.info.num_actions == 1
        action = desc.info.recent_actions[0]
        assert before <= action.scheduled_at <= after
        assert action.action.workflow_id == wid(action.scheduled_at)
        assert await status(env, action.action.workflow_id) == WorkflowExecutionStatus.RUNNING
        await env.sleep(timedelta(seconds=2))
        await handle.trigger()  # SKIP: one runs already
        assert (await handle.describe()).info.num_actions_skipped_overlap == 1
        await handle.trigger(overlap=ScheduleOverlapPolicy.ALLOW_ALL)
        desc = await handle.describe()
    assert desc.info.num_actions == 2 and len(desc.info.running_actions) == 2


async def test_trigger_immediately_on_create(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "eager", Schedule(action=job(), spec=TEN_MINUTES), trigger_immediately=True
        )
        desc = await handle.describe()
    assert desc.info.num_actions == 1


async def test_delete_stops_the_actions_and_the_handle(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule("doomed", Schedule(action=job(), spec=TEN_MINUTES))
        nxt = (await handle.describe()).info.next_action_times[0]
        await handle.delete()
        await sleep_until(env, nxt + timedelta(minutes=30))
        for t in (nxt, nxt + timedelta(minutes=10)):
            with pytest.raises(RPCError) as info:
                await env.client.get_workflow_handle(wid(t)).describe()
            assert info.value.status == RPCStatusCode.NOT_FOUND
        with pytest.raises(RPCError) as info:
            await handle.describe()
    assert info.value.status == RPCStatusCode.NOT_FOUND
    assert [s.id async for s in await env.client.list_schedules()] == []


async def test_a_limited_schedule_stops_after_its_actions(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(
            "twice",
            Schedule(action=job(), spec=TEN_MINUTES, state=ScheduleState(limited_actions=True, remaining_actions=2)),
        )
        assert len((await handle.describe()).info.next_action_times) == 2
        await env.sleep(timedelta(hours=1))
        desc = await handle.describe()
    assert desc.info.num_actions == 2 and desc.schedule.state.remaining_actions == 0
    assert desc.info.next_action_times == []


async def test_update_replaces_the_spec(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule("updatable", Schedule(action=job(), spec=TEN_MINUTES))

        def hourly(input):
            schedule = input.description.schedule
            schedule.spec = ScheduleSpec(cron_expressions=["0 * * * *"])
            return ScheduleUpdate(schedule=schedule)

        await handle.update(hourly)
        desc = await handle.describe()
        hourly_calendar = [
            ScheduleCalendarSpec(hour=(ScheduleRange(0, 23),), second=(ScheduleRange(0),), minute=(ScheduleRange(0),))
        ]
        assert desc.schedule.spec.calendars == hourly_calendar and desc.schedule.spec.intervals == []
        assert all(t.minute == 0 for t in desc.info.next_action_times)
        await handle.update(lambda _: None)  # None: nothing changes
        assert (await handle.describe()).schedule.spec.calendars == hourly_calendar
        await sleep_until(env, desc.info.next_action_times[0] + timedelta(seconds=1))
        desc = await handle.describe()
    assert [a.scheduled_at for a in desc.info.recent_actions] == [desc.info.next_action_times[0] - timedelta(hours=1)]


async def test_describe_and_list_show_the_schedule_as_created(env):
    created = Schedule(
        action=job(3),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(hours=1), offset=timedelta(minutes=5))],
            start_at=datetime(2020, 1, 1, tzinfo=UTC),
            end_at=datetime(2100, 1, 1, tzinfo=UTC),
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.BUFFER_ONE, catchup_window=timedelta(minutes=10)),
        state=ScheduleState(note="hello"),
    )
    handle = await env.client.create_schedule("shown", created, memo={"team": "ops"})
    await env.client.create_schedule(
        "other", Schedule(action=job(), spec=TEN_MINUTES, state=ScheduleState(paused=True))
    )
    desc = await handle.describe()
    assert desc.id == "shown" and desc.schedule == created
    assert await desc.memo() == {"team": "ops"}
    assert all(t.minute == 5 for t in desc.info.next_action_times) and len(desc.info.next_action_times) == 10
    assert desc.info.created_at <= await env.get_current_time() and desc.info.last_updated_at is None
    listed = {s.id: s async for s in await env.client.list_schedules()}
    assert sorted(listed) == ["other", "shown"]
    assert listed["shown"].schedule.action.workflow == "Job"
    assert listed["shown"].schedule.state.note == "hello" and not listed["shown"].schedule.state.paused
    assert listed["other"].schedule.state.paused
    assert listed["shown"].info.next_action_times == desc.info.next_action_times


async def test_a_taken_id_and_a_bad_spec_are_refused(env):
    await env.client.create_schedule("taken", Schedule(action=job(), spec=TEN_MINUTES))
    with pytest.raises(ScheduleAlreadyRunningError):
        await env.client.create_schedule("taken", Schedule(action=job(), spec=TEN_MINUTES))
    for spec, says in [
        (ScheduleSpec(cron_expressions=["61 * * * *"]), "minute field '61'"),
        (ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(0))]), "every must be positive"),
    ]:
        with pytest.raises(RPCError) as info:
            await env.client.create_schedule("bad", Schedule(action=job(), spec=spec))
        assert info.value.status == RPCStatusCode.INVALID_ARGUMENT and says in info.value.message
    with pytest.raises(RPCError):
        await env.client.get_schedule_handle("bad").describe()


async def test_scheduled_runs_carry_temporal_s_search_attributes(env):
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule("attributed", Schedule(action=job(), spec=TEN_MINUTES))
        await env.client.create_schedule(
            "unrelated", Schedule(action=job(), spec=TEN_MINUTES, state=ScheduleState(paused=True))
        )
        first = (await handle.describe()).info.next_action_times[0]
        await sleep_until(env, first + timedelta(minutes=10, seconds=1))
        listed = [w async for w in env.client.list_workflows('TemporalScheduledById = "attributed"')]
    assert sorted(w.id for w in listed) == [wid(first), wid(first + timedelta(minutes=10))]
    by_id = {w.id: w for w in listed}
    assert by_id[wid(first)].search_attributes["TemporalScheduledStartTime"] == [first]


SCHEDULED_BY = SearchAttributeKey.for_keyword("TemporalScheduledById")
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
STAGE = SearchAttributeKey.for_keyword("Stage")


@workflow.defn
class TaggedJob:
    """Adds a search attribute of its own, then waits."""

    @workflow.run
    async def run(self) -> None:
        workflow.upsert_search_attributes([STAGE.value_set("tagged")])
        await asyncio.sleep(3600)

    @workflow.query
    def scheduled_by(self) -> str | None:
        return workflow.info().typed_search_attributes.get(SCHEDULED_BY)


async def test_a_scheduled_run_s_describe_shows_its_schedule_s_search_attributes_beside_its_own(env):
    action = ScheduleActionStartWorkflow(TaggedJob.run, id="tagged", task_queue="sched")
    async with Worker(env.client, task_queue="sched", workflows=[TaggedJob]):
        handle = await env.client.create_schedule(
            "tagging", Schedule(action=action, spec=TEN_MINUTES, state=ScheduleState(paused=True))
        )
        await handle.trigger()
        (taken,) = (await handle.describe()).info.recent_actions
        run = env.client.get_workflow_handle(taken.action.workflow_id)
        assert await run.query(TaggedJob.scheduled_by) == "tagging"  # the run sees them, as in Temporal
        described = await run.describe()
        listed = [w async for w in env.client.list_workflows('TemporalScheduledById = "tagging" AND Stage = "tagged"')]
    attributes = described.typed_search_attributes
    assert (attributes.get(SCHEDULED_BY), attributes.get(SCHEDULED_START), attributes.get(STAGE)) == (
        "tagging",
        taken.scheduled_at,
        "tagged",
    )
    assert described.search_attributes["TemporalScheduledById"] == ["tagging"]
    # the run's own upsert keeps the schedule's attributes in listings too
    assert [w.id for w in listed] == [taken.action.workflow_id]


async def test_a_listing_comes_a_page_at_a_time_filtered_as_asked(env):
    for name in ("b", "a", "d", "c", "e"):
        action = ScheduleActionStartWorkflow("Job", id=f"job-{name}", task_queue="sched")
        await env.client.create_schedule(
            name, Schedule(action=action, spec=ScheduleSpec(), state=ScheduleState(paused=name in "ae"))
        )
    listing = await env.client.list_schedules(page_size=2)
    assert [s.id async for s in listing] == ["a", "b", "c", "d", "e"]
    first = await env.client.list_schedules(page_size=2)
    await first.fetch_next_page()
    assert [s.id for s in first.current_page] == ["a", "b"] and first.next_page_token
    later = await env.client.list_schedules(page_size=2, next_page_token=first.next_page_token)
    assert [s.id async for s in later] == ["c", "d", "e"]
    paused = await env.client.list_schedules("TemporalSchedulePaused = true")
    assert [(s.id, s.schedule.state.paused) async for s in paused] == [("a", True), ("e", True)]
    with pytest.raises(RPCError) as info:
        [s async for s in await env.client.list_schedules("ScheduleId = ")]
    assert info.value.status == RPCStatusCode.INVALID_ARGUMENT


def test_a_retry_policy_or_memo_on_scheduled_runs_is_refused_not_dropped():
    from durable.common import RetryPolicy

    for option, says in [({"memo": {"team": "ops"}}, "memo"), ({"retry_policy": RetryPolicy()}, "retry_policy")]:
        with pytest.raises(NotImplementedError, match=f"on a scheduled start: {says}"):
            job(**option)
    assert job(execution_timeout=timedelta(hours=1)).execution_timeout == timedelta(hours=1)


async def test_a_schedule_whose_id_is_long_and_has_spaces_fires_at_each_tick(env):
    # Its fire's deduplication id (built from the id) is no FIFO id as it is: it is derived
    # (a digest), not cut to 128 characters and refused, which left the schedule silent.
    schedule_id = "nightly report / team A " + "x" * 150
    async with Worker(env.client, task_queue="sched", workflows=[Job]):
        handle = await env.client.create_schedule(schedule_id, Schedule(action=job(), spec=TEN_MINUTES))
        first = (await handle.describe()).info.next_action_times[0]
        await sleep_until(env, first + timedelta(minutes=20, seconds=1))
        desc = await handle.describe()
    assert desc.info.num_actions == 3
    assert [a.scheduled_at for a in desc.info.recent_actions] == [first + timedelta(minutes=10 * i) for i in range(3)]
