"""A meter that hands every value to a recorder: the in-memory buffer locally, EMF on Lambda.

temporalio's core SDK turns metric calls into updates of a Rust meter; here each call
becomes one :class:`MetricRecorder` call with the metric's descriptor, the value and the
attributes (the meter's, then the metric's, then the call's, later ones winning). Values
are checked as temporalio checks them: negative values and attribute values that are not
str, int, float or bool are refused.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum
from typing import Protocol, Self

from durable._metrics.meter import (
    MetricAttributes,
    MetricCommon,
    MetricCounter,
    MetricGauge,
    MetricGaugeFloat,
    MetricHistogram,
    MetricHistogramFloat,
    MetricHistogramTimedelta,
    MetricMeter,
)

__all__ = ["MetricDescriptor", "MetricKind", "MetricRecorder", "RecordingMeter"]


class MetricKind(IntEnum):
    """What a metric's values mean (temporalio's ``BUFFERED_METRIC_KIND_*`` values)."""

    COUNTER = 0
    """Values are deltas to add."""
    GAUGE = 1
    """Each value replaces the previous one."""
    HISTOGRAM = 2
    """Each value is one sample of a distribution."""


@dataclass(frozen=True, eq=False)
class MetricDescriptor:
    """One metric, as created on a meter: the same object for every value of that metric."""

    name: str
    description: str | None
    unit: str | None
    kind: MetricKind
    duration: bool = False
    """A timedelta histogram: values are whole milliseconds."""


class MetricRecorder(Protocol):
    """Where a :class:`RecordingMeter`'s values go."""

    def record(
        self, metric: MetricDescriptor, value: int | float, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        """Take one value (a counter's delta, a gauge's value, a histogram's sample)."""
        ...


def _checked(attributes: MetricAttributes) -> dict[str, str | int | float | bool]:
    for key, value in attributes.items():
        if not isinstance(value, str | int | float | bool):
            raise TypeError(f"Invalid value type for key {key}, must be str, int, float, or bool")
    return dict(attributes)


class RecordingMeter(MetricMeter):
    """A :class:`MetricMeter` whose metrics hand their values to a recorder."""

    def __init__(
        self,
        recorder: MetricRecorder,
        attributes: MetricAttributes | None = None,
        *,
        _descriptors: dict[tuple[str, MetricKind, bool], MetricDescriptor] | None = None,
        _lock: threading.Lock | None = None,
    ) -> None:
        self._recorder = recorder
        self._attributes = _checked(attributes or {})
        # Shared by the meters derived with with_additional_attributes: one descriptor per metric.
        self._descriptors = {} if _descriptors is None else _descriptors
        self._lock = _lock or threading.Lock()

    def _descriptor(
        self, name: str, description: str | None, unit: str | None, kind: MetricKind, duration: bool = False
    ) -> MetricDescriptor:
        with self._lock:
            key = (name, kind, duration)
            found = self._descriptors.get(key)
            if found is None:
                found = self._descriptors[key] = MetricDescriptor(name, description, unit, kind, duration)
            return found

    def create_counter(self, name: str, description: str | None = None, unit: str | None = None) -> MetricCounter:
        return _Counter(self._descriptor(name, description, unit, MetricKind.COUNTER), self._recorder, self._attributes)

    def create_histogram(self, name: str, description: str | None = None, unit: str | None = None) -> MetricHistogram:
        return _Histogram(
            self._descriptor(name, description, unit, MetricKind.HISTOGRAM), self._recorder, self._attributes
        )

    def create_histogram_float(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogramFloat:
        return _HistogramFloat(
            self._descriptor(name, description, unit, MetricKind.HISTOGRAM), self._recorder, self._attributes
        )

    def create_histogram_timedelta(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogramTimedelta:
        return _HistogramTimedelta(
            self._descriptor(name, description, unit, MetricKind.HISTOGRAM, duration=True),
            self._recorder,
            self._attributes,
        )

    def create_gauge(self, name: str, description: str | None = None, unit: str | None = None) -> MetricGauge:
        return _Gauge(self._descriptor(name, description, unit, MetricKind.GAUGE), self._recorder, self._attributes)

    def create_gauge_float(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricGaugeFloat:
        return _GaugeFloat(
            self._descriptor(name, description, unit, MetricKind.GAUGE), self._recorder, self._attributes
        )

    def with_additional_attributes(self, additional_attributes: MetricAttributes) -> MetricMeter:
        return RecordingMeter(
            self._recorder,
            {**self._attributes, **_checked(additional_attributes)},
            _descriptors=self._descriptors,
            _lock=self._lock,
        )


class _Metric(MetricCommon):
    def __init__(
        self, descriptor: MetricDescriptor, recorder: MetricRecorder, attributes: Mapping[str, str | int | float | bool]
    ) -> None:
        self._descriptor = descriptor
        self._recorder = recorder
        self._attributes = attributes

    @property
    def name(self) -> str:
        return self._descriptor.name

    @property
    def description(self) -> str | None:
        return self._descriptor.description

    @property
    def unit(self) -> str | None:
        return self._descriptor.unit

    def with_additional_attributes(self, additional_attributes: MetricAttributes) -> Self:
        return type(self)(self._descriptor, self._recorder, {**self._attributes, **_checked(additional_attributes)})

    def _record(self, value: int | float, additional_attributes: MetricAttributes | None) -> None:
        if value < 0:
            raise ValueError("Metric value cannot be negative")
        attributes = self._attributes
        if additional_attributes:
            attributes = {**attributes, **_checked(additional_attributes)}
        self._recorder.record(self._descriptor, value, attributes)


class _Counter(MetricCounter, _Metric):
    def add(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        self._record(value, additional_attributes)


class _Histogram(MetricHistogram, _Metric):
    def record(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        self._record(value, additional_attributes)


class _HistogramFloat(MetricHistogramFloat, _Metric):
    def record(self, value: float, additional_attributes: MetricAttributes | None = None) -> None:
        self._record(value, additional_attributes)


class _HistogramTimedelta(MetricHistogramTimedelta, _Metric):
    def record(self, value: timedelta, additional_attributes: MetricAttributes | None = None) -> None:
        if value.days < 0:
            raise ValueError("Metric value cannot be negative")
        # Millisecond precision, as temporalio's core records durations.
        self._record(value.days * 86_400_000 + value.seconds * 1000 + value.microseconds // 1000, additional_attributes)


class _Gauge(MetricGauge, _Metric):
    def set(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        self._record(value, additional_attributes)


class _GaugeFloat(MetricGaugeFloat, _Metric):
    def set(self, value: float, additional_attributes: MetricAttributes | None = None) -> None:
        self._record(value, additional_attributes)
