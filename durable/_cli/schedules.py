"""``durable schedule <command>``: ``temporal schedule``'s commands and flags over the HTTP API.

Changes go through the client's schedule handle (:class:`durable.client.Client`, so ids,
policies and errors behave as in the SDK); ``describe`` and ``list`` print the API's JSON
(``--json``) or a table made from it, as ``durable workflow`` does.

Building the parser imports this module (``durable --help`` does), so it imports nothing
heavy: the client's schedule classes are reached through the :class:`Session` a command runs with.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from durable._cli.arguments import Command, add_command, timestamp
from durable._cli.output import compact, print_json, table, when
from durable._cli.schedule_options import OVERLAP_POLICIES, ScheduleOptions, add_schedule_options, overlap_policy
from durable._schedules.overlap import ScheduleOverlapPolicy

if TYPE_CHECKING:
    from durable._cli.session import Session

__all__ = ["add_schedule_commands", "duration_text", "spec_lines"]


# -- commands --------------------------------------------------------------------------


def _done(s: Session, message: str, body: dict[str, Any] | None = None) -> int:
    if s.json:
        print_json(body or {}, s.out)
    else:
        s.out.write(message + "\n")
    return 0


async def _create(args: argparse.Namespace, s: Session) -> int:
    options = ScheduleOptions.of(args)
    await s.client.create_schedule(args.schedule_id, s.schedule(options), memo=options.memo or None)
    return _done(s, f"Schedule {args.schedule_id} created", {"schedule_id": args.schedule_id})


async def _update(args: argparse.Namespace, s: Session) -> int:
    # As `temporal schedule update`: the schedule becomes the one the flags describe.
    await s.client.get_schedule_handle(args.schedule_id).update(s.schedule_update(ScheduleOptions.of(args)))
    return _done(s, f"Schedule {args.schedule_id} updated")


async def _delete(args: argparse.Namespace, s: Session) -> int:
    await s.client.get_schedule_handle(args.schedule_id).delete()
    return _done(s, f"Schedule {args.schedule_id} deleted")


async def _pause(args: argparse.Namespace, s: Session) -> int:
    await s.client.get_schedule_handle(args.schedule_id).pause(note=args.reason)
    return _done(s, f"Schedule {args.schedule_id} paused")


async def _unpause(args: argparse.Namespace, s: Session) -> int:
    await s.client.get_schedule_handle(args.schedule_id).unpause(note=args.reason)
    return _done(s, f"Schedule {args.schedule_id} unpaused")


async def _toggle(args: argparse.Namespace, s: Session) -> int:
    return await (_pause if args.pause else _unpause)(args, s)


async def _trigger(args: argparse.Namespace, s: Session) -> int:
    overlap = ScheduleOverlapPolicy[args.overlap_policy] if args.overlap_policy else None
    await s.client.get_schedule_handle(args.schedule_id).trigger(overlap=overlap)
    return _done(s, f"Schedule {args.schedule_id} triggered")


async def _backfill(args: argparse.Namespace, s: Session) -> int:
    period = s.schedule_backfill(args.start_time, args.end_time, args.overlap_policy)
    await s.client.get_schedule_handle(args.schedule_id).backfill(period)
    return _done(s, f"Schedule {args.schedule_id} backfilled from {args.start_time} to {args.end_time}")


def _path(schedule_id: str) -> str:
    return f"/schedules/{quote(schedule_id, safe='')}"


async def _describe(args: argparse.Namespace, s: Session) -> int:
    d = await s.get(_path(args.schedule_id))
    if s.json:
        print_json(d, s.out)
        return 0
    schedule, info = d["schedule"], d["info"]
    action, spec, policy, state = schedule["action"], schedule["spec"], schedule["policy"], schedule["state"]
    rows: list[tuple[str, Any]] = [
        ("Schedule ID", d["schedule_id"]),
        ("State", ("PAUSED" if state["paused"] else "ACTIVE") + (f" ({state['note']})" if state.get("note") else "")),
        ("Workflow type", action["workflow_type"]),
        ("Workflow ID", action["workflow_id"]),
        ("Task queue", action["task_queue"]),
        ("Input", compact(action.get("input") or [], 100)),
    ]
    rows += [("Spec", line) for line in spec_lines(spec)] or [("Spec", "(none: acts only when triggered)")]
    optional = [
        ("Start time", when(spec.get("start_at"))),
        ("End time", when(spec.get("end_at"))),
        ("Jitter", duration_text(spec.get("jitter"))),
        ("Time zone", spec.get("time_zone_name") or ""),
        ("Catchup window", duration_text(policy.get("catchup_window"))),
        ("Pause on failure", "yes" if policy.get("pause_on_failure") else ""),
        ("Remaining actions", state["remaining_actions"] if state.get("limited_actions") else ""),
        ("Memo", compact(d["memo"], 100) if d.get("memo") else ""),
    ]
    rows.append(("Overlap policy", policy["overlap"]))
    rows += [(key, value) for key, value in optional if value != ""]
    rows += [
        (
            "Actions",
            f"{info['num_actions']} taken, {info['num_actions_skipped_overlap']} skipped (overlap), "
            f"{info['num_actions_missed_catchup_window']} missed (catchup window)",
        ),
        ("Created", when(info["created_at"])),
        ("Last updated", when(info.get("last_updated_at"))),
        ("Next run", when(info["next_action_times"][0]) if info["next_action_times"] else "none"),
    ]
    width = max(len(key) for key, _ in rows)
    for key, value in rows:
        s.out.write(f"{key.ljust(width)}  {value}\n")
    if info["next_action_times"]:
        s.out.write("\nNext runs:\n")
        for time in info["next_action_times"]:
            s.out.write(f"  {when(time)}\n")
    if info["running_actions"]:
        s.out.write("\nRunning workflows:\n")
        table(["WORKFLOW ID", "RUN ID"], [(r["workflow_id"], r["run_id"]) for r in info["running_actions"]], s.out)
    if info["recent_actions"]:
        s.out.write("\nRecent actions:\n")
        table(
            ["SCHEDULED", "STARTED", "WORKFLOW ID", "RUN ID"],
            [
                (when(a["scheduled_at"]), when(a["started_at"]), a["workflow_id"], a["run_id"])
                for a in info["recent_actions"]
            ],
            s.out,
        )
    return 0


async def _list(args: argparse.Namespace, s: Session) -> int:
    schedules: list[dict[str, Any]] = []
    token = None
    while len(schedules) < args.limit:
        page = await s.get(
            "/schedules", query=args.query, page_size=min(args.limit - len(schedules), 1000), next_page_token=token
        )
        schedules += page["schedules"]
        token = page["next_page_token"]
        if token is None:
            break
    schedules = schedules[: args.limit]
    if s.json:
        print_json(schedules, s.out)
        return 0
    if not schedules:
        s.out.write("No schedules\n")
        return 0
    table(
        ["SCHEDULE ID", "STATE", "WORKFLOW TYPE", "SPEC", "NEXT RUN", "LAST RUN"],
        [
            (
                e["schedule_id"],
                "PAUSED" if e["state"]["paused"] else "ACTIVE",
                e["action"]["workflow_type"],
                compact("; ".join(spec_lines(e["spec"])) or "-", 50),
                when(e["info"]["next_action_times"][0]) if e["info"]["next_action_times"] else "",
                when(e["info"]["recent_actions"][-1]["started_at"]) if e["info"]["recent_actions"] else "",
            )
            for e in schedules
        ],
        s.out,
    )
    return 0


# -- the spec, as people read it -----------------------------------------------------------

# (field, lowest, highest) of a calendar, in the order of a 7-field cron expression
_CALENDAR_FIELDS = (
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day_of_month", 1, 31),
    ("month", 1, 12),
    ("day_of_week", 0, 6),
    ("year", 0, 0),
)


def duration_text(seconds: float | None) -> str:
    """Seconds as ``1d2h30m`` (empty for None)."""
    if seconds is None:
        return ""
    whole, rest = int(seconds), seconds - int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size:
            parts.append(f"{whole // size}{unit}")
            whole %= size
    if whole or rest or not parts:
        parts.append(f"{whole + rest:g}s")
    return "".join(parts)


def _ranges(ranges: Sequence[dict[str, int]], low: int, high: int) -> str:
    if not ranges:
        return "*"  # an empty year list: every year
    texts = []
    for r in ranges:
        start, step = r["start"], r.get("step") or 1
        end = max(r.get("end") or start, start)
        if (start, end) == (low, high):
            texts.append("*" + (f"/{step}" if step > 1 else ""))
        elif start == end:
            texts.append(str(start))
        else:
            texts.append(f"{start}-{end}" + (f"/{step}" if step > 1 else ""))
    return ",".join(texts)


def spec_lines(spec: dict[str, Any]) -> list[str]:
    """The times of a spec document, one line each: ``calendar 0 30 12 * * 5 *`` (second minute
    hour day-of-month month day-of-week year), ``every 1h offset 15m``, ``cron ...``."""
    lines = []
    for calendar in spec.get("calendars") or []:
        fields = " ".join(_ranges(calendar.get(name, []), low, high) for name, low, high in _CALENDAR_FIELDS)
        lines.append(f"calendar {fields}" + (f" # {calendar['comment']}" if calendar.get("comment") else ""))
    for cron in spec.get("cron_expressions") or []:
        lines.append(f"cron {cron}")
    for interval in spec.get("intervals") or []:
        offset = interval.get("offset") or 0
        lines.append(
            f"every {duration_text(interval['every'])}" + (f" offset {duration_text(offset)}" if offset else "")
        )
    for skip in spec.get("skip") or []:
        lines.append("skip " + " ".join(_ranges(skip.get(name, []), low, high) for name, low, high in _CALENDAR_FIELDS))
    return lines


# -- the parser --------------------------------------------------------------------------


def _schedule_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schedule-id", "-s", required=True, help="the schedule id")


def _overlap(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--overlap-policy", type=overlap_policy, metavar="{" + ",".join(OVERLAP_POLICIES) + "}", help=help
    )


def add_schedule_commands(subparsers: Any) -> None:
    """``durable schedule ...`` and its commands."""
    group = subparsers.add_parser(
        "schedule", help="create, list, describe, pause, trigger, backfill, update and delete schedules"
    )
    commands = group.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Command, help: str) -> argparse.ArgumentParser:
        parser = add_command(commands, name, run, help)
        _schedule_id(parser)
        return parser

    add_schedule_options(command("create", _create, "create a schedule: it starts a workflow at the times given"))
    add_schedule_options(
        command("update", _update, "replace a schedule's spec, action and policies with those the flags give")
    )
    command("describe", _describe, "show a schedule: what it starts, when, its state, next and recent runs")
    p = add_command(commands, "list", _list, "list the schedules")
    p.add_argument("--query", "-q", help="a list filter on ScheduleId and TemporalSchedulePaused")
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    p = command("pause", _pause, "stop taking actions (trigger still acts)")
    p.add_argument("--reason", help="why (the schedule's note)")
    p = command("unpause", _unpause, "take actions again")
    p.add_argument("--reason", help="why (the schedule's note)")
    p = command("toggle", _toggle, "pause or unpause (as temporal schedule toggle)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--pause", action="store_true", help="pause the schedule")
    which.add_argument("--unpause", action="store_true", help="unpause the schedule")
    p.add_argument("--reason", help="why (the schedule's note)")
    p = command("trigger", _trigger, "take an action now")
    _overlap(p, "the overlap policy of this action (default: the schedule's)")
    p = command("backfill", _backfill, "take the actions the spec gives in a past (or future) period, now")
    p.add_argument("--start-time", type=timestamp, required=True, help="the period's start (RFC 3339)")
    p.add_argument("--end-time", type=timestamp, required=True, help="the period's end (RFC 3339)")
    _overlap(p, "the overlap policy of these actions (default: the schedule's); BufferAll or AllowAll take them all")
    command("delete", _delete, "delete a schedule (the workflows it started go on)")
