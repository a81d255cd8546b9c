"""``workflow.metric_meter()``: the engine's meter, with the run's attributes, silent on replay.

The orchestrator makes its meter the one workflow code sees while it runs that code
(:func:`metric_meter_of_workflows`); the replayer and anything else that runs workflow code
without an engine gets a no-op meter. As temporalio's, the meter records nothing while the
workflow replays, so a value is recorded once per decision whatever the number of replays.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Generic, Self, TypeVar

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

__all__ = ["ReplaySafeMetricMeter", "current_engine_meter", "metric_meter_of_workflows"]

# The workflow's asyncio tasks copy the context when they are created, inside a decision or a
# replay, where this is set: they see the meter of the orchestrator that runs them.
_engine_meter: contextvars.ContextVar[MetricMeter] = contextvars.ContextVar(
    "durable_workflow_metric_meter", default=MetricMeter.noop
)


@contextlib.contextmanager
def metric_meter_of_workflows(meter: MetricMeter) -> Iterator[None]:
    """Within the block, workflow code that asks for a metric meter records on ``meter``."""
    token = _engine_meter.set(meter)
    try:
        yield
    finally:
        _engine_meter.reset(token)


def current_engine_meter() -> MetricMeter:
    """The meter of the engine running workflow code now (no-op outside an engine)."""
    return _engine_meter.get()


class ReplaySafeMetricMeter(MetricMeter):
    """A meter whose metrics record nothing while ``is_replaying()`` says the workflow replays."""

    def __init__(self, underlying: MetricMeter, is_replaying: Callable[[], bool]) -> None:
        self._underlying = underlying
        self._is_replaying = is_replaying

    def create_counter(self, name: str, description: str | None = None, unit: str | None = None) -> MetricCounter:
        return _Counter(self._underlying.create_counter(name, description, unit), self._is_replaying)

    def create_histogram(self, name: str, description: str | None = None, unit: str | None = None) -> MetricHistogram:
        return _Histogram(self._underlying.create_histogram(name, description, unit), self._is_replaying)

    def create_histogram_float(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogramFloat:
        return _HistogramFloat(self._underlying.create_histogram_float(name, description, unit), self._is_replaying)

    def create_histogram_timedelta(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricHistogramTimedelta:
        return _HistogramTimedelta(
            self._underlying.create_histogram_timedelta(name, description, unit), self._is_replaying
        )

    def create_gauge(self, name: str, description: str | None = None, unit: str | None = None) -> MetricGauge:
        return _Gauge(self._underlying.create_gauge(name, description, unit), self._is_replaying)

    def create_gauge_float(
        self, name: str, description: str | None = None, unit: str | None = None
    ) -> MetricGaugeFloat:
        return _GaugeFloat(self._underlying.create_gauge_float(name, description, unit), self._is_replaying)

    def with_additional_attributes(self, additional_attributes: MetricAttributes) -> MetricMeter:
        return ReplaySafeMetricMeter(
            self._underlying.with_additional_attributes(additional_attributes), self._is_replaying
        )


_Underlying = TypeVar("_Underlying", bound=MetricCommon)


class _ReplaySafe(MetricCommon, Generic[_Underlying]):
    def __init__(self, underlying: _Underlying, is_replaying: Callable[[], bool]) -> None:
        self._underlying = underlying
        self._is_replaying = is_replaying

    @property
    def name(self) -> str:
        return self._underlying.name

    @property
    def description(self) -> str | None:
        return self._underlying.description

    @property
    def unit(self) -> str | None:
        return self._underlying.unit

    def with_additional_attributes(self, additional_attributes: MetricAttributes) -> Self:
        return type(self)(self._underlying.with_additional_attributes(additional_attributes), self._is_replaying)


class _Counter(MetricCounter, _ReplaySafe[MetricCounter]):
    def add(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        if not self._is_replaying():
            self._underlying.add(value, additional_attributes)


class _Histogram(MetricHistogram, _ReplaySafe[MetricHistogram]):
    def record(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        if not self._is_replaying():
            self._underlying.record(value, additional_attributes)


class _HistogramFloat(MetricHistogramFloat, _ReplaySafe[MetricHistogramFloat]):
    def record(self, value: float, additional_attributes: MetricAttributes | None = None) -> None:
        if not self._is_replaying():
            self._underlying.record(value, additional_attributes)


class _HistogramTimedelta(MetricHistogramTimedelta, _ReplaySafe[MetricHistogramTimedelta]):
    def record(self, value: timedelta, additional_attributes: MetricAttributes | None = None) -> None:
        if not self._is_replaying():
            self._underlying.record(value, additional_attributes)


class _Gauge(MetricGauge, _ReplaySafe[MetricGauge]):
    def set(self, value: int, additional_attributes: MetricAttributes | None = None) -> None:
        if not self._is_replaying():
            self._underlying.set(value, additional_attributes)


class _GaugeFloat(MetricGaugeFloat, _ReplaySafe[MetricGaugeFloat]):
    def set(self, value: float, additional_attributes: MetricAttributes | None = None) -> None:
        if not self._is_replaying():
            self._underlying.set(value, additional_attributes)
