"""The runtime and its telemetry settings: ``from durable.runtime import Runtime`` (temporalio's ``runtime``).

``Runtime(telemetry=TelemetryConfig(metrics=MetricBuffer(10_000)))`` keeps every metric in
memory; give the runtime to ``WorkflowEnvironment.start_time_skipping(runtime=)`` (or make it
the default with ``Runtime.set_default``) and read ``buffer.retrieve_updates()``. Prometheus
and OpenTelemetry exporters are not supported (a clear NotImplementedError); deployed, metrics
are CloudWatch EMF lines.
"""

from __future__ import annotations

from durable._metrics.buffer import (
    BUFFERED_METRIC_KIND_COUNTER,
    BUFFERED_METRIC_KIND_GAUGE,
    BUFFERED_METRIC_KIND_HISTOGRAM,
    BufferedMetric,
    BufferedMetricKind,
    BufferedMetricUpdate,
    MetricBuffer,
    MetricBufferDurationFormat,
)
from durable._metrics.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    LoggingFormat,
    OpenTelemetryConfig,
    OpenTelemetryMetricTemporality,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

__all__ = [
    "BUFFERED_METRIC_KIND_COUNTER",
    "BUFFERED_METRIC_KIND_GAUGE",
    "BUFFERED_METRIC_KIND_HISTOGRAM",
    "BufferedMetric",
    "BufferedMetricKind",
    "BufferedMetricUpdate",
    "LogForwardingConfig",
    "LoggingConfig",
    "LoggingFormat",
    "MetricBuffer",
    "MetricBufferDurationFormat",
    "OpenTelemetryConfig",
    "OpenTelemetryMetricTemporality",
    "PrometheusConfig",
    "Runtime",
    "TelemetryConfig",
    "TelemetryFilter",
]
