"""A schedule as ``temporal schedule create|update`` describes it with flags.

The flags are read into :class:`ScheduleOptions`, plain values (no client class), so building
the parser stays light; :mod:`durable._cli.schedule_build` turns them into the client's
``Schedule`` when the command runs. Cron expressions and ``--calendar`` documents are checked
here with the engine's own parser, so a bad one is a usage error naming the field.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from durable._cli.arguments import duration, json_value, key_json, timestamp
from durable._schedules.calendar import InvalidCalendar, parse_schedule_cron
from durable._schedules.overlap import ScheduleOverlapPolicy

__all__ = [
    "OVERLAP_POLICIES",
    "ScheduleOptions",
    "add_schedule_options",
    "calendar_cron",
    "interval",
    "overlap_policy",
    "schedule_cron",
]

OVERLAP_POLICIES = ("Skip", "BufferOne", "BufferAll", "CancelOther", "TerminateOther", "AllowAll")
"""The overlap policies as ``temporal`` names them (temporalio's enum: SKIP, BUFFER_ONE, ...)."""

# temporal's --calendar JSON: its CalendarSpec's fields (strings in the cron syntax of each
# field) and their defaults, in the order of a 7-field schedule cron expression.
_CALENDAR_FIELDS = (
    ("second", "0"),
    ("minute", "0"),
    ("hour", "0"),
    ("dayOfMonth", "*"),
    ("month", "*"),
    ("dayOfWeek", "*"),
    ("year", "*"),
)


def overlap_policy(text: str) -> str:
    """An overlap policy by ``temporal``'s name (``BufferOne``) or the enum's (``BUFFER_ONE``):
    the enum member's name."""
    wanted = text.replace("_", "").replace("-", "").lower()
    for policy in ScheduleOverlapPolicy:
        if policy.name.replace("_", "").lower() == wanted:
            return policy.name
    raise argparse.ArgumentTypeError(f"unknown overlap policy {text!r}; one of {', '.join(OVERLAP_POLICIES)}")


def schedule_cron(text: str) -> str:
    """A cron expression in Temporal's schedule dialect (5 to 7 fields, ``@daily``, ``@every 5m``)."""
    try:
        parse_schedule_cron(text)
    except InvalidCalendar as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    return text


def calendar_cron(text: str) -> str:
    """``--calendar`` JSON (``{"dayOfWeek": "Fri", "hour": "17", "minute": "5"}``, each field in
    the cron syntax of that field, ``comment`` a note) as the 7-field cron expression
    ``second minute hour day-of-month month day-of-week year # comment`` it stands for."""
    doc = json_value(text)
    if not isinstance(doc, dict):
        raise argparse.ArgumentTypeError(f"--calendar takes a JSON object, not {text!r}")
    known = {name for name, _ in _CALENDAR_FIELDS} | {"comment"}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"--calendar: unknown field {', '.join(map(repr, unknown))}; the fields are "
            f"{', '.join(name for name, _ in _CALENDAR_FIELDS)} and comment"
        )
    fields = []
    for name, default in _CALENDAR_FIELDS:
        value = doc.get(name, default)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
            raise argparse.ArgumentTypeError(f'--calendar: {name} is a string like "1-5" or "*/15", not {value!r}')
        if any(c.isspace() or c == "#" for c in str(value).strip()):
            raise argparse.ArgumentTypeError(f"--calendar: {name} {value!r} holds a space or '#'")
        fields.append(str(value).strip())
    cron = " ".join(fields)
    if doc.get("comment"):
        cron += f" # {doc['comment']}"
    try:
        parse_schedule_cron(cron)
    except InvalidCalendar as err:
        raise argparse.ArgumentTypeError(f"--calendar {text}: {err}") from err
    return cron


def interval(text: str) -> tuple[float, float]:
    """``--interval``: ``45m`` (every 45 minutes) or ``6h/5h`` (every 6 hours, 5 hours in):
    (every, offset) in seconds."""
    every_text, _, offset_text = text.partition("/")
    every = duration(every_text)
    offset = duration(offset_text) if offset_text else 0.0
    if every <= 0:
        raise argparse.ArgumentTypeError(f"--interval {text!r}: the interval must be positive")
    return every, offset


@dataclass(frozen=True)
class ScheduleOptions:
    """What the create and update flags say: durations in seconds, times aware."""

    workflow_type: str
    workflow_id: str
    task_queue: str
    input: list[Any] = field(default_factory=list)
    cron_expressions: list[str] = field(default_factory=list)
    intervals: list[tuple[float, float]] = field(default_factory=list)
    start_at: datetime | None = None
    end_at: datetime | None = None
    jitter: float | None = None
    time_zone: str | None = None
    overlap: str = "SKIP"
    catchup_window: float | None = None
    pause_on_failure: bool = False
    notes: str | None = None
    paused: bool = False
    remaining_actions: int = 0
    execution_timeout: float | None = None
    run_timeout: float | None = None
    task_timeout: float | None = None
    memo: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def of(args: argparse.Namespace) -> ScheduleOptions:
        """The options the parsed flags give (``--calendar`` documents as cron expressions,
        ahead of the ``--cron`` ones); the workflow id defaults to the schedule id."""
        return ScheduleOptions(
            workflow_type=args.type,
            workflow_id=args.workflow_id or args.schedule_id,
            task_queue=args.task_queue,
            input=list(args.input or []),
            cron_expressions=[*(args.calendar or []), *(args.cron or [])],
            intervals=list(args.interval or []),
            start_at=args.start_time,
            end_at=args.end_time,
            jitter=args.jitter,
            time_zone=args.time_zone,
            overlap=args.overlap_policy,
            catchup_window=args.catchup_window,
            pause_on_failure=args.pause_on_failure,
            notes=args.notes,
            paused=args.paused,
            remaining_actions=args.remaining_actions,
            execution_timeout=args.execution_timeout,
            run_timeout=args.run_timeout,
            task_timeout=args.task_timeout,
            memo=dict(args.memo or []),
        )

    def spec_given(self) -> bool:
        """Whether the flags say when the schedule acts."""
        return bool(self.cron_expressions or self.intervals)


def add_schedule_options(parser: argparse.ArgumentParser) -> None:
    """The flags of ``temporal schedule create`` (and ``update``, which takes the same)."""
    when = parser.add_argument_group("when it acts (any mix of --cron, --calendar and --interval; repeatable)")
    when.add_argument(
        "--cron",
        action="append",
        type=schedule_cron,
        help="a cron expression: '30 12 * * Fri' (minute hour day-of-month month day-of-week), "
        "6 fields (... year), 7 (second ... year), @daily, @every 5m",
    )
    when.add_argument(
        "--calendar",
        action="append",
        type=calendar_cron,
        metavar="JSON",
        help='a calendar: \'{"dayOfWeek": "Fri", "hour": "17", "minute": "5"}\' '
        "(second, minute, hour, dayOfMonth, month, dayOfWeek, year: cron syntax; comment)",
    )
    when.add_argument("--interval", action="append", type=interval, help="every so long: 45m, or 6h/5h (with offset)")
    when.add_argument("--start-time", type=timestamp, help="no action before this time (RFC 3339)")
    when.add_argument("--end-time", type=timestamp, help="no action after this time (RFC 3339)")
    when.add_argument("--jitter", type=duration, help="delay each action by a random time up to this (e.g. 30s)")
    when.add_argument("--time-zone", help="the IANA time zone of calendars and cron expressions (default UTC)")

    what = parser.add_argument_group("what it starts")
    what.add_argument("--type", "--workflow-type", "--name", dest="type", required=True, help="the workflow type")
    what.add_argument("--task-queue", "-t", required=True, help="the task queue")
    what.add_argument(
        "--workflow-id", "-w", help="the workflow id each run's id starts with (default: the schedule id)"
    )
    what.add_argument(
        "--input", "-i", action="append", type=json_value, metavar="JSON", help="an argument of the run method; repeat"
    )
    what.add_argument("--execution-timeout", type=duration, help="each run's execution timeout")
    what.add_argument("--run-timeout", type=duration, help="each run's run timeout")
    what.add_argument("--task-timeout", type=duration, help="each run's workflow task timeout")

    how = parser.add_argument_group("policies and state")
    how.add_argument(
        "--overlap-policy",
        type=overlap_policy,
        default="SKIP",
        metavar="{" + ",".join(OVERLAP_POLICIES) + "}",
        help="when an action falls due while a run it started still runs (default Skip)",
    )
    how.add_argument("--catchup-window", type=duration, help="how late a missed action may still be taken")
    how.add_argument("--pause-on-failure", action="store_true", help="pause when a run fails or times out")
    how.add_argument("--paused", action="store_true", help="create it paused")
    how.add_argument("--notes", "--note", dest="notes", help="the schedule's note")
    how.add_argument("--remaining-actions", type=int, default=0, help="take this many actions, then stop (0: no limit)")
    how.add_argument(
        "--schedule-memo",
        dest="memo",
        action="append",
        type=key_json,
        metavar="KEY=JSON",
        help="a memo entry of the schedule; repeat",
    )
