"""Long waits under the time-skipping environment: workflow.wait(FIRST_COMPLETED) over a
thirty-day sleep and a wait_condition, a wait_condition whose timeout a signal moves (with
workflow.init and workflow.now), and a flaky service polled by activity retries, by a
heartbeating activity, and by a workflow that continues as new between batches of tries."""

import uuid
from datetime import timedelta

from durable.client import Client, WorkflowExecutionStatus
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.idioms import activities
from tests.idioms.activities import send_reminder, stock_level, stock_level_polled
from tests.idioms.timers import Alarm, PollAcrossRuns, PollByRetries, PollState, PollWithHeartbeats, Subscription

QUEUE = "idioms-timers"


def worker(client: Client) -> Worker:
    return Worker(
        client,
        task_queue=QUEUE,
        workflows=[Subscription, Alarm, PollByRetries, PollWithHeartbeats, PollAcrossRuns],
        activities=[send_reminder, stock_level, stock_level_polled],
    )


async def test_a_reminder_every_thirty_days_until_a_signal(env: WorkflowEnvironment):
    activities.REMINDERS.clear()
    async with worker(env.client):
        handle = await env.client.start_workflow(
            Subscription.run, 30, id=f"subscription-{uuid.uuid4()}", task_queue=QUEUE
        )
        started = await env.get_current_time()
        await env.sleep(timedelta(minutes=10))
        assert activities.REMINDERS == ["renews in 30 days"]
        await env.sleep(timedelta(days=100))
        assert len(activities.REMINDERS) == 4  # days 0, 30, 60 and 90
        await handle.signal(Subscription.cancel)
        assert await handle.result() == 4
        assert len(activities.REMINDERS) == 4
        assert await env.get_current_time() - started > timedelta(days=100)


async def test_a_signal_moves_the_alarm_and_it_rings_then(env: WorkflowEnvironment):
    async with worker(env.client):
        start = await env.get_current_time()
        tomorrow = (start + timedelta(days=1)).timestamp()
        soon = (start + timedelta(hours=3)).timestamp()
        handle = await env.client.start_workflow(Alarm.run, tomorrow, id=f"alarm-{uuid.uuid4()}", task_queue=QUEUE)
        assert await handle.query(Alarm.rings_at) == tomorrow
        await handle.signal(Alarm.move, soon)
        assert await handle.query(Alarm.rings_at) == soon
        rang = await handle.result()
        described = await handle.describe()
    assert rang.startswith("rang at ")
    assert described.status == WorkflowExecutionStatus.COMPLETED
    assert timedelta(hours=3) <= described.close_time - start < timedelta(hours=4)


async def test_polling_by_retries_waits_the_retry_interval_between_calls(env: WorkflowEnvironment):
    workflow_id = f"poll-retries-{uuid.uuid4()}"
    async with worker(env.client):
        started = await env.get_current_time()
        level = await env.client.execute_workflow(PollByRetries.run, "widget", id=workflow_id, task_queue=QUEUE)
        elapsed = await env.get_current_time() - started
    assert level == 60
    assert activities.calls[workflow_id] == activities.CALLS_TO_ANSWER
    assert timedelta(minutes=3) <= elapsed < timedelta(minutes=4)  # three failures, 60 s apart


async def test_polling_inside_one_heartbeating_attempt(client: Client):
    workflow_id = f"poll-heartbeats-{uuid.uuid4()}"
    async with worker(client):
        handle = await client.start_workflow(PollWithHeartbeats.run, "gear", id=workflow_id, task_queue=QUEUE)
        assert await handle.result() == 40
    assert activities.calls[workflow_id] == activities.CALLS_TO_ANSWER
    assert activities.heartbeats[workflow_id] == activities.CALLS_TO_ANSWER - 1
    assert activities.answered_on_attempt[workflow_id] == 1


async def test_polling_continues_as_new_between_batches_of_tries(client: Client):
    workflow_id = f"poll-runs-{uuid.uuid4()}"
    async with worker(client):
        handle = await client.start_workflow(
            PollAcrossRuns.run, PollState("bolt", tries_per_run=2), id=workflow_id, task_queue=QUEUE
        )
        assert await handle.result() == (40, 4)
        runs = [w async for w in client.list_workflows(f"WorkflowId = '{workflow_id}'")]
    assert sorted(run.status.name for run in runs) == ["COMPLETED", "CONTINUED_AS_NEW"]
