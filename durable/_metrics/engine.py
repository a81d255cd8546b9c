"""The engine's own metrics: temporalio's names where Temporal has the metric, durable's otherwise.

Temporal's SDK core records, per worker, counters of closed workflows and failed tasks and
histograms of latencies (``temporal_workflow_task_execution_latency``, ...; durations in
milliseconds). The engine records the same names, with the same attributes (``namespace``,
``task_queue``, ``workflow_type`` / ``activity_type``), on the runtime's meter: a
:class:`~durable.runtime.MetricBuffer` locally when one is configured, CloudWatch EMF on
Lambda. What Temporal has no metric for keeps durable's earlier names (``WorkflowTasks``,
``HistoryConflicts``, ``InboxMessagesFailed``...), counted without attributes.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta

from durable._metrics.meter import MetricAttributes, MetricCounter, MetricHistogramTimedelta, MetricMeter

__all__ = [
    "ACTIVITY_EXECUTION_CANCELLED",
    "ACTIVITY_EXECUTION_FAILED",
    "ACTIVITY_EXECUTION_LATENCY",
    "ACTIVITY_SCHEDULE_TO_START_LATENCY",
    "ACTIVITY_SUCCEED_ENDTOEND_LATENCY",
    "STICKY_CACHE_HIT",
    "STICKY_CACHE_MISS",
    "WORKFLOW_CANCELED",
    "WORKFLOW_COMPLETED",
    "WORKFLOW_CONTINUE_AS_NEW",
    "WORKFLOW_ENDTOEND_LATENCY",
    "WORKFLOW_FAILED",
    "WORKFLOW_TASK_EXECUTION_FAILED",
    "WORKFLOW_TASK_EXECUTION_LATENCY",
    "WORKFLOW_TASK_REPLAY_LATENCY",
    "WORKFLOW_TASK_SCHEDULE_TO_START_LATENCY",
    "EngineMetrics",
]

# Temporal's names without the prefix (``temporal_`` unless TelemetryConfig.metric_prefix says otherwise).
WORKFLOW_COMPLETED = "workflow_completed"
WORKFLOW_FAILED = "workflow_failed"
WORKFLOW_CANCELED = "workflow_canceled"
WORKFLOW_CONTINUE_AS_NEW = "workflow_continue_as_new"
WORKFLOW_ENDTOEND_LATENCY = "workflow_endtoend_latency"
WORKFLOW_TASK_EXECUTION_LATENCY = "workflow_task_execution_latency"
WORKFLOW_TASK_REPLAY_LATENCY = "workflow_task_replay_latency"
WORKFLOW_TASK_SCHEDULE_TO_START_LATENCY = "workflow_task_schedule_to_start_latency"
WORKFLOW_TASK_EXECUTION_FAILED = "workflow_task_execution_failed"
STICKY_CACHE_HIT = "sticky_cache_hit"
STICKY_CACHE_MISS = "sticky_cache_miss"
ACTIVITY_EXECUTION_LATENCY = "activity_execution_latency"
ACTIVITY_SCHEDULE_TO_START_LATENCY = "activity_schedule_to_start_latency"
ACTIVITY_SUCCEED_ENDTOEND_LATENCY = "activity_succeed_endtoend_latency"
ACTIVITY_EXECUTION_FAILED = "activity_execution_failed"
ACTIVITY_EXECUTION_CANCELLED = "activity_execution_cancelled"


class EngineMetrics:
    """Where the engine records what happened, on one meter."""

    def __init__(self, meter: MetricMeter = MetricMeter.noop, *, prefix: str = "temporal_") -> None:
        self.meter = meter
        """The runtime's meter: workflow and activity code record on it too (with their attributes)."""
        self.prefix = prefix
        self._lock = threading.Lock()
        self._counters: dict[str, MetricCounter] = {}
        self._latencies: dict[str, MetricHistogramTimedelta] = {}

    def count(self, name: str, value: float = 1) -> None:
        """Add ``value`` to durable's own counter ``name`` (a metric Temporal does not have)."""
        self._counter(name).add(int(value))

    def temporal_count(self, name: str, attributes: MetricAttributes, value: int = 1) -> None:
        """Add ``value`` to Temporal's counter ``name`` (without its prefix)."""
        self._counter(self.prefix + name).add(value, attributes)

    def temporal_latency(self, name: str, seconds: float, attributes: MetricAttributes) -> None:
        """Record one sample of Temporal's latency histogram ``name`` (without its prefix)."""
        with self._lock:
            histogram = self._latencies.get(name)
            if histogram is None:
                histogram = self._latencies[name] = self.meter.create_histogram_timedelta(
                    self.prefix + name, unit="duration"
                )
        histogram.record(timedelta(seconds=max(0.0, seconds)), attributes)

    def _counter(self, full_name: str) -> MetricCounter:
        with self._lock:
            counter = self._counters.get(full_name)
            if counter is None:
                counter = self._counters[full_name] = self.meter.create_counter(full_name)
            return counter


def workflow_attributes(started: Mapping[str, object] | None) -> dict[str, str]:
    """Temporal's attributes of a run's metrics, from its start event's attributes."""
    started = started or {}
    return {
        "namespace": "default",
        "task_queue": str(started.get("task_queue", "")),
        "workflow_type": str(started.get("workflow_type", "")),
    }
