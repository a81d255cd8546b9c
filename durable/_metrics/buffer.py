"""temporalio's ``MetricBuffer``: metric updates kept in memory for the program to drain.

Set on :class:`~durable.runtime.TelemetryConfig` (``metrics=MetricBuffer(10_000)``), it
receives every value the runtime's meter records: the engine's own metrics
(``temporal_workflow_completed``, ``temporal_activity_execution_latency``, ...) and what
workflow and activity code records. Tests read them with :meth:`MetricBuffer.retrieve_updates`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, NewType, Protocol

from durable._metrics.recording import MetricDescriptor, MetricKind

if TYPE_CHECKING:
    from durable._metrics.runtime import Runtime

__all__ = [
    "BUFFERED_METRIC_KIND_COUNTER",
    "BUFFERED_METRIC_KIND_GAUGE",
    "BUFFERED_METRIC_KIND_HISTOGRAM",
    "BufferedMetric",
    "BufferedMetricKind",
    "BufferedMetricUpdate",
    "MetricBuffer",
    "MetricBufferDurationFormat",
]

logger = logging.getLogger("durable.metrics")

BufferedMetricKind = NewType("BufferedMetricKind", int)
"""Representation of a buffered metric kind."""

BUFFERED_METRIC_KIND_COUNTER = BufferedMetricKind(MetricKind.COUNTER)
"""Buffered metric is a counter which means values are deltas."""

BUFFERED_METRIC_KIND_GAUGE = BufferedMetricKind(MetricKind.GAUGE)
"""Buffered metric is a gauge."""

BUFFERED_METRIC_KIND_HISTOGRAM = BufferedMetricKind(MetricKind.HISTOGRAM)
"""Buffered metric is a histogram."""


class BufferedMetric(Protocol):
    """A metric for a buffered update: the same object for every update of the metric."""

    @property
    def name(self) -> str:
        """Get the name of the metric."""
        ...

    @property
    def description(self) -> str | None:
        """Get the description of the metric if any."""
        ...

    @property
    def unit(self) -> str | None:
        """Get the unit of the metric if any."""
        ...

    @property
    def kind(self) -> BufferedMetricKind:
        """Get the metric kind (one of the ``BUFFERED_METRIC_KIND_*`` constants)."""
        ...


class BufferedMetricUpdate(Protocol):
    """A single metric value update."""

    @property
    def metric(self) -> BufferedMetric:
        """Metric being updated."""
        ...

    @property
    def value(self) -> int | float:
        """For counters a delta, for gauges and histograms the value."""
        ...

    @property
    def attributes(self) -> Mapping[str, str | int | float | bool]:
        """Attributes for the update. Do not mutate this."""
        ...


class MetricBufferDurationFormat(Enum):
    """How durations are represented for metrics buffers."""

    MILLISECONDS = 1
    """Durations are millisecond integers."""

    SECONDS = 2
    """Durations are second floats."""


@dataclass(frozen=True, eq=False)
class _Metric:
    name: str
    description: str | None
    unit: str | None
    kind: BufferedMetricKind


@dataclass(frozen=True)
class _Update:
    metric: _Metric
    value: int | float
    attributes: Mapping[str, str | int | float | bool]


class MetricBuffer:
    """A buffer that can be set on :class:`~durable.runtime.TelemetryConfig` to record
    metrics instead of ignoring them.

    Set the buffer size high and call :meth:`retrieve_updates` regularly: when the buffer
    is full, updates are dropped and an error is logged.
    """

    def __init__(
        self,
        buffer_size: int,
        duration_format: MetricBufferDurationFormat = MetricBufferDurationFormat.MILLISECONDS,
    ) -> None:
        """Create a buffer with the given size.

        Args:
            buffer_size: Size of the buffer (tens of thousands is reasonable).
            duration_format: Which duration format to use.
        """
        self._buffer_size = buffer_size
        self._runtime: Runtime | None = None
        self._durations_as_seconds = duration_format == MetricBufferDurationFormat.SECONDS
        self._updates: list[_Update] = []
        self._metrics: dict[MetricDescriptor, _Metric] = {}
        self._lock = threading.Lock()

    def retrieve_updates(self) -> Sequence[BufferedMetricUpdate]:
        """Drain the buffer and return all metric updates.

        Raises:
            RuntimeError: the buffer is not set on a runtime's telemetry yet.
        """
        if not self._runtime:
            raise RuntimeError("Attempting to retrieve updates before runtime created")
        with self._lock:
            updates, self._updates = self._updates, []
        return updates

    def record(
        self, metric: MetricDescriptor, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        """Keep one update (the :class:`~durable._metrics.recording.MetricRecorder` the meter calls)."""
        with self._lock:
            buffered = self._metrics.get(metric)
            if buffered is None:
                unit = metric.unit
                if metric.duration and unit == "duration":
                    unit = "s" if self._durations_as_seconds else "ms"
                buffered = self._metrics[metric] = _Metric(
                    metric.name, metric.description, unit, BufferedMetricKind(metric.kind)
                )
            if metric.duration and self._durations_as_seconds:
                value = value / 1000
            if len(self._updates) >= self._buffer_size:
                logger.error("metric buffer full (%s updates): dropped an update of %s", self._buffer_size, metric.name)
                return
            self._updates.append(_Update(buffered, value, attributes))
