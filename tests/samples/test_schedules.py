# The sample schedules of Temporal's samples (temporalio/samples-python): a schedule that starts a
# workflow every 2 minutes, then described, triggered, updated, paused and deleted, one script each
# (backfill_schedule.py passes naive datetime.utcnow() bounds, which temporalio reads as UTC and
# durable refuses for now: "ValueError: backfill.start_at must be timezone-aware (UTC), not naive").
# Their main() connects with envconfig, and durable's HTTP client serves no schedule
# calls yet, so this test runs the scripts' bodies (start_schedule.py, describe_schedule.py,
# backfill_schedule.py, update_schedule.py and the others', as ported here or quoted) with the
# time-skipping environment's client, and checks what the README says each does.
from datetime import timedelta

from durable.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

from tests.samples.schedules.your_activities import your_activity
from tests.samples.schedules.your_workflows import YourSchedulesWorkflow


async def started_runs(env: WorkflowEnvironment) -> list:
    return [w async for w in env.client.list_workflows("WorkflowType = 'YourSchedulesWorkflow'")]


async def create_the_schedule(env: WorkflowEnvironment) -> None:
    """start_schedule.py's body."""
    await env.client.create_schedule(
        "workflow-schedule-id",
        Schedule(
            action=ScheduleActionStartWorkflow(
                YourSchedulesWorkflow.run,
                "my schedule arg",
                id="schedules-workflow-id",
                task_queue="schedules-task-queue",
            ),
            spec=ScheduleSpec(
                intervals=[ScheduleIntervalSpec(every=timedelta(minutes=2))]
            ),
            state=ScheduleState(note="Here's a note on my Schedule."),
        ),
    )


async def test_the_schedule_scripts(env: WorkflowEnvironment):
    client = env.client
    async with Worker(client, task_queue="schedules-task-queue", workflows=[YourSchedulesWorkflow], activities=[your_activity]):
        created = (await env.get_current_time()).timestamp()
        await create_the_schedule(env)  # start_schedule.py
        handle = client.get_schedule_handle("workflow-schedule-id")

        # describe_schedule.py
        desc = await handle.describe()
        assert f"Returns the note: {desc.schedule.state.note}" == "Returns the note: Here's a note on my Schedule."

        # the schedule fires every 2 minutes (on the 2-minute marks from the epoch); each run
        # greets with the schedule's argument
        await env.sleep(timedelta(minutes=7))
        fired = len([t for t in range(int(created) + 1, int(created) + 7 * 60 + 1) if t % 120 == 0])
        runs = await started_runs(env)
        assert len(runs) == fired
        assert (await handle.describe()).info.num_actions == fired
        assert {await client.get_workflow_handle(r.id, run_id=r.run_id).result() for r in runs} == {"Hello, my schedule arg!"}

        # trigger_schedule.py: one action now
        await handle.trigger()
        assert (await handle.describe()).info.num_actions == fired + 1

        # update_schedule.py: the action's argument changes
        async def update_schedule_simple(input: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule_action = input.description.schedule.action

            if isinstance(schedule_action, ScheduleActionStartWorkflow):
                schedule_action.args = ["my new schedule arg"]
            return ScheduleUpdate(schedule=input.description.schedule)

        await handle.update(update_schedule_simple)
        action = (await handle.describe()).schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.args == ["my new schedule arg"]

        # pause_schedule.py: paused, nothing fires; unpaused, it fires again
        await handle.pause(note="Pausing the schedule for now")
        paused = await handle.describe()
        assert paused.schedule.state.paused and paused.schedule.state.note == "Pausing the schedule for now"
        before = paused.info.num_actions
        await env.sleep(timedelta(minutes=5))
        assert (await handle.describe()).info.num_actions == before
        await handle.unpause(note="Unpausing the schedule")
        await env.sleep(timedelta(minutes=3))
        assert (await handle.describe()).info.num_actions > before

        # list_schedule.py, delete_schedule.py
        assert [s.id async for s in await client.list_schedules()] == ["workflow-schedule-id"]
        await handle.delete()
        assert [s.id async for s in await client.list_schedules()] == []

