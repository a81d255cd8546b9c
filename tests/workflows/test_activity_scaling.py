"""Workers scaled per task queue: at most N attempts at once, at most R started per second, and
no attempt longer than its function, on every local backend under time skipping.

The concurrency and the rate are a Worker's options here (temporalio's names); a deployment
declares the same in ``TASK_QUEUES`` (``TaskQueueConfig``), which the function-timeout test
registers as the activity function's registry does.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import threading
from datetime import timedelta
from typing import Any

import pytest

from durable import activity, workflow
from durable.client import WorkflowFailureError
from durable.common import RetryPolicy
from durable.deployment import TaskQueueConfig
from durable.exceptions import ActivityError, ApplicationError
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.helpers.codec_workflows import CONVERTER, MARKER, assert_encrypted
from tests.helpers.stored_text import memory_texts


class Overlap:
    """Counts the attempts running at once; each holds until the limit could have been reached."""

    def __init__(self, limit: int, total: int) -> None:
        self.limit, self.total = limit, total
        self.running = self.peak = self.started = 0
        self.lock = threading.Lock()

    @activity.defn(name="overlapping")
    async def overlapping(self, i: int) -> int:
        with self.lock:
            self.running += 1
            self.started += 1
            self.peak = max(self.peak, self.running)
        # Hold on while fewer than `limit` ran together and more may come: a limit not kept
        # shows as a peak above it, a limit kept lets `limit` attempts meet, never more.
        while True:
            with self.lock:
                if self.peak >= self.limit or self.started >= self.total:
                    self.running -= 1
                    return i
            await asyncio.sleep(0.002)


STARTS: list[tuple[float, int]] = []


@activity.defn
async def stamped(i: int) -> int:
    info = activity.info()
    STARTS.append((info.started_time.timestamp(), info.attempt))
    return i


@workflow.defn
class FanOut:
    @workflow.run
    async def run(self, activity_name: str, n: int) -> list[int]:
        calls = [
            workflow.execute_activity(activity_name, i, start_to_close_timeout=timedelta(seconds=30)) for i in range(n)
        ]
        return list(await asyncio.gather(*calls))


async def test_no_more_than_max_concurrent_activities_of_a_task_queue_run_at_once(env):
    overlap = Overlap(limit=3, total=10)
    async with Worker(
        env.client,
        task_queue="scaled",
        workflows=[FanOut],
        activities=[overlap.overlapping],
        max_concurrent_activities=3,
    ):
        result = await env.client.execute_workflow(FanOut.run, args=["overlapping", 10], id="fan", task_queue="scaled")
    assert result == list(range(10))
    assert (overlap.peak, overlap.started) == (3, 10)


async def test_without_a_limit_the_same_attempts_all_run_together(env):
    overlap = Overlap(limit=10, total=10)
    async with Worker(env.client, task_queue="free", workflows=[FanOut], activities=[overlap.overlapping]):
        await env.client.execute_workflow(FanOut.run, args=["overlapping", 10], id="fan-free", task_queue="free")
    assert overlap.peak == 10  # what the limited test's peak of 3 is measured against


class RecordedSlots:
    """The environment's own rate store, with every slot it hands out written down."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.slots: list[float] = []

    def reserve(self, key: str, interval: float, now: float) -> float:
        slot = self.inner.reserve(key, interval, now)
        self.slots.append(slot)
        return slot


async def test_no_second_admits_more_than_the_task_queues_activities_per_second(env):
    STARTS.clear()
    worker_services = env.runtime.activity_worker.services
    recorded = worker_services.rate_limits = RecordedSlots(worker_services.rate_limits)
    async with Worker(
        env.client,
        task_queue="paced",
        workflows=[FanOut],
        activities=[stamped],
        max_task_queue_activities_per_second=4,
    ):
        result = await env.client.execute_workflow(FanOut.run, args=["stamped", 12], id="paced", task_queue="paced")
    assert result == list(range(12))
    slots = sorted(recorded.slots)
    assert len(slots) == 12  # one admission per attempt: a put-back task is not admitted again
    # No (virtual) second, wherever it begins, admits more than 4 attempts...
    for i, t in enumerate(slots):
        assert bisect.bisect_left(slots, t + 1.0) - i <= 4
    # ...and every attempt starts once admitted, so 12 at 4 per second end 2.75 s after the first
    # admission; waiting for a slot was not an attempt.
    starts = sorted(t for t, _ in STARTS)
    assert all(start >= slot for start, slot in zip(starts, slots, strict=True))
    assert starts[-1] >= slots[0] + 2.75
    assert {attempt for _, attempt in STARTS} == {1}


@activity.defn
async def outlives_its_function() -> str:
    await asyncio.sleep(3600)  # cancelled when the function's time is up
    return "never"


@activity.defn
async def quick() -> str:
    return "done"


@workflow.defn
class LongStartToClose:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            name, start_to_close_timeout=timedelta(hours=1), retry_policy=RetryPolicy(maximum_attempts=5)
        )


@pytest.fixture
def one_second_function(env):
    # What LambdaApp registers from the deployment's TASK_QUEUES: this queue's function lives 1 s.
    env.runtime.registry.configure("short-fn", TaskQueueConfig(function_timeout=timedelta(seconds=1)))


async def test_an_attempt_that_outruns_its_function_fails_once_naming_both_timeouts(env, one_second_function):
    async with Worker(
        env.client, task_queue="short-fn", workflows=[LongStartToClose], activities=[outlives_its_function, quick]
    ):
        # An activity done within the function's time is not affected by its long start-to-close...
        assert (
            await env.client.execute_workflow(LongStartToClose.run, "quick", id="fits", task_queue="short-fn") == "done"
        )
        # ...one still running at the function's timeout is stopped and fails, not retried.
        with pytest.raises(WorkflowFailureError) as failed:
            await env.client.execute_workflow(
                LongStartToClose.run, "outlives_its_function", id="outruns", task_queue="short-fn"
            )
    activity_error = failed.value.cause
    assert isinstance(activity_error, ActivityError)
    cause = activity_error.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.non_retryable) == ("ActivityFunctionTimeout", True)
    assert "3600s (its start-to-close timeout)" in cause.message
    assert "times out after 1s" in cause.message
    history = await env.client.get_workflow_handle("outruns").fetch_history()
    kinds = [e["event_type"] for e in history.events]
    assert ("ActivityTaskAttemptFailed" in kinds, kinds.count("ActivityTaskFailed")) == (False, 1)


async def test_a_rate_costs_one_write_per_attempt_and_a_queue_without_one_spends_nothing_on_it():
    async with await WorkflowEnvironment.start_time_skipping(backend="moto") as env:
        rate_requests: list[str] = []

        def record(params: dict[str, Any], model: Any, **_: Any) -> None:
            if "rate#" in json.dumps(params, default=str):
                rate_requests.append(model.name)

        for client in env.runtime.backend.boto_clients:
            client.meta.events.register("provide-client-params.*.*", record)
        async with Worker(env.client, task_queue="unpaced", workflows=[FanOut], activities=[stamped]):
            await env.client.execute_workflow(FanOut.run, args=["stamped", 5], id="unpaced", task_queue="unpaced")
        assert rate_requests == []
        async with Worker(
            env.client,
            task_queue="paced-moto",
            workflows=[FanOut],
            activities=[stamped],
            max_task_queue_activities_per_second=10,
        ):
            await env.client.execute_workflow(FanOut.run, args=["stamped", 5], id="paced", task_queue="paced-moto")
        # A conditional write per attempt, two when a reserver's guess of busy or idle was wrong
        # (here, five attempts racing to a queue none of them had seen); a task put back for its
        # slot is not admitted again.
        assert set(rate_requests) == {"UpdateItem"}
        assert 5 <= len(rate_requests) <= 10


@activity.defn
async def echo_marked(text: str) -> str:
    return text


@workflow.defn
class MarkedFanOut:
    @workflow.run
    async def run(self, n: int) -> list[str]:
        calls = [
            workflow.execute_activity(echo_marked, f"{i} {MARKER}", start_to_close_timeout=timedelta(seconds=30))
            for i in range(n)
        ]
        return list(await asyncio.gather(*calls))


async def test_a_task_put_back_for_its_slot_stays_encrypted_and_runs_with_its_input():
    async with await WorkflowEnvironment.start_time_skipping(backend="memory", data_converter=CONVERTER) as env:
        async with Worker(
            env.client,
            task_queue="paced-secret",
            workflows=[MarkedFanOut],
            activities=[echo_marked],
            max_task_queue_activities_per_second=1 / 60,
        ):
            handle = await env.client.start_workflow(MarkedFanOut.run, 4, id="paced-secret", task_queue="paced-secret")
            # Nothing left to run now but the three tasks put back for their slots (a minute apart).
            assert await asyncio.get_running_loop().run_in_executor(None, env.runtime.dispatcher.wait_idle)
            waiting = [t for t in memory_texts(env.runtime.backend) if "admitted_at" in t]
            assert len(waiting) == 3
            assert_encrypted(memory_texts(env.runtime.backend))  # those tasks too: no plaintext anywhere
            assert await handle.result() == [f"{i} {MARKER}" for i in range(4)]
