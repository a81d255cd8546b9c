"""temporalio's ``Runtime`` and its telemetry settings, for the metrics durable has.

What applies here: ``TelemetryConfig(metrics=MetricBuffer(...))`` (every metric kept in
memory for the program to read), ``metrics=None`` (metrics dropped), ``global_tags``
(attributes on every value), ``attach_service_name`` (``service_name="temporal-core-sdk"``
on every value, as temporalio) and ``metric_prefix`` (instead of ``temporal_`` on the
engine's metrics). What cannot: ``PrometheusConfig`` and ``OpenTelemetryConfig`` raise
NotImplementedError (deployed, the engine's metrics are CloudWatch EMF lines; see the
observability docs). ``LoggingConfig`` configures the logs of temporalio's Rust core, which
durable does not have: it is accepted and changes nothing (the engine logs through Python's
``logging``, logger ``durable``). ``worker_heartbeat_interval`` and
``disable_environment_info`` concern worker heartbeats to a Temporal server: accepted,
nothing to send.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import ClassVar

from durable._metrics.buffer import MetricBuffer
from durable._metrics.meter import MetricMeter
from durable._metrics.recording import RecordingMeter

__all__ = [
    "LogForwardingConfig",
    "LoggingConfig",
    "LoggingFormat",
    "OpenTelemetryConfig",
    "OpenTelemetryMetricTemporality",
    "PrometheusConfig",
    "Runtime",
    "TelemetryConfig",
    "TelemetryFilter",
]

DEFAULT_METRIC_PREFIX = "temporal_"
"""What the engine's metric names start with unless ``TelemetryConfig.metric_prefix`` says otherwise."""


@dataclass
class TelemetryFilter:
    """Filter for telemetry use (of temporalio's core logs: accepted, nothing to filter here)."""

    core_level: str
    """Level for Core. Can be ``ERROR``, ``WARN``, ``INFO``, ``DEBUG``, or ``TRACE``."""

    other_level: str
    """Level for non-Core. Can be ``ERROR``, ``WARN``, ``INFO``, ``DEBUG``, or ``TRACE``."""

    def formatted(self) -> str:
        """Return a formatted form of this filter."""
        targets = [
            "temporalio_common",
            "temporalio_sdk_core",
            "temporalio_client",
            "temporalio_sdk",
            "temporal_sdk_bridge",
        ]
        return ",".join([self.other_level, *(f"{target}={self.core_level}" for target in targets)])


class LoggingFormat(Enum):
    """Format for Core logs written to the console."""

    COMPACT = "compact"
    PRETTY = "pretty"
    JSON = "json"


@dataclass
class LogForwardingConfig:
    """Configuration for log forwarding from Core (durable has no Core: nothing is forwarded)."""

    logger: logging.Logger
    """Core logger messages would be sent to this logger."""

    append_target_to_name: bool = True
    prepend_target_on_message: bool = True
    overwrite_log_record_time: bool = True
    append_log_fields_to_message: bool = True


@dataclass(frozen=True)
class LoggingConfig:
    """Configuration for runtime logging.

    temporalio's configures the logs of its Rust core. durable has no such core: a
    LoggingConfig is accepted and changes nothing; the engine logs through Python's
    ``logging`` (logger ``durable``), configured as any Python logger.
    """

    filter: TelemetryFilter | str
    """Filter for logging. Can use :class:`TelemetryFilter` or raw string."""

    forwarding: LogForwardingConfig | None = None
    """If present, Core logger messages would be forwarded to a Python logger."""

    format: LoggingFormat | None = None
    """Format for Core logs written to the console."""

    default: ClassVar[LoggingConfig]
    """Default logging configuration of Core WARN level and other ERROR level."""


LoggingConfig.default = LoggingConfig(filter=TelemetryFilter(core_level="WARN", other_level="ERROR"))


class OpenTelemetryMetricTemporality(Enum):
    """Temporality for OpenTelemetry metrics."""

    CUMULATIVE = 1
    DELTA = 2


@dataclass(frozen=True)
class OpenTelemetryConfig:
    """Configuration for an OpenTelemetry collector (not supported: a Runtime given one raises)."""

    url: str
    headers: Mapping[str, str] | None = None
    metric_periodicity: timedelta | None = None
    metric_temporality: OpenTelemetryMetricTemporality = OpenTelemetryMetricTemporality.CUMULATIVE
    durations_as_seconds: bool = False
    http: bool = False
    histogram_bucket_overrides: Mapping[str, Sequence[float]] | None = None


@dataclass(frozen=True)
class PrometheusConfig:
    """Configuration for a Prometheus endpoint (not supported: a Runtime given one raises)."""

    bind_address: str
    counters_total_suffix: bool = False
    unit_suffix: bool = False
    durations_as_seconds: bool = False
    histogram_bucket_overrides: Mapping[str, Sequence[float]] | None = None


@dataclass(frozen=True)
class TelemetryConfig:
    """Configuration for telemetry: where metrics go."""

    logging: LoggingConfig | None = LoggingConfig.default
    """Logging configuration (accepted; see :class:`LoggingConfig`)."""

    metrics: OpenTelemetryConfig | PrometheusConfig | MetricBuffer | None = None
    """Metrics configuration or buffer (only a :class:`MetricBuffer` or None here)."""

    global_tags: Mapping[str, str] = field(default_factory=dict)
    """Attributes put on every metric value."""

    attach_service_name: bool = True
    """Whether to put the service_name on every metric."""

    metric_prefix: str | None = None
    """Prefix to put on every Temporal metric. If unset, defaults to ``temporal_``."""


_UNSUPPORTED_EXPORT = (
    "{name} is not supported by durable: there is no long-running worker process to export from. "
    "Locally, set TelemetryConfig(metrics=MetricBuffer(...)) and read its updates; deployed, the "
    "engine's and your code's metrics are published to CloudWatch as EMF (see docs/observability.md)"
)


class Runtime:
    """Runtime for the durable engine: where its metrics, and the metrics workflow and
    activity code records, go.

    Give one to ``WorkflowEnvironment.start_time_skipping(runtime=)`` / ``start_local(runtime=)``,
    or set the default with :meth:`set_default` before starting an environment.
    """

    @classmethod
    def default(cls) -> Runtime:
        """Get the default runtime, creating if not already created (metrics dropped).

        Raises:
            RuntimeError: :meth:`prevent_default` was called and no default was set.
        """
        return _runtime_ref.default()

    @classmethod
    def prevent_default(cls) -> None:
        """Prevent :meth:`default` from lazily creating a :class:`Runtime`.

        Raises:
            RuntimeError: a default runtime has already been created or set.
        """
        _runtime_ref.prevent_default()

    @staticmethod
    def set_default(runtime: Runtime, *, error_if_already_set: bool = True) -> None:
        """Set the default runtime to the given runtime.

        Environments started before keep the runtime they started with.

        Raises:
            RuntimeError: ``error_if_already_set`` and a default exists already.
        """
        _runtime_ref.set_default(runtime, error_if_already_set=error_if_already_set)

    def __init__(
        self,
        *,
        telemetry: TelemetryConfig,
        worker_heartbeat_interval: timedelta | None = timedelta(seconds=60),
        disable_environment_info: bool = False,
    ) -> None:
        """Create a runtime with the provided configuration.

        Args:
            telemetry: Telemetry configuration.
            worker_heartbeat_interval: Interval for worker heartbeats (accepted; there are
                no worker processes to heartbeat). ``None`` disables heartbeating.
            disable_environment_info: accepted; nothing is sent.

        Raises:
            ValueError: worker_heartbeat_interval is not positive.
            NotImplementedError: the metrics are a PrometheusConfig or an OpenTelemetryConfig.
        """
        if worker_heartbeat_interval is not None and worker_heartbeat_interval <= timedelta(0):
            raise ValueError("worker_heartbeat_interval must be positive")
        del disable_environment_info
        metrics = telemetry.metrics
        if isinstance(metrics, PrometheusConfig | OpenTelemetryConfig):
            raise NotImplementedError(_UNSUPPORTED_EXPORT.format(name=type(metrics).__name__))
        self.telemetry = telemetry
        self.metric_prefix = DEFAULT_METRIC_PREFIX if telemetry.metric_prefix is None else telemetry.metric_prefix
        """What the engine's own metric names start with."""
        self._metric_meter: MetricMeter = MetricMeter.noop
        if isinstance(metrics, MetricBuffer):
            metrics._runtime = self
            attributes: dict[str, str] = {"service_name": "temporal-core-sdk"} if telemetry.attach_service_name else {}
            self._metric_meter = RecordingMeter(metrics, {**attributes, **telemetry.global_tags})

    @property
    def metric_meter(self) -> MetricMeter:
        """Metric meter for this runtime: a no-op meter if no metrics were configured."""
        return self._metric_meter


class _RuntimeRef:
    def __init__(self) -> None:
        self._default_runtime: Runtime | None = None
        self._prevent_default = False

    def default(self) -> Runtime:
        if not self._default_runtime:
            if self._prevent_default:
                raise RuntimeError("Cannot create default Runtime after Runtime.prevent_default has been called")
            self._default_runtime = Runtime(telemetry=TelemetryConfig())
        return self._default_runtime

    def prevent_default(self) -> None:
        if self._default_runtime:
            raise RuntimeError("Runtime.prevent_default called after default runtime has been created or set")
        self._prevent_default = True

    def set_default(self, runtime: Runtime, *, error_if_already_set: bool = True) -> None:
        if self._default_runtime and error_if_already_set:
            raise RuntimeError("Runtime default already set")
        self._default_runtime = runtime


_runtime_ref = _RuntimeRef()
