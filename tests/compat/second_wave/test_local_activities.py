"""Local activities: run by the workflow's worker, recorded as markers, retried, timed out."""

from __future__ import annotations

import asyncio
import collections
import threading
from datetime import timedelta

import pytest

from ..sdk import (
    RetryPolicy,
    WorkflowFailureError,
    activity,
    event_types,
    exceptions,
    new_replayer,
    new_worker,
    workflow,
)

CALLS: collections.Counter[str] = collections.Counter()
_lock = threading.Lock()


def _count(key: str) -> int:
    with _lock:
        CALLS[key] += 1
        return CALLS[key]


@activity.defn
async def describe_self(tag: str) -> dict:
    _count(tag)
    info = activity.info()
    return {
        "tag": tag,
        "is_local": info.is_local,
        "activity_id": info.activity_id,
        "attempt": info.attempt,
        "task_queue": info.task_queue,
    }


@activity.defn
async def flaky(key: str, failures: int) -> str:
    attempt = activity.info().attempt
    _count(f"{key}:{attempt}")
    if attempt <= failures:
        raise RuntimeError(f"attempt {attempt} fails")
    return f"{key} ok after {attempt}"


@activity.defn
async def slow(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "finished"


@workflow.defn
class RunsLocal:
    @workflow.run
    async def run(self, tag: str) -> list:
        first = await workflow.execute_local_activity(describe_self, tag, start_to_close_timeout=timedelta(seconds=5))
        await workflow.sleep(timedelta(minutes=5))  # later decisions replay the marker
        second = await workflow.execute_local_activity(
            describe_self, f"{tag}-2", schedule_to_close_timeout=timedelta(seconds=5)
        )
        return [first, second, workflow.info().task_queue]


async def test_local_activity_runs_on_the_workflow_worker_and_is_recorded_as_a_marker(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RunsLocal], activities=[describe_self]):
        handle = await client.start_workflow(RunsLocal.run, "la-basic", id="wf-la-basic", task_queue=task_queue)
        first, second, wf_queue = await handle.result()
        history = await handle.fetch_history()
    assert first == {"tag": "la-basic", "is_local": True, "activity_id": "1", "attempt": 1, "task_queue": wf_queue}
    assert second["activity_id"] == "2"  # numbered with the activities, not the timers
    types = event_types(history)
    assert types.count("MarkerRecorded") == 2
    assert "ActivityTaskScheduled" not in types
    assert CALLS["la-basic"] == 1 and CALLS["la-basic-2"] == 1  # replayed from the marker, never run again
    # and a replay of the whole history runs nothing either
    await new_replayer([RunsLocal]).replay_workflow(history)
    assert CALLS["la-basic"] == 1


@workflow.defn
class RetriesLocal:
    @workflow.run
    async def run(self, key: str, failures: int, attempts: int, threshold_s: float, interval_s: float) -> str:
        return await workflow.execute_local_activity(
            flaky,
            args=[key, failures],
            start_to_close_timeout=timedelta(seconds=5),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=interval_s), backoff_coefficient=1.0, maximum_attempts=attempts
            ),
            local_retry_threshold=timedelta(seconds=threshold_s),
        )


async def test_short_backoffs_retry_inline_with_one_marker(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RetriesLocal], activities=[flaky]):
        handle = await client.start_workflow(
            RetriesLocal.run, args=["inline", 2, 5, 60.0, 0.1], id="wf-la-inline", task_queue=task_queue
        )
        assert await handle.result() == "inline ok after 3"
        types = event_types(await handle.fetch_history())
    assert types.count("MarkerRecorded") == 1
    assert "TimerStarted" not in types
    assert [CALLS[f"inline:{a}"] for a in (1, 2, 3)] == [1, 1, 1]


async def test_a_backoff_beyond_the_local_retry_threshold_is_a_durable_timer(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RetriesLocal], activities=[flaky]):
        handle = await client.start_workflow(
            RetriesLocal.run, args=["timer", 1, 5, 1.0, 120.0], id="wf-la-timer", task_queue=task_queue
        )
        assert await handle.result() == "timer ok after 2"  # two minutes of skipped time
        types = event_types(await handle.fetch_history())
    assert types.count("MarkerRecorded") == 2  # the failed attempt with its backoff, then the result
    assert types.count("TimerStarted") == 1 and types.count("TimerFired") == 1
    assert types.index("TimerStarted") > types.index("MarkerRecorded")
    assert [CALLS[f"timer:{a}"] for a in (1, 2)] == [1, 1]


async def test_a_local_activity_that_keeps_failing_raises_activity_error(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[RetriesLocal], activities=[flaky]):
        with pytest.raises(WorkflowFailureError) as exc_info:
            await client.execute_workflow(
                RetriesLocal.run, args=["fails", 10, 2, 60.0, 0.1], id="wf-la-fails", task_queue=task_queue
            )
    # Unlike a (remote) activity's, a local activity's failure is not wrapped in an
    # ActivityError: temporalio's core hands the workflow the last attempt's failure.
    err = exc_info.value.cause
    assert isinstance(err, exceptions.ApplicationError)
    assert err.type == "RuntimeError" and err.message == "attempt 2 fails"
    assert [CALLS[f"fails:{a}"] for a in (1, 2, 3)] == [1, 1, 0]


@workflow.defn
class TimesOutLocal:
    @workflow.run
    async def run(self) -> str:
        try:
            return await workflow.execute_local_activity(
                slow,
                5.0,
                start_to_close_timeout=timedelta(milliseconds=300),
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except exceptions.ActivityError as err:
            assert isinstance(err.cause, exceptions.TimeoutError)
            return f"{err.message}/{err.activity_type}/{err.activity_id}/{err.cause.message}/{err.cause.type.name}"


async def test_a_local_activity_start_to_close_timeout(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[TimesOutLocal], activities=[slow]):
        result = await client.execute_workflow(TimesOutLocal.run, id="wf-la-timeout", task_queue=task_queue)
    # A timeout, though, is wrapped (core's words).
    assert result == "Local Activity timed out/slow/1/Activity timed out/START_TO_CLOSE"


@workflow.defn
class NeedsTimeout:
    @workflow.run
    async def run(self) -> str:
        try:
            await workflow.execute_local_activity(describe_self, "x")
        except ValueError as err:
            return str(err)
        return "no error"


async def test_a_local_activity_needs_a_timeout(client, task_queue):
    async with new_worker(client, task_queue=task_queue, workflows=[NeedsTimeout], activities=[describe_self]):
        result = await client.execute_workflow(NeedsTimeout.run, id="wf-la-no-timeout", task_queue=task_queue)
    assert result == "Activity must have start_to_close_timeout or schedule_to_close_timeout"
