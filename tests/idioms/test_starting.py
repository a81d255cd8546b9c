"""Other ways to start a workflow: an eager start (request_eager_start=True, the first task run
in the start call, here a local activity), and a schedule taken through its life: created with an
interval spec and a note, described, left to fire, triggered, its action's arguments updated with
an update callback, paused and unpaused, backfilled over a past range, listed and deleted."""

import uuid
from datetime import UTC, datetime, timedelta

from durable.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleBackfill,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.idioms.activities import shout
from tests.idioms.timers import Echo, QuickStart

QUEUE = "idioms-starting"


async def test_an_eager_start_says_it_ran_eagerly(client: Client):
    async with Worker(client, task_queue=QUEUE, workflows=[QuickStart], activities=[shout]):
        handle = await client.start_workflow(
            QuickStart.run, "hey", id=f"eager-{uuid.uuid4()}", task_queue=QUEUE, request_eager_start=True
        )
        assert handle.__temporal_eagerly_started
        assert await handle.result() == "HEY!"


def every_two_minutes(start: float, end: float) -> int:
    """How many two-minute marks (counted from the epoch) fall in [start, end]."""
    return len([t for t in range(int(start), int(end) + 1) if t % 120 == 0])


async def echo_results(client: Client) -> list[str]:
    runs = [w async for w in client.list_workflows("WorkflowType = 'Echo'")]
    return [await client.get_workflow_handle(run.id, run_id=run.run_id).result() for run in runs]


async def test_a_schedule_from_creation_to_deletion(env: WorkflowEnvironment):
    client = env.client
    async with Worker(client, task_queue=QUEUE, workflows=[Echo], activities=[shout]):
        created = (await env.get_current_time()).timestamp()
        handle = await client.create_schedule(
            "echo-every-two-minutes",
            Schedule(
                action=ScheduleActionStartWorkflow(Echo.run, "tick", id="echo-run", task_queue=QUEUE),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=2))]),
                state=ScheduleState(note="made by the idioms tests"),
            ),
        )
        assert (await handle.describe()).schedule.state.note == "made by the idioms tests"

        await env.sleep(timedelta(minutes=9))
        fired = every_two_minutes(created + 1, created + 9 * 60)
        assert (await handle.describe()).info.num_actions == fired
        assert await echo_results(client) == ["TICK!"] * fired

        await handle.trigger()
        assert (await handle.describe()).info.num_actions == fired + 1

        async def new_argument(update: ScheduleUpdateInput) -> ScheduleUpdate:
            action = update.description.schedule.action
            if isinstance(action, ScheduleActionStartWorkflow):
                action.args = ["tock"]
            return ScheduleUpdate(schedule=update.description.schedule)

        await handle.update(new_argument)
        action = (await handle.describe()).schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.args == ["tock"]

        await handle.pause(note="quiet please")
        paused = await handle.describe()
        assert paused.schedule.state.paused and paused.schedule.state.note == "quiet please"
        await env.sleep(timedelta(minutes=6))
        assert (await handle.describe()).info.num_actions == paused.info.num_actions
        await handle.unpause(note="carry on")
        await env.sleep(timedelta(minutes=3))
        unpaused = await handle.describe()
        assert not unpaused.schedule.state.paused and unpaused.info.num_actions > paused.info.num_actions
        assert "TOCK!" in await echo_results(client)

        now = (await env.get_current_time()).timestamp()
        start, end = int(now) - 3600, int(now) - 2400
        await handle.backfill(
            ScheduleBackfill(
                start_at=datetime.fromtimestamp(start, tz=UTC),
                end_at=datetime.fromtimestamp(end, tz=UTC),
                overlap=ScheduleOverlapPolicy.ALLOW_ALL,
            )
        )
        backfilled = await handle.describe()
        assert backfilled.info.num_actions == unpaused.info.num_actions + every_two_minutes(start, end)

        assert [s.id async for s in await client.list_schedules()] == ["echo-every-two-minutes"]
        await handle.delete()
        assert [s.id async for s in await client.list_schedules()] == []
