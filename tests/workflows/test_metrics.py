"""The engine's metrics, read from a MetricBuffer: Temporal's names, attributes and latencies.

Each test gives the environment a runtime whose telemetry keeps every metric update in a
buffer, runs workflows through it (both backends), then reads what was recorded.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

import pytest

from durable import activity, workflow
from durable.client import WorkflowFailureError
from durable.common import RetryPolicy
from durable.exceptions import ActivityError, ApplicationError
from durable.runtime import (
    BUFFERED_METRIC_KIND_COUNTER,
    BUFFERED_METRIC_KIND_HISTOGRAM,
    BufferedMetricUpdate,
    MetricBuffer,
    Runtime,
    TelemetryConfig,
)
from durable.testing import WorkflowEnvironment
from durable.worker import Worker

TASK_QUEUE = "metrics"


@activity.defn
async def greet(name: str) -> str:
    activity.metric_meter().create_counter("greetings").add(1, {"language": "en"})
    return f"hello {name}"


@activity.defn
async def refuse(name: str) -> str:
    raise ApplicationError(f"no {name}", non_retryable=True)


@workflow.defn
class Greeter:
    @workflow.run
    async def run(self, name: str) -> str:
        steps = workflow.metric_meter().create_counter("greeter_steps")
        steps.add(1)
        await workflow.sleep(timedelta(seconds=10))
        steps.add(1)
        greeting = await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=5))
        steps.add(1)
        try:
            await workflow.execute_activity(
                refuse, name, start_to_close_timeout=timedelta(seconds=5), retry_policy=RetryPolicy(maximum_attempts=1)
            )
        except ActivityError:
            pass
        return greeting


@workflow.defn
class Failing:
    @workflow.run
    async def run(self) -> None:
        raise ApplicationError("on purpose", non_retryable=True)


@workflow.defn
class Broken:
    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("a bug: the workflow task fails and is retried, the run stays open")


@workflow.defn
class Continuing:
    @workflow.run
    async def run(self, left: int) -> None:
        if left:
            workflow.continue_as_new(left - 1)


@pytest.fixture(params=["memory", "moto", "sqlite"])
async def metered(request: pytest.FixtureRequest):
    buffer = MetricBuffer(100_000)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer))
    async with await WorkflowEnvironment.start_time_skipping(backend=request.param, runtime=runtime) as env:
        yield env, buffer


def by_name(updates: Sequence[BufferedMetricUpdate]) -> dict[str, list[BufferedMetricUpdate]]:
    named: dict[str, list[BufferedMetricUpdate]] = defaultdict(list)
    for update in updates:
        named[update.metric.name].append(update)
    return named


def run_attributes(workflow_type: str) -> dict[str, object]:
    return {
        "namespace": "default",
        "task_queue": TASK_QUEUE,
        "workflow_type": workflow_type,
        "service_name": "temporal-core-sdk",
    }


async def test_a_run_records_temporals_counters_and_latencies_with_their_attributes(metered):
    env, buffer = metered
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Greeter], activities=[greet, refuse]):
        assert await env.client.execute_workflow(Greeter.run, "ada", id="greeter", task_queue=TASK_QUEUE) == (
            "hello ada"
        )
    named = by_name(buffer.retrieve_updates())

    (completed,) = named["temporal_workflow_completed"]
    assert completed.metric.kind == BUFFERED_METRIC_KIND_COUNTER and completed.value == 1
    assert dict(completed.attributes) == run_attributes("Greeter")

    (end_to_end,) = named["temporal_workflow_endtoend_latency"]
    assert end_to_end.metric.kind == BUFFERED_METRIC_KIND_HISTOGRAM and end_to_end.metric.unit == "ms"
    assert end_to_end.value >= 10_000  # the run slept 10 s of (skipped) workflow time

    tasks = named["temporal_workflow_task_execution_latency"]
    assert len(tasks) >= 4  # start, timer fired, two activity results
    assert all(t.metric.unit == "ms" and t.value >= 0 for t in tasks)
    assert all(dict(t.attributes) == run_attributes("Greeter") for t in tasks)
    waits = named["temporal_workflow_task_schedule_to_start_latency"]
    assert waits and all(
        dict(w.attributes) == {"namespace": "default", "task_queue": TASK_QUEUE, "service_name": "temporal-core-sdk"}
        for w in waits
    )

    executions = {u.attributes["activity_type"]: u for u in named["temporal_activity_execution_latency"]}
    assert set(executions) == {"greet", "refuse"}
    assert dict(executions["greet"].attributes) == {
        "namespace": "default",
        "task_queue": TASK_QUEUE,
        "activity_type": "greet",
        "workflow_type": "Greeter",
        "service_name": "temporal-core-sdk",
    }
    assert len(named["temporal_activity_schedule_to_start_latency"]) == 2
    (succeeded,) = named["temporal_activity_succeed_endtoend_latency"]
    assert succeeded.attributes["activity_type"] == "greet"
    (failed,) = named["temporal_activity_execution_failed"]
    assert failed.attributes["activity_type"] == "refuse" and failed.value == 1

    # what workflow and activity code recorded, with the attributes temporalio adds
    (greetings,) = named["greetings"]
    assert dict(greetings.attributes) == {
        "namespace": "default",
        "task_queue": TASK_QUEUE,
        "activity_type": "greet",
        "language": "en",
        "service_name": "temporal-core-sdk",
    }
    steps = named["greeter_steps"]
    assert sum(s.value for s in steps) == 3
    assert all(s.attributes["workflow_type"] == "Greeter" for s in steps)


async def test_workflow_code_records_once_per_decision_however_often_the_run_is_replayed(metered):
    env, buffer = metered
    env.runtime.orchestrator._cache_size = 0  # every decision starts cold: a replay of all before it
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Greeter], activities=[greet, refuse]):
        await env.client.execute_workflow(Greeter.run, "bob", id="replayed", task_queue=TASK_QUEUE)
    named = by_name(buffer.retrieve_updates())
    assert sum(s.value for s in named["greeter_steps"]) == 3
    assert len(named["temporal_workflow_task_replay_latency"]) >= 3
    assert "temporal_sticky_cache_hit" not in named
    assert len(named["temporal_sticky_cache_miss"]) >= 4


async def test_failed_and_continued_runs_are_counted_under_temporals_names(metered):
    env, buffer = metered
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Failing, Continuing]):
        with pytest.raises(WorkflowFailureError):
            await env.client.execute_workflow(Failing.run, id="failing", task_queue=TASK_QUEUE)
        await env.client.execute_workflow(Continuing.run, 2, id="continuing", task_queue=TASK_QUEUE)
    named = by_name(buffer.retrieve_updates())
    (failed,) = named["temporal_workflow_failed"]
    assert dict(failed.attributes) == run_attributes("Failing")
    assert [dict(u.attributes) for u in named["temporal_workflow_continue_as_new"]] == [
        run_attributes("Continuing")
    ] * 2
    assert [u.attributes["workflow_type"] for u in named["temporal_workflow_completed"]] == ["Continuing"]
    assert "temporal_workflow_endtoend_latency" in named  # the last run of the chain completed


async def test_a_metric_prefix_replaces_temporals():
    buffer = MetricBuffer(10_000)
    runtime = Runtime(telemetry=TelemetryConfig(metrics=buffer, metric_prefix="svc_", attach_service_name=False))
    async with await WorkflowEnvironment.start_time_skipping(backend="memory", runtime=runtime) as env:
        async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Continuing]):
            await env.client.execute_workflow(Continuing.run, 0, id="prefixed", task_queue=TASK_QUEUE)
    named = by_name(buffer.retrieve_updates())
    assert "svc_workflow_completed" in named and "temporal_workflow_completed" not in named
    assert "service_name" not in named["svc_workflow_completed"][0].attributes


async def test_a_failing_workflow_task_is_counted_with_temporals_failure_reason(metered):
    env, buffer = metered
    async with Worker(env.client, task_queue=TASK_QUEUE, workflows=[Broken]):
        await env.client.start_workflow(Broken.run, id="broken", task_queue=TASK_QUEUE)
        failures: list[BufferedMetricUpdate] = []
        async with asyncio.timeout(30):  # the task fails at once; this only bounds a regression
            while not failures:
                await asyncio.sleep(0.01)
                failures = by_name(buffer.retrieve_updates())["temporal_workflow_task_execution_failed"]
    assert dict(failures[0].attributes) == {**run_attributes("Broken"), "failure_reason": "WorkflowError"}
