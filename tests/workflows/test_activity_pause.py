"""Pausing an activity (Temporal's PauseActivity / UnpauseActivity) through the client, on both
local backends: no attempt runs while paused whatever time passes, an unpause runs the next
attempt, a running attempt learns at its heartbeat, the schedule-to-close timeout still runs.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import PendingActivityState, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from durable.common import RetryPolicy
from durable.exceptions import ActivityError, TimeoutError, TimeoutType
from durable.service import RPCError, RPCStatusCode
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

HOUR = timedelta(hours=1)


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait (a bounded number of looks) until ``check`` holds: the engine works in its threads."""
    for _ in range(1000):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def _pending_state(handle: WorkflowHandle, state: PendingActivityState, attempt: int | None = None) -> None:
    async def check() -> bool:
        pending = (await handle.describe()).pending_activities
        return bool(pending) and pending[0].state == state and (attempt is None or pending[0].attempt == attempt)

    await _until(check, f"the pending activity is {state.name} (attempt {attempt})")


class Attempts:
    """What the activities of one test saw, attempt by attempt."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.fail = True
        self.cancellations: list[activity.ActivityCancellationDetails | None] = []
        self.running = threading.Event()
        self.release = threading.Event()

    @activity.defn(name="flaky")
    async def flaky(self) -> str:
        self.seen.append(activity.info().attempt)
        if self.fail:
            raise RuntimeError(f"attempt {activity.info().attempt} failed")
        return f"done at attempt {activity.info().attempt}"

    @activity.defn(name="beating")
    async def beating(self) -> str:
        self.seen.append(activity.info().attempt)
        if activity.info().attempt > 1:
            return "second attempt"
        try:
            while True:
                activity.heartbeat("working")
                self.running.set()
                await asyncio.sleep(0.02)
        except asyncio.CancelledError:
            self.cancellations.append(activity.cancellation_details())
            raise

    @activity.defn(name="blocking")
    async def blocking(self) -> str:
        self.running.set()  # and no heartbeat: the pause does not reach it
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        return "finished while paused"


@workflow.defn
class RunsOne:
    @workflow.run
    async def run(self, name: str, schedule_to_close_hours: float | None) -> str:
        return await workflow.execute_activity(
            name,
            activity_id="the-activity",
            start_to_close_timeout=timedelta(minutes=5),
            schedule_to_close_timeout=timedelta(hours=schedule_to_close_hours) if schedule_to_close_hours else None,
            # Heartbeats are written at most every 0.8 x this (real time): a pause reaches "beating" soon.
            heartbeat_timeout=timedelta(seconds=2) if name == "beating" else None,
            retry_policy=RetryPolicy(initial_interval=HOUR, backoff_coefficient=1.0),
        )


async def _start(env: WorkflowEnvironment, name: str, schedule_to_close_hours: float | None = None) -> WorkflowHandle:
    return await env.client.start_workflow(
        RunsOne.run, args=[name, schedule_to_close_hours], id=f"wf-{uuid.uuid4()}", task_queue="q"
    )


def _worker(env: WorkflowEnvironment, attempts: Attempts) -> Worker:
    return Worker(
        env.client,
        task_queue="q",
        workflows=[RunsOne],
        activities=[attempts.flaky, attempts.beating, attempts.blocking],
    )


async def test_a_paused_activity_is_not_retried_until_it_is_unpaused(env: WorkflowEnvironment) -> None:
    attempts = Attempts()
    async with _worker(env, attempts):
        handle = await _start(env, "flaky")
        await _pending_state(handle, PendingActivityState.SCHEDULED, attempt=2)  # the first attempt failed
        await env.client.pause_activity(handle.id, "the-activity", reason="the API is down", identity="ops")
        await _pending_state(handle, PendingActivityState.PAUSED)

        await env.sleep(timedelta(hours=5))  # the retry was due after an hour
        pending = (await handle.describe()).pending_activities[0]
        assert attempts.seen == [1]
        assert (pending.state, pending.attempt, pending.paused) == (PendingActivityState.PAUSED, 2, True)
        assert pending.pause_info is not None
        assert (pending.pause_info.reason, pending.pause_info.identity) == ("the API is down", "ops")

        attempts.fail = False
        await env.client.unpause_activity(handle.id, "the-activity")
        assert await handle.result() == "done at attempt 2"
    assert attempts.seen == [1, 2]


async def test_an_attempt_failing_while_paused_leaves_the_activity_paused_with_its_attempt_count(
    env: WorkflowEnvironment,
) -> None:
    attempts = Attempts()
    async with _worker(env, attempts):
        handle = await _start(env, "beating")
        await asyncio.to_thread(attempts.running.wait, 10)
        await env.client.pause_activity(handle.id, "the-activity")
        # The running attempt learns at its next heartbeat, is cancelled, and its failure is not retried.
        await _pending_state(handle, PendingActivityState.PAUSED, attempt=2)
        assert [(d.paused, d.cancel_requested) for d in attempts.cancellations if d] == [(True, False)]
        await env.sleep(timedelta(hours=3))
        assert attempts.seen == [1]
        failure = (await handle.describe()).pending_activities[0].last_failure
        assert failure is not None and "activity pause" in str(failure)

        await env.client.unpause_activity(handle.id, "the-activity")
        assert await handle.result() == "second attempt"
    assert attempts.seen == [1, 2]


async def test_an_unpause_that_resets_the_attempts_runs_attempt_one_again(env: WorkflowEnvironment) -> None:
    attempts = Attempts()
    async with _worker(env, attempts):
        handle = await _start(env, "flaky")
        await _pending_state(handle, PendingActivityState.SCHEDULED, attempt=2)
        await env.client.pause_activity(handle.id, "the-activity")
        await _pending_state(handle, PendingActivityState.PAUSED)
        attempts.fail = False
        await env.client.unpause_activity(handle.id, "the-activity", reset_attempts=True)
        assert await handle.result() == "done at attempt 1"
    assert attempts.seen == [1, 1]


async def test_a_completion_while_paused_completes_the_activity(env: WorkflowEnvironment) -> None:
    attempts = Attempts()
    async with _worker(env, attempts):
        handle = await _start(env, "blocking")
        await asyncio.to_thread(attempts.running.wait, 10)
        await env.client.pause_activity(handle.id, "the-activity", reason="look first")
        await _pending_state(handle, PendingActivityState.PAUSED)
        attempts.release.set()
        assert await handle.result() == "finished while paused"


async def test_the_schedule_to_close_timeout_runs_while_paused(env: WorkflowEnvironment) -> None:
    attempts = Attempts()
    async with _worker(env, attempts):
        handle = await _start(env, "flaky", schedule_to_close_hours=3)
        await _pending_state(handle, PendingActivityState.SCHEDULED, attempt=2)
        await env.client.pause_activity(handle.id, "the-activity")
        await _pending_state(handle, PendingActivityState.PAUSED)
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()  # time skips to the deadline; nothing else is due
    cause = failed.value.cause
    assert isinstance(cause, ActivityError) and isinstance(cause.cause, TimeoutError)
    assert cause.cause.type == TimeoutType.SCHEDULE_TO_CLOSE
    assert attempts.seen == [1]


async def test_pausing_an_activity_that_is_not_pending_is_refused(env: WorkflowEnvironment) -> None:
    attempts = Attempts()
    attempts.fail = False
    async with _worker(env, attempts):
        handle = await _start(env, "flaky")
        assert await handle.result() == "done at attempt 1"
        running = await _start(env, "blocking")
        await asyncio.to_thread(attempts.running.wait, 10)
        refusals = [
            env.client.pause_activity(running.id, "no-such-activity"),
            env.client.unpause_activity(running.id, "no-such-activity"),
            env.client.pause_activity(handle.id, "the-activity"),  # the workflow completed
            env.client.pause_activity(f"wf-{uuid.uuid4()}", "the-activity"),  # no such workflow
        ]
        messages = []
        for refusal in refusals:
            with pytest.raises(RPCError) as refused:
                await refusal
            assert refused.value.status == RPCStatusCode.NOT_FOUND
            messages.append(str(refused.value))
        attempts.release.set()
        assert await running.result() == "finished while paused"
    assert "activity 'no-such-activity' is not pending" in messages[0]
    assert "already completed" in messages[2]
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_a_history_with_a_pause_exports_as_temporal_s_json_without_it(env: WorkflowEnvironment) -> None:
    attempts = Attempts()
    async with _worker(env, attempts):
        handle = await _start(env, "flaky")
        await _pending_state(handle, PendingActivityState.SCHEDULED, attempt=2)
        await env.client.pause_activity(handle.id, "the-activity")
        await _pending_state(handle, PendingActivityState.PAUSED)
        attempts.fail = False
        await env.client.unpause_activity(handle.id, "the-activity")
        await handle.result()
    history = await handle.fetch_history()
    kinds = [e["event_type"] for e in history.events]
    assert "ActivityPaused" in kinds and "ActivityUnpaused" in kinds
    exported = [e["eventType"] for e in history.to_json_dict()["events"]]
    assert "EVENT_TYPE_ACTIVITY_TASK_COMPLETED" in exported
    assert not [t for t in exported if "PAUSE" in t]


@workflow.defn
class CancelsItsActivity:
    def __init__(self) -> None:
        self.cancel = False

    @workflow.run
    async def run(self) -> str:
        handle = workflow.start_activity(
            "flaky",
            activity_id="the-activity",
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(initial_interval=HOUR),
            cancellation_type=workflow.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )
        await workflow.wait_condition(lambda: self.cancel)
        handle.cancel()
        try:
            return await handle
        except ActivityError as err:
            return type(err.cause).__name__

    @workflow.signal
    def cancel_it(self) -> None:
        self.cancel = True


async def test_cancelling_a_paused_activity_that_runs_no_attempt_cancels_it_at_once(env: WorkflowEnvironment) -> None:
    attempts = Attempts()
    async with Worker(env.client, task_queue="q", workflows=[CancelsItsActivity], activities=[attempts.flaky]):
        handle = await env.client.start_workflow(CancelsItsActivity.run, id=f"wf-{uuid.uuid4()}", task_queue="q")
        await _pending_state(handle, PendingActivityState.SCHEDULED, attempt=2)
        await env.client.pause_activity(handle.id, "the-activity")
        await _pending_state(handle, PendingActivityState.PAUSED)
        await handle.signal(CancelsItsActivity.cancel_it)
        assert await handle.result() == "CancelledError"
    assert attempts.seen == [1]
