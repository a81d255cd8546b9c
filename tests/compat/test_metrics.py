"""Metrics as temporalio records them: a runtime with a MetricBuffer, metric_meter() in code.

Temporal's custom_metric sample (samples-python/custom_metric): an activity inbound
interceptor records each activity's schedule-to-start latency with ``activity.metric_meter()``,
and the workflow counts its runs with ``workflow.metric_meter()``. Both backends must give the
same names, kinds, units and attributes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from . import sdk
from .sdk import activity, workflow

TASK_QUEUE = "compat-metrics"


class CustomScheduleToStartInterceptor(sdk.worker_module.ActivityInboundInterceptor):
    async def execute_activity(self, input: Any) -> Any:
        info = activity.info()
        histogram = activity.metric_meter().create_histogram_timedelta(
            "custom_activity_schedule_to_start_latency",
            description="Time between activity scheduling and start",
            unit="duration",
        )
        histogram.record(info.started_time - info.current_attempt_scheduled_time, {"workflow_type": info.workflow_type})
        return await self.next.execute_activity(input)


class SimpleWorkerInterceptor(sdk.worker_module.Interceptor):
    def intercept_activity(self, next: Any) -> Any:
        return CustomScheduleToStartInterceptor(next)


@activity.defn
async def print_and_sleep() -> str:
    return "done"


@workflow.defn
class StartTwoActivitiesWorkflow:
    @workflow.run
    async def run(self) -> str:
        workflow.metric_meter().create_counter("workflow_runs", "runs begun").add(1)
        await workflow.execute_activity(print_and_sleep, start_to_close_timeout=timedelta(seconds=10))
        await workflow.sleep(timedelta(seconds=5))
        return await workflow.execute_activity(print_and_sleep, start_to_close_timeout=timedelta(seconds=10))


async def test_metric_meters_and_the_sdks_own_metrics_land_in_the_runtimes_buffer():
    buffer = sdk.runtime.MetricBuffer(100_000)
    runtime = sdk.runtime.Runtime(telemetry=sdk.runtime.TelemetryConfig(metrics=buffer))
    env = await sdk.start_env(runtime=runtime)
    try:
        async with sdk.new_worker(
            env.client,
            task_queue=TASK_QUEUE,
            workflows=[StartTwoActivitiesWorkflow],
            activities=[print_and_sleep],
            interceptors=[SimpleWorkerInterceptor()],
        ):
            result = await env.client.execute_workflow(
                StartTwoActivitiesWorkflow.run, id="custom-metric", task_queue=TASK_QUEUE
            )
    finally:
        await env.shutdown()
    assert result == "done"
    named = defaultdict(list)
    for update in buffer.retrieve_updates():
        named[update.metric.name].append(update)

    custom = named["custom_activity_schedule_to_start_latency"]
    assert len(custom) == 2
    assert all(
        u.metric.kind == sdk.runtime.BUFFERED_METRIC_KIND_HISTOGRAM
        and u.metric.unit == "ms"
        and u.metric.description == "Time between activity scheduling and start"
        and u.value >= 0
        and dict(u.attributes)
        == {
            "namespace": "default",
            "task_queue": TASK_QUEUE,
            "activity_type": "print_and_sleep",
            "workflow_type": "StartTwoActivitiesWorkflow",
            "service_name": "temporal-core-sdk",
        }
        for u in custom
    )
    runs = named["workflow_runs"]
    assert [(u.value, u.metric.kind) for u in runs] == [(1, sdk.runtime.BUFFERED_METRIC_KIND_COUNTER)]
    assert dict(runs[0].attributes) == {
        "namespace": "default",
        "task_queue": TASK_QUEUE,
        "workflow_type": "StartTwoActivitiesWorkflow",
        "service_name": "temporal-core-sdk",
    }

    run_attributes = dict(runs[0].attributes)
    (completed,) = named["temporal_workflow_completed"]
    assert completed.value == 1 and dict(completed.attributes) == run_attributes
    (end_to_end,) = named["temporal_workflow_endtoend_latency"]
    # Measured on different clocks under time skipping (temporalio: the worker's wall clock;
    # durable: the environment's, which skipped the 5 s sleep), the same clock when deployed.
    assert end_to_end.metric.unit == "ms" and end_to_end.value >= 0
    assert named["temporal_workflow_task_execution_latency"]
    assert {u.attributes["activity_type"] for u in named["temporal_activity_execution_latency"]} == {"print_and_sleep"}
    assert len(named["temporal_activity_schedule_to_start_latency"]) == 2
