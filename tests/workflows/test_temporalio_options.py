"""temporalio options durable implements beyond what tests/compat can show on both SDKs: an
activity attempt that starts too late, a cron child, a local activity's and a timer's summary.

(A task that waits in its queue past its schedule-to-start timeout happens on Lambda when the
activity function is throttled; the local dispatcher takes every task at once, so the late
attempt is the activity worker's own, given a task that was sent earlier.)"""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable._converter import encode_args
from durable._replay import events as ev
from durable._replay.retry import next_retry
from durable._runtime.attempt import ActivityTask, timed_out
from durable._runtime.inbox import send_to_inbox
from durable.client import WorkflowExecutionStatus, WorkflowFailureError
from durable.common import RetryPolicy
from durable.exceptions import ActivityError, RetryState, TimeoutError, TimeoutType
from durable.worker import Worker

RAN: list[str] = []


@activity.defn
async def record_run(tag: str) -> str:
    RAN.append(tag)
    return tag


def _task(env, tag: str, *, waited: float, limit: float) -> ActivityTask:
    """An activity task as the dispatcher sends it, taken from its queue ``waited`` seconds late."""
    now = env.runtime.backend.clock.now()
    return {
        "workflow_id": "wf-late",
        "run_id": "run-late",
        "workflow_type": "CallsALateQueue",
        "seq": 1,
        "activity_id": "1",
        "activity_type": "record_run",
        "task_queue": "q",
        "input": encode_args([tag]),
        "attempt": 1,
        "heartbeat_details": [],
        "scheduled_time": now - waited,
        "attempt_scheduled_time": now - waited,
        "schedule_to_close_timeout": None,
        "start_to_close_timeout": 5.0,
        "heartbeat_timeout": None,
        "retry_policy": RetryPolicy().to_dict(),
        "schedule_to_start_timeout": limit,
    }


async def test_an_attempt_that_waited_past_its_schedule_to_start_timeout_fails_without_running(env):
    async with Worker(env.client, task_queue="q", activities=[record_run]):
        attempt = env.runtime.activity_worker.attempt
        # in a thread, as the dispatcher runs attempts (an async activity gets its own loop)
        late = await asyncio.to_thread(attempt.run, _task(env, "late", waited=120, limit=60))
        in_time = await asyncio.to_thread(attempt.run, _task(env, "in time", waited=30, limit=60))
    assert late is not None and late["outcome"] == "failed"
    assert late["failure"]["timeout"]["type"] == TimeoutType.SCHEDULE_TO_START
    assert "late" not in RAN
    assert in_time == {"outcome": "completed", "result": '"in time"', "heartbeat_details": []}


def test_a_schedule_to_start_timeout_is_not_retried_and_reports_timeout() -> None:
    failure = timed_out(TimeoutType.SCHEDULE_TO_START, [])["failure"]  # type: ignore[typeddict-item]
    policy = RetryPolicy(maximum_attempts=10).to_dict()
    assert next_retry(policy, 1, failure, now=100.0, scheduled_time=0.0, schedule_to_close_timeout=None) == (
        None,
        RetryState.TIMEOUT,
    )


BLOCKED = threading.Event()


@activity.defn
def waits_for_the_test() -> str:
    BLOCKED.wait(10)
    return "finished"


@workflow.defn
class AwaitsOneActivity:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            waits_for_the_test,
            schedule_to_start_timeout=timedelta(seconds=60),
            start_to_close_timeout=timedelta(seconds=30),
        )


async def test_the_workflow_sees_temporals_activity_error_for_a_schedule_to_start_timeout(env):
    """What the activity worker reports for a late attempt (sent here while attempt 1 is held)
    fails the activity at once with ``TimeoutError(SCHEDULE_TO_START)`` as its cause."""
    BLOCKED.clear()
    with ThreadPoolExecutor(1) as pool:
        async with Worker(
            env.client,
            task_queue="q",
            workflows=[AwaitsOneActivity],
            activities=[waits_for_the_test],
            activity_executor=pool,
        ):
            handle = await env.client.start_workflow(AwaitsOneActivity.run, id=f"wf-{uuid.uuid4()}", task_queue="q")
            run_id = (await handle.describe()).run_id
            while not (await handle.describe()).pending_activities:
                await asyncio.sleep(0.01)
            outcome = timed_out(TimeoutType.SCHEDULE_TO_START, [])
            send_to_inbox(
                env.runtime.backend.services,
                handle.id,
                run_id,
                "activity_result",
                "act:1:1",
                seq=1,
                attempt=1,
                **outcome,
            )
            with pytest.raises(WorkflowFailureError) as exc_info:
                await handle.result()
            BLOCKED.set()
    err = exc_info.value.cause
    assert isinstance(err, ActivityError) and err.message == "Activity task timed out"
    assert err.retry_state is RetryState.TIMEOUT
    assert isinstance(err.cause, TimeoutError) and err.cause.type is TimeoutType.SCHEDULE_TO_START
    assert err.cause.cause is None  # not wrapped in a schedule-to-close timeout


@workflow.defn
class Ticks:
    @workflow.run
    async def run(self) -> int:
        return workflow.info().attempt


@workflow.defn
class ParentOfACronChild:
    @workflow.run
    async def run(self) -> str:
        handle = await workflow.start_child_workflow(
            Ticks.run,
            id=f"{workflow.info().workflow_id}-cron",
            cron_schedule="0 * * * *",
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        )
        return handle.id


async def test_a_cron_child_waits_for_its_tick_and_runs_on_each(env):
    async with Worker(env.client, task_queue="q", workflows=[ParentOfACronChild, Ticks]):
        child_id = await env.client.execute_workflow(ParentOfACronChild.run, id=f"wf-{uuid.uuid4()}", task_queue="q")
        first = env.client.get_workflow_handle(child_id)
        first_run = (await first.describe()).run_id
        started = (await first.fetch_history()).events[0]["attributes"]
        assert started["cron_schedule"] == "0 * * * *"
        assert 0 < started["first_workflow_task_backoff"] <= 3600  # it waits for the next tick
        await env.sleep(timedelta(hours=3))
        latest = await env.client.get_workflow_handle(child_id).describe()
        closed = await env.client.get_workflow_handle(child_id, run_id=first_run).describe()
    assert closed.status == WorkflowExecutionStatus.CONTINUED_AS_NEW  # ran at its tick, then the next run waits
    assert latest.run_id != first_run and latest.status == WorkflowExecutionStatus.RUNNING
    assert latest.execution_time.minute == 0 and latest.execution_time > latest.start_time


@workflow.defn
class SummarizedLocalActivity:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_local_activity(
            record_run, "local", start_to_close_timeout=timedelta(seconds=5), summary="look it up"
        )


async def test_a_local_activitys_summary_is_on_its_marker(env):
    async with Worker(env.client, task_queue="q", workflows=[SummarizedLocalActivity], activities=[record_run]):
        handle = await env.client.start_workflow(SummarizedLocalActivity.run, id=f"wf-{uuid.uuid4()}", task_queue="q")
        assert await handle.result() == "local"
    history = await handle.fetch_history()
    [marker] = [e for e in history.events if e["event_type"] == ev.MARKER_RECORDED]
    assert marker["attributes"]["summary"] == "look it up"
    [temporal_marker] = [e for e in history.to_json_dict()["events"] if e["eventType"] == "EVENT_TYPE_MARKER_RECORDED"]
    assert "userMetadata" in temporal_marker


@pytest.mark.parametrize("summary", [None, "cool down"])
async def test_a_timer_records_its_summary_only_when_given(env, summary):
    @workflow.defn(name=f"Sleeps{summary is None}")
    class Sleeps:
        @workflow.run
        async def run(self) -> None:
            await workflow.sleep(timedelta(minutes=1), summary=summary)

    async with Worker(env.client, task_queue="q", workflows=[Sleeps]):
        handle = await env.client.start_workflow(Sleeps.run, id=f"wf-{uuid.uuid4()}", task_queue="q")
        await handle.result()
    [timer] = [e for e in (await handle.fetch_history()).events if e["event_type"] == ev.TIMER_STARTED]
    assert timer["attributes"].get("summary") == summary
    assert ("summary" in timer["attributes"]) is (summary is not None)  # older histories stay as they were


@workflow.defn
class WaitsToBeCancelled:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def test_a_cancels_reason_is_kept_on_its_request_event(env):
    async with Worker(env.client, task_queue="q", workflows=[WaitsToBeCancelled]):
        handle = await env.client.start_workflow(WaitsToBeCancelled.run, id=f"wf-{uuid.uuid4()}", task_queue="q")
        await handle.cancel(reason="the customer changed their mind", rpc_timeout=timedelta(seconds=5))
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    history = await handle.fetch_history(skip_archival=True)
    [requested] = [e for e in history.events if e["event_type"] == ev.CANCEL_REQUESTED]
    assert requested["attributes"]["reason"] == "the customer changed their mind"
    [temporal] = [e for e in history.to_json_dict()["events"] if e["eventType"].endswith("CANCEL_REQUESTED")]
    assert temporal["workflowExecutionCancelRequestedEventAttributes"]["cause"] == "the customer changed their mind"
    with pytest.raises(NotImplementedError, match="^event_filter_type is not supported by durable"):
        await handle.fetch_history(event_filter_type=2)  # temporalio's CLOSE_EVENT
