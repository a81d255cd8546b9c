"""What activity code imports: ``from durable import activity`` (temporalio's ``activity``)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, NoReturn

from durable import _converter
from durable._activity import context as _context
from durable._activity.context import ActivityCancellationDetails, CompleteAsyncError, Info
from durable._activity.definition import defn
from durable._activity.logger import LoggerAdapter
from durable._metrics.meter import MetricMeter

__all__ = [
    "ActivityCancellationDetails",
    "Info",
    "cancellation_details",
    "defn",
    "heartbeat",
    "in_activity",
    "info",
    "is_cancelled",
    "logger",
    "metric_meter",
    "payload_converter",
    "raise_complete_async",
    "wait_for_cancelled",
    "wait_for_cancelled_sync",
]


def info() -> Info:
    """Information about the running attempt (``attempt``, ``heartbeat_details``, ids...)."""
    return _context.current().intercepted_info()


def cancellation_details() -> ActivityCancellationDetails | None:
    """Why the running attempt was cancelled (``paused`` when an operator paused the activity),
    or None while it was not. Once set, it does not change."""
    return _context.current().cancellation_details


def in_activity() -> bool:
    """Whether the caller is activity code."""
    try:
        _context.current()
    except RuntimeError:
        return False
    return True


def heartbeat(*details: Any) -> None:
    """Report progress; the details reach the next attempt as ``info().heartbeat_details``.

    Heartbeats are how an activity learns that it was cancelled: an async activity is then
    cancelled where it awaits, a sync one gets ``CancelledError`` from this call.
    """
    _context.current().intercepted_heartbeat(details)


def raise_complete_async() -> NoReturn:
    """End this function without completing the activity; complete it later with
    ``client.get_async_activity_handle(task_token=activity.info().task_token)``."""
    raise CompleteAsyncError()


def payload_converter() -> _converter.PayloadConverter:
    """The payload converter of the current activity, to convert a dynamic activity's raw
    values: ``activity.payload_converter().from_payload(args[0].payload, str)``.

    Raises:
        RuntimeError: not called from activity code.
    """
    return _context.current().payload_converter


def metric_meter() -> MetricMeter:
    """Get the metric meter for the current activity: the runtime's, with the attributes
    ``namespace``, ``task_queue`` and ``activity_type`` (a no-op meter in ActivityEnvironment
    unless its ``metric_meter`` is set).

    Raises:
        RuntimeError: not called from activity code.
    """
    return _context.current().metric_meter


def is_cancelled() -> bool:
    """Whether cancellation of this activity was requested."""
    return _context.current().cancel_requested


async def wait_for_cancelled() -> None:
    """Wait until cancellation is requested."""
    ctx = _context.current()
    while not ctx.cancel_requested:
        await asyncio.sleep(0.05)


def wait_for_cancelled_sync(timeout: timedelta | float | None = None) -> None:
    """Block until cancellation is requested or the timeout passes."""
    ctx = _context.current()
    ctx.wait_cancelled_sync(timeout.total_seconds() if isinstance(timeout, timedelta) else timeout)


logger = LoggerAdapter(logging.getLogger("durable.activity"), None)
"""Logger for activity code."""
