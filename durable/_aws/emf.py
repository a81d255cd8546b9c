"""Metrics on Lambda: CloudWatch embedded metric format (EMF) lines in the function's log.

Each value the runtime's meter records is kept until the invocation ends; :meth:`EmfMetrics.flush`
then writes one JSON document per attribute set to stdout, which Lambda sends to CloudWatch
Logs, which extracts the metrics (no API call, no extra latency). Counters are summed, gauges
keep their last value, and a histogram's samples are written as a list of values, so CloudWatch
computes percentiles over them (``p50``, ``p99`` on the dashboard).

Each document has two dimension sets: ``service`` alone (the function's total, which the
alarms and the dashboard read) and ``service`` with the value's attributes (Temporal's
``namespace``, ``task_queue``, ``workflow_type`` / ``activity_type``, and whatever workflow or
activity code adds), so one can be broken down by type in CloudWatch's console.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from typing import IO, Any

from durable._metrics.recording import MetricDescriptor, MetricKind

__all__ = ["EmfMetrics", "cloudwatch_unit"]

_MAX_METRICS = 100  # per document, EMF's limit
_MAX_VALUES = 100  # per metric per document, EMF's limit
_MAX_DIMENSIONS = 30  # per dimension set, EMF's limit

_UNITS = {
    "ms": "Milliseconds",
    "milliseconds": "Milliseconds",
    "s": "Seconds",
    "seconds": "Seconds",
    "us": "Microseconds",
    "By": "Bytes",
    "bytes": "Bytes",
    "%": "Percent",
    "percent": "Percent",
}


def cloudwatch_unit(metric: MetricDescriptor) -> str:
    """The CloudWatch unit of a metric: durations in milliseconds, counts, or what its unit says."""
    if metric.duration and metric.unit in (None, "duration", "ms"):
        return "Milliseconds"
    if metric.unit is None:
        return "Count" if metric.kind == MetricKind.COUNTER else "None"
    return _UNITS.get(metric.unit, "None")


class EmfMetrics:
    """A :class:`~durable._metrics.recording.MetricRecorder` that publishes as EMF at each flush."""

    def __init__(self, *, namespace: str, service: str, stream: IO[str] | None = None) -> None:
        self.namespace = namespace
        self.service = service
        self._stream = stream
        self._lock = threading.Lock()
        # attribute set -> metric -> values (a counter's running sum is its one value)
        self._pending: dict[tuple[tuple[str, str], ...], dict[MetricDescriptor, list[float]]] = {}

    def record(
        self, metric: MetricDescriptor, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        """Keep one value until the next flush."""
        key = tuple(sorted((k, str(v)) for k, v in attributes.items() if k != "service"))
        with self._lock:
            values = self._pending.setdefault(key, {}).setdefault(metric, [])
            if metric.kind == MetricKind.COUNTER and values:
                values[0] += value
            elif metric.kind == MetricKind.GAUGE:
                values[:] = [value]
            else:
                values.append(value)

    def flush(self) -> None:
        """Write what was recorded since the last flush (nothing when nothing was)."""
        with self._lock:
            pending, self._pending = self._pending, {}
        stream = self._stream or sys.stdout
        timestamp = int(time.time() * 1000)
        for key, metrics in pending.items():
            for document in self._documents(dict(key), metrics, timestamp):
                stream.write(json.dumps(document, separators=(",", ":")) + "\n")
        stream.flush()

    def _documents(
        self, attributes: dict[str, str], metrics: dict[MetricDescriptor, list[float]], timestamp: int
    ) -> list[dict[str, Any]]:
        dimension_sets = [["service"]]
        if attributes and len(attributes) < _MAX_DIMENSIONS:
            dimension_sets.append(["service", *attributes])
        # A histogram of more than 100 samples spreads over several documents.
        chunks: list[list[tuple[MetricDescriptor, list[float]]]] = [[]]
        for metric, values in metrics.items():
            for start in range(0, len(values), _MAX_VALUES):
                part = values[start : start + _MAX_VALUES]
                placed = next((c for c in chunks if len(c) < _MAX_METRICS and all(m is not metric for m, _ in c)), None)
                if placed is None:
                    placed = []
                    chunks.append(placed)
                placed.append((metric, part))
        documents = []
        for chunk in chunks:
            if not chunk:
                continue
            document: dict[str, Any] = {
                "_aws": {
                    "Timestamp": timestamp,
                    "CloudWatchMetrics": [
                        {
                            "Namespace": self.namespace,
                            "Dimensions": dimension_sets,
                            "Metrics": [{"Name": m.name, "Unit": cloudwatch_unit(m)} for m, _ in chunk],
                        }
                    ],
                },
                **attributes,
                "service": self.service,
            }
            for metric, values in chunk:
                document[metric.name] = values[0] if metric.kind != MetricKind.HISTOGRAM else values
            documents.append(document)
        return documents
