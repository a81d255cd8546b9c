"""The client's ``Schedule`` from the flags of ``durable schedule create|update``.

Imported when a command runs (through :class:`durable._cli.session.Session`), not when the
parser is built: the client's schedule classes bring the client with them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from durable._cli.schedule_options import ScheduleOptions
from durable._client.schedules import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleBackfill,
    ScheduleIntervalSpec,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from durable._schedules.overlap import ScheduleOverlapPolicy

__all__ = ["backfill", "build_schedule", "replacing"]


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def build_schedule(options: ScheduleOptions) -> Schedule:
    """The schedule the options describe."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            options.workflow_type,
            args=options.input,
            id=options.workflow_id,
            task_queue=options.task_queue,
            execution_timeout=_seconds(options.execution_timeout),
            run_timeout=_seconds(options.run_timeout),
            task_timeout=_seconds(options.task_timeout),
        ),
        spec=ScheduleSpec(
            cron_expressions=options.cron_expressions,
            intervals=[
                ScheduleIntervalSpec(
                    every=timedelta(seconds=every), offset=timedelta(seconds=offset) if offset else None
                )
                for every, offset in options.intervals
            ],
            start_at=options.start_at,
            end_at=options.end_at,
            jitter=_seconds(options.jitter),
            time_zone_name=options.time_zone,
        ),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy[options.overlap],
            catchup_window=_seconds(options.catchup_window),
            pause_on_failure=options.pause_on_failure,
        ),
        state=ScheduleState(
            note=options.notes,
            paused=options.paused,
            limited_actions=options.remaining_actions > 0,
            remaining_actions=options.remaining_actions,
        ),
    )


def replacing(options: ScheduleOptions) -> Callable[[ScheduleUpdateInput], ScheduleUpdate]:
    """An updater for ``ScheduleHandle.update`` that replaces the schedule with the options' one,
    whatever it was (as ``temporal schedule update``)."""
    schedule = build_schedule(options)
    return lambda _: ScheduleUpdate(schedule=schedule)


def backfill(start_at: datetime, end_at: datetime, overlap: str | None) -> ScheduleBackfill:
    """The period ``durable schedule backfill`` names, under an overlap policy (None: the schedule's)."""
    return ScheduleBackfill(
        start_at=start_at, end_at=end_at, overlap=ScheduleOverlapPolicy[overlap] if overlap else None
    )
