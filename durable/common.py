"""Values shared by workflows, activities and the client, as temporalio defines them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from durable._conversion.payload import RawValue
from durable._id_policies import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
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
from durable._options import Priority
from durable._search_attributes import (
    SearchAttributeIndexedValueType,
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributes,
    SearchAttributeUpdate,
    SearchAttributeValue,
    SearchAttributeValues,
    TypedSearchAttributes,
)

__all__ = [
    "Priority",
    "MetricAttributes",
    "MetricCommon",
    "MetricCounter",
    "MetricGauge",
    "MetricGaugeFloat",
    "MetricHistogram",
    "MetricHistogramFloat",
    "MetricHistogramTimedelta",
    "MetricMeter",
    "RawValue",
    "RetryPolicy",
    "SearchAttributeIndexedValueType",
    "SearchAttributeKey",
    "SearchAttributePair",
    "SearchAttributeUpdate",
    "SearchAttributeValue",
    "SearchAttributeValues",
    "SearchAttributes",
    "TypedSearchAttributes",
    "WorkflowIDConflictPolicy",
    "WorkflowIDReusePolicy",
]

_arg_unset: Any = object()
"""Default of the ``arg`` parameter: tells "no single argument" apart from ``None``."""


def _arg_or_args(arg: Any, args: Sequence[Any]) -> list[Any]:
    """The positional arguments of a call taking ``arg=`` or ``args=`` (temporalio's rule)."""
    if arg is not _arg_unset:
        if args:
            raise ValueError("Cannot have arg and args")
        return [arg]
    return list(args)


@dataclass
class RetryPolicy:
    """How activities (and later workflows) are retried.

    Defaults are temporalio's: 1 s first back-off, doubling, capped at 100x the
    initial interval, unlimited attempts.
    """

    initial_interval: timedelta = timedelta(seconds=1)
    """Back-off before the first retry."""

    backoff_coefficient: float = 2.0
    """Each back-off is the previous one times this."""

    maximum_interval: timedelta | None = None
    """Largest back-off; None means 100x ``initial_interval``."""

    maximum_attempts: int = 0
    """Attempts in all, the first included; 0 means no limit."""

    non_retryable_error_types: Sequence[str] | None = None
    """``ApplicationError.type`` values (an exception's class name) that are not retried."""

    def _validate(self) -> None:
        if self.maximum_attempts == 1:
            return  # retries disabled: nothing else matters
        if self.initial_interval.total_seconds() < 0:
            raise ValueError("Initial interval cannot be negative")
        if self.backoff_coefficient < 1:
            raise ValueError("Backoff coefficient cannot be less than 1")
        if self.maximum_interval:
            if self.maximum_interval.total_seconds() < 0:
                raise ValueError("Maximum interval cannot be negative")
            if self.maximum_interval < self.initial_interval:
                raise ValueError("Maximum interval cannot be less than initial interval")
        if self.maximum_attempts < 0:
            raise ValueError("Maximum attempts cannot be negative")

    def to_dict(self) -> dict[str, Any]:
        """Wire form, with the defaults resolved (what the engine stores in history)."""
        self._validate()
        return {
            "initial_interval": self.initial_interval.total_seconds(),
            "backoff_coefficient": self.backoff_coefficient,
            "maximum_interval": (self.maximum_interval or self.initial_interval * 100).total_seconds(),
            "maximum_attempts": self.maximum_attempts,
            "non_retryable_error_types": list(self.non_retryable_error_types or []),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RetryPolicy:
        """Inverse of :meth:`to_dict`."""
        return RetryPolicy(
            initial_interval=timedelta(seconds=data["initial_interval"]),
            backoff_coefficient=data["backoff_coefficient"],
            maximum_interval=timedelta(seconds=data["maximum_interval"]),
            maximum_attempts=data["maximum_attempts"],
            non_retryable_error_types=data["non_retryable_error_types"] or None,
        )
