"""Long timers as one-time schedules: a timer beyond SQS's 15-minute delay is one EventBridge
Scheduler ``at()`` schedule that delivers its message once, then deletes itself.

Before, a long timer rode the timer queue in 15-minute hops (three SQS requests and a relay
invocation each: 96 hops for a day). Now a timer costs the same whatever its length: one
CreateSchedule, and at its time one invocation of the schedule that sends the message.

:class:`RoutedTimers` is the :class:`~durable._runtime.ports.TimerService` that chooses: up to
:data:`MAX_SQS_DELAY_SECONDS` ahead through the SQS timer service (a delay cannot be recalled,
so a cancel leaves those to fire and be ignored), beyond it through :class:`OneTimeSchedules`
(EventBridge Scheduler on AWS, twins of it locally that refuse what Scheduler refuses).

A schedule's name is a digest of the timer's identity (its target queue and deduplication id),
so a re-dispatch after a crash finds the schedule it made (Scheduler's ConflictException: done)
and a cancel finds it without any lookup.

Precision: Scheduler invokes a one-time schedule within the minute of its ``at()`` time
(``at(01:00:00)`` fires between 01:00:00 and 01:00:59), so the time is rounded up to the whole
minute: a long timer fires up to two minutes late on AWS, never early. The local twins fire at
the timer's own time, as Temporal's test server does.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from durable._runtime.ports import Clock, TimerService

__all__ = [
    "MAX_SCHEDULE_INPUT_BYTES",
    "MAX_SQS_DELAY_SECONDS",
    "OneTimeSchedules",
    "RoutedTimers",
    "SCHEDULES_QUOTA",
    "ScheduleQuotaExceeded",
    "TimerSchedule",
    "at_expression",
    "at_time",
    "check_timer_schedule",
    "parse_at_expression",
    "timer_schedule_name",
]

MAX_SQS_DELAY_SECONDS = 900
"""SQS's largest DelaySeconds: timers due within it stay on SQS, later ones become schedules."""

MAX_SCHEDULE_INPUT_BYTES = 256 * 1024
"""A target's input larger than SQS's largest message could never be delivered (bodies are
sealed below it by the claim check, so none reaches this)."""

SCHEDULES_QUOTA = 10_000_000
"""Scheduler's default number of schedules per account and region (adjustable): the twins' limit."""

logger = logging.getLogger("durable.timers")

_NAME = re.compile(r"[0-9a-zA-Z_.-]{1,64}")
_NAME_PREFIX = "timer."
"""A cron schedule's Scheduler name (``durable._aws.schedules.scheduler_name``) always has a
``-`` before its 16-digit digest; these never do, so the two kinds share a group without clashing."""
_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")


class ScheduleQuotaExceeded(Exception):
    """Scheduler refused a new schedule for a quota: its number of schedules, or its request
    rate once the SDK's retries ran out (ServiceQuotaExceededException, ThrottlingException)."""


@dataclass(frozen=True)
class TimerSchedule:
    """One long timer as a one-time schedule: what it delivers, where, and when."""

    name: str
    """Its Scheduler name (:func:`timer_schedule_name`)."""
    fire_at: float
    """The timer's time (epoch seconds); the schedule's ``at()`` is this rounded up to the minute."""
    queue: str
    """The logical name of the target queue (the inbox, an activity queue)."""
    body: str
    """The message the schedule sends (Scheduler's target input)."""
    group_id: str | None = None
    """The message group, for a FIFO target: Scheduler passes no deduplication id, so a FIFO
    target deduplicates by content (the inbox has content-based deduplication on)."""


class OneTimeSchedules(Protocol):
    """One-time schedules that each deliver one message to a queue, then delete themselves."""

    def create(self, schedule: TimerSchedule) -> None:
        """Create it; a schedule of that name already there is this one (a re-dispatch): done.

        Raises:
            ValueError: what Scheduler refuses (a name not of 1-64 ``[0-9a-zA-Z-_.]``, an
                ``at()`` time already past, an input over its size).
            ScheduleQuotaExceeded: no room for another schedule now.
        """
        ...

    def delete(self, name: str) -> None:
        """Delete it, if it is still there (fired, deleted or never made: nothing to do)."""
        ...

    def get(self, name: str) -> TimerSchedule | None:
        """The schedule of that name, None when there is none (fired and deleted, or cancelled)."""
        ...


def timer_schedule_name(queue: str, dedup_id: str | None, fire_at: float = 0.0, body: str = "") -> str:
    """The Scheduler name of the timer that sends to ``queue`` under ``dedup_id``.

    Deterministic, so a re-dispatch and a cancel name the same schedule: 64 characters, a
    prefix and a SHA-256 digest. A timer without a deduplication id is named by its time and
    body instead (it cannot be cancelled).
    """
    identity = f"{queue}\0{dedup_id}" if dedup_id is not None else f"{queue}\0{fire_at!r}\0{body}"
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{_NAME_PREFIX}{digest[: 64 - len(_NAME_PREFIX)]}"


def at_time(fire_at: float) -> int:
    """The ``at()`` time of a timer due at ``fire_at``: rounded up to the whole minute, since
    Scheduler invokes anywhere within the minute of ``at()`` and a timer must never fire early."""
    return math.ceil(fire_at / 60) * 60


def at_expression(fire_at: float) -> str:
    """``at(yyyy-mm-ddThh:mm:ss)`` in UTC for a timer due at ``fire_at`` (see :func:`at_time`)."""
    return f"at({datetime.fromtimestamp(at_time(fire_at), tz=UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


def parse_at_expression(expression: str) -> float:
    """The epoch seconds of an ``at(...)`` expression in UTC."""
    match = _AT.fullmatch(expression)
    if match is None:
        raise ValueError(f"{expression!r} is not a one-time schedule expression at(yyyy-mm-ddThh:mm:ss)")
    return datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()


def check_timer_schedule(schedule: TimerSchedule, now: float) -> None:
    """Raise ValueError where EventBridge Scheduler would refuse to create ``schedule``.

    Made by the AWS adapter before its request (moto checks none of it) and by the twins.
    AWS's documentation does not say what a one-time schedule in the past does: the engine
    never makes one (only timers more than 15 minutes ahead become schedules), and the twins
    refuse one so that a test would catch it.
    """
    if not _NAME.fullmatch(schedule.name):
        raise ValueError(f"schedule name {schedule.name!r}: Scheduler takes 1 to 64 of [0-9a-zA-Z-_.]")
    if at_time(schedule.fire_at) <= now:
        raise ValueError(f"schedule {schedule.name!r}: its time {at_expression(schedule.fire_at)} is not in the future")
    size = len(schedule.body.encode("utf-8", "surrogatepass"))
    if not schedule.body or size > MAX_SCHEDULE_INPUT_BYTES:
        raise ValueError(f"schedule {schedule.name!r}: a {size}-byte input (1 to {MAX_SCHEDULE_INPUT_BYTES} bytes)")
    if schedule.group_id is not None and not 1 <= len(schedule.group_id) <= 128:
        raise ValueError(f"schedule {schedule.name!r}: a message group id is 1 to 128 characters")


class RoutedTimers:
    """:class:`~durable._runtime.ports.TimerService`: SQS delays up to 15 minutes, schedules beyond."""

    def __init__(self, short: TimerService, schedules: OneTimeSchedules, clock: Clock) -> None:
        """``short`` delivers timers due within :data:`MAX_SQS_DELAY_SECONDS`, ``schedules`` the others."""
        self.short = short
        self.schedules = schedules
        self.clock = clock

    def schedule(
        self, fire_at: float, queue: str, body: str, *, group_id: str | None = None, dedup_id: str | None = None
    ) -> None:
        """Deliver ``body`` to ``queue`` at ``fire_at``: a delay if SQS can, else a one-time schedule."""
        if fire_at - self.clock.now() <= MAX_SQS_DELAY_SECONDS:
            self.short.schedule(fire_at, queue, body, group_id=group_id, dedup_id=dedup_id)
            return
        name = timer_schedule_name(queue, dedup_id, fire_at, body)
        try:
            self.schedules.create(TimerSchedule(name, fire_at, queue, body, group_id))
        except ScheduleQuotaExceeded:
            # The timer still fires: in 15-minute hops of the timer queue, as before schedules,
            # at their cost, rather than failing the dispatch until Scheduler has room.
            logger.warning("no room for schedule %s (Scheduler's quota): the timer rides the timer queue", name)
            self.short.schedule(fire_at, queue, body, group_id=group_id, dedup_id=dedup_id)

    def cancel(self, queue: str, *, dedup_id: str) -> None:
        """Delete the timer's schedule if it has one (best effort: one that fires anyway is
        ignored by its run, as a short timer's message is)."""
        self.schedules.delete(timer_schedule_name(queue, dedup_id))
        self.short.cancel(queue, dedup_id=dedup_id)
