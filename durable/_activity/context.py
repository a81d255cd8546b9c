"""The context of a running activity attempt: its info, heartbeats, cancellation."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from durable import _converter
from durable._conversion.payload_converter import PayloadConverter
from durable._metrics.meter import MetricMeter
from durable.common import RetryPolicy

__all__ = ["ActivityCancellationDetails", "ActivityContext", "CompleteAsyncError", "Info", "current"]


class CompleteAsyncError(BaseException):
    """Raised by ``activity.raise_complete_async``: the attempt ends, its result comes later.

    A BaseException, so that an ``except Exception`` in activity code lets it through.
    """


@dataclass(frozen=True)
class ActivityCancellationDetails:
    """Why the activity was cancelled (temporalio's ``activity.ActivityCancellationDetails``).
    Set once, when the cancellation reaches the attempt; it does not change afterwards."""

    not_found: bool = False
    cancel_requested: bool = False
    paused: bool = False
    reset: bool = False
    timed_out: bool = False
    worker_shutdown: bool = False


@dataclass(frozen=True)
class Info:
    """Information about the running activity attempt (temporalio's ``activity.Info``)."""

    activity_id: str
    activity_type: str
    attempt: int
    current_attempt_scheduled_time: datetime
    heartbeat_details: Sequence[Any]
    heartbeat_timeout: timedelta | None
    is_local: bool
    namespace: str
    schedule_to_close_timeout: timedelta | None
    scheduled_time: datetime
    start_to_close_timeout: timedelta | None
    started_time: datetime
    task_queue: str
    task_token: bytes
    workflow_id: str | None
    workflow_namespace: str | None
    workflow_run_id: str | None
    workflow_type: str | None
    retry_policy: RetryPolicy | None = None


class ActivityContext:
    """Per-attempt state shared by the activity code and the worker running it."""

    def __init__(
        self,
        info: Info,
        heartbeat: Callable[[Sequence[Any]], None],
        *,
        payload_converter: PayloadConverter | None = None,
    ) -> None:
        self.info = info
        self._heartbeat = heartbeat
        # The converter of the client or environment that registered the activity's task queue.
        self.payload_converter = payload_converter or _converter.payload_converter
        self.cancel_requested = False
        self.cancellation_details: ActivityCancellationDetails | None = None
        """Set with the first cancellation that reaches the attempt (``activity.cancellation_details()``)."""
        self._cancelled = threading.Event()
        self._on_cancel: Callable[[], object] | None = None
        self.async_cancelled: asyncio.Event | None = None
        self.outbound: Any = None
        """The attempt's outbound interceptor chain, when its worker has interceptors."""
        self.runtime_metric_meter: MetricMeter = MetricMeter.noop
        """The meter of the engine running the attempt (its runtime's; no-op in ActivityEnvironment)."""
        self._metric_meter: MetricMeter | None = None

    def intercepted_info(self) -> Info:
        """``activity.info()``: through the outbound interceptors, when there are any."""
        return self.info if self.outbound is None else self.outbound.info()

    def intercepted_heartbeat(self, details: Sequence[Any]) -> None:
        """``activity.heartbeat()``: through the outbound interceptors, when there are any."""
        if self.outbound is None:
            self.heartbeat(details)
        else:
            self.outbound.heartbeat(*details)

    @property
    def metric_meter(self) -> MetricMeter:
        """The runtime's meter with the activity's attributes, as temporalio's activity context gives it."""
        if self._metric_meter is None:
            self._metric_meter = self.runtime_metric_meter.with_additional_attributes(
                {
                    "namespace": self.info.namespace,
                    "task_queue": self.info.task_queue,
                    "activity_type": self.info.activity_type,
                }
            )
        return self._metric_meter

    def heartbeat(self, details: Sequence[Any]) -> None:
        """Record progress; may learn that cancellation was requested."""
        self._heartbeat(details)

    def request_cancel(self) -> None:
        """Deliver cancellation: flag it and interrupt the activity where it waits."""
        if self.cancel_requested:
            return
        self.cancel_requested = True
        self._cancelled.set()
        if self._on_cancel is not None:
            self._on_cancel()

    def on_cancel(self, fn: Callable[[], object]) -> None:
        """What delivering cancellation does for this kind of activity (async: cancel the task);
        what ``fn`` returns is ignored."""
        self._on_cancel = fn

    def wait_cancelled_sync(self, timeout: float | None) -> bool:
        """Block until cancellation is requested or the timeout passes."""
        return self._cancelled.wait(timeout)


_current: contextvars.ContextVar[ActivityContext] = contextvars.ContextVar("durable_activity")


def current() -> ActivityContext:
    """The running activity's context.

    Raises:
        RuntimeError: not called from activity code.
    """
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("Not in activity context") from None


def set_current(ctx: ActivityContext) -> contextvars.Token[ActivityContext]:
    """Make ``ctx`` the current activity (the worker does this around each attempt)."""
    return _current.set(ctx)


def reset_current(token: contextvars.Token[ActivityContext]) -> None:
    """Undo :func:`set_current`."""
    _current.reset(token)
