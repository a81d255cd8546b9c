"""The metric API's rules (temporalio's), the MetricBuffer, the Runtime's settings and the EMF lines."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from durable._aws.emf import EmfMetrics
from durable._metrics.recording import RecordingMeter
from durable.common import MetricMeter
from durable.runtime import (
    BUFFERED_METRIC_KIND_GAUGE,
    LoggingConfig,
    MetricBuffer,
    MetricBufferDurationFormat,
    OpenTelemetryConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
)


def buffered() -> tuple[MetricBuffer, MetricMeter]:
    buffer = MetricBuffer(1000)
    return buffer, Runtime(telemetry=TelemetryConfig(metrics=buffer, attach_service_name=False)).metric_meter


def test_values_carry_the_meters_then_the_metrics_then_the_calls_attributes():
    buffer, meter = buffered()
    counter = meter.with_additional_attributes({"a": "meter", "b": 1}).create_counter("c", "count of c", "things")
    counter.with_additional_attributes({"b": 2}).add(3, {"c": True})
    (update,) = buffer.retrieve_updates()
    assert (update.metric.name, update.metric.description, update.metric.unit) == ("c", "count of c", "things")
    assert update.value == 3 and dict(update.attributes) == {"a": "meter", "b": 2, "c": True}
    assert buffer.retrieve_updates() == []  # drained


def test_negative_values_and_attribute_values_of_other_types_are_refused_as_temporalio_refuses_them():
    buffer, meter = buffered()
    with pytest.raises(ValueError, match="Metric value cannot be negative"):
        meter.create_counter("c").add(-1)
    with pytest.raises(ValueError, match="Metric value cannot be negative"):
        meter.create_histogram_timedelta("h").record(timedelta(seconds=-1))
    with pytest.raises(TypeError, match="Invalid value type for key k"):
        meter.with_additional_attributes({"k": [1]})  # type: ignore[dict-item]
    assert buffer.retrieve_updates() == []


def test_durations_are_milliseconds_or_seconds_as_the_buffer_asks_and_gauges_are_gauges():
    buffer = MetricBuffer(10, MetricBufferDurationFormat.SECONDS)
    meter = Runtime(telemetry=TelemetryConfig(metrics=buffer)).metric_meter
    meter.create_histogram_timedelta("latency", unit="duration").record(timedelta(milliseconds=1500))
    meter.create_gauge_float("level").set(0.5)
    latency, level = buffer.retrieve_updates()
    assert (latency.value, latency.metric.unit) == (1.5, "s")
    assert level.metric.kind == BUFFERED_METRIC_KIND_GAUGE and level.value == 0.5
    assert latency.attributes["service_name"] == "temporal-core-sdk"


def test_a_full_buffer_drops_updates_and_a_buffer_without_runtime_cannot_be_read():
    lonely = MetricBuffer(10)
    with pytest.raises(RuntimeError, match="before runtime created"):
        lonely.retrieve_updates()
    buffer = MetricBuffer(2)
    counter = Runtime(telemetry=TelemetryConfig(metrics=buffer)).metric_meter.create_counter("c")
    for _ in range(5):
        counter.add(1)
    assert len(buffer.retrieve_updates()) == 2


@pytest.mark.parametrize(
    "metrics", [PrometheusConfig(bind_address="127.0.0.1:9000"), OpenTelemetryConfig(url="http://localhost:4317")]
)
def test_exporters_durable_cannot_run_are_refused_with_what_to_do_instead(metrics):
    with pytest.raises(NotImplementedError, match="MetricBuffer.*EMF"):
        Runtime(telemetry=TelemetryConfig(metrics=metrics))


def test_no_metrics_is_a_noop_meter_and_logging_config_is_accepted():
    runtime = Runtime(telemetry=TelemetryConfig(logging=LoggingConfig.default))
    assert runtime.metric_meter is MetricMeter.noop
    runtime.metric_meter.create_counter("c").add(1)


def test_the_default_runtime_is_made_once_and_set_default_refuses_to_replace_it_unless_told():
    default = Runtime.default()
    assert Runtime.default() is default
    with pytest.raises(RuntimeError, match="Runtime default already set"):
        Runtime.set_default(Runtime(telemetry=TelemetryConfig()))
    Runtime.set_default(default, error_if_already_set=False)
    with pytest.raises(RuntimeError, match="prevent_default called after"):
        Runtime.prevent_default()


def emf_lines(emf: EmfMetrics, stream: io.StringIO) -> list[dict]:
    emf.flush()
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_emf_sums_counters_and_writes_histogram_samples_as_values_for_percentiles():
    stream = io.StringIO()
    emf = EmfMetrics(namespace="durable", service="orchestrator", stream=stream)
    meter = RecordingMeter(emf).with_additional_attributes({"task_queue": "orders"})
    meter.create_counter("temporal_workflow_completed").add(1)
    meter.create_counter("temporal_workflow_completed").add(2)
    latency = meter.create_histogram_timedelta("temporal_workflow_task_execution_latency", unit="duration")
    for ms in (3, 40, 7):
        latency.record(timedelta(milliseconds=ms))
    RecordingMeter(emf).create_counter("WorkflowTasks").add(1)
    by_dimensions = {len(doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"]): doc for doc in emf_lines(emf, stream)}

    typed = by_dimensions[2]
    (directive,) = typed["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "durable"
    assert directive["Dimensions"] == [["service"], ["service", "task_queue"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "temporal_workflow_completed": "Count",
        "temporal_workflow_task_execution_latency": "Milliseconds",
    }
    assert typed["service"] == "orchestrator" and typed["task_queue"] == "orders"
    assert typed["temporal_workflow_completed"] == 3
    assert typed["temporal_workflow_task_execution_latency"] == [3, 40, 7]

    untyped = by_dimensions[1]
    assert untyped["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert untyped["WorkflowTasks"] == 1


def test_emf_writes_more_than_a_hundred_samples_over_several_documents_and_nothing_when_empty():
    stream = io.StringIO()
    emf = EmfMetrics(namespace="durable", service="activities-orders", stream=stream)
    histogram = RecordingMeter(emf).create_histogram("sizes")
    for size in range(250):
        histogram.record(size)
    documents = emf_lines(emf, stream)
    assert [len(d["sizes"]) for d in documents] == [100, 100, 50]
    assert sorted(v for d in documents for v in d["sizes"]) == list(range(250))
    written = stream.getvalue()
    emf.flush()  # nothing recorded since
    assert stream.getvalue() == written
