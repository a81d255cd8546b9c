"""``durable activity pause|unpause``: Temporal's ``temporal activity pause|unpause`` for a
workflow's pending activity (the HTTP API's ``/workflows/{id}/activities/{activity_id}`` routes).

A paused activity is not retried until it is unpaused; a running attempt learns at its next
heartbeat. Activities are named by id, as Temporal's CLI does since it dropped by-type
targeting: ``--activity-type`` and ``--match-all`` are refused with a usage error.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from durable._cli.arguments import add_command, add_run_id, add_workflow_id, duration
from durable._cli.output import print_json

if TYPE_CHECKING:
    from durable._cli.session import Session

__all__ = ["add_activity_commands"]


def _path(args: argparse.Namespace, action: str) -> str:
    return f"/workflows/{quote(args.workflow_id, safe='')}/activities/{quote(args.activity_id, safe='')}/{action}"


async def _pause(args: argparse.Namespace, s: Session) -> int:
    body = {"run_id": args.run_id, "reason": args.reason, "identity": args.identity}
    await s.transport.call("POST", _path(args, "pause"), body)
    return _done(s, f"Paused activity {args.activity_id!r} of workflow {args.workflow_id!r}")


async def _unpause(args: argparse.Namespace, s: Session) -> int:
    body = {
        "run_id": args.run_id,
        "reset_attempts": args.reset_attempts,
        "reset_heartbeats": args.reset_heartbeats,
        "jitter_seconds": args.jitter,
        "identity": args.identity,
    }
    await s.transport.call("POST", _path(args, "unpause"), body)
    return _done(s, f"Unpaused activity {args.activity_id!r} of workflow {args.workflow_id!r}")


def _done(s: Session, message: str) -> int:
    if s.json:
        print_json({}, s.out)
    else:
        s.out.write(f"{message}\n")
    return 0


class _Refused(argparse.Action):
    """A ``temporal activity`` flag durable does not take: a usage error that says what to do instead."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None
    ) -> None:
        parser.error(
            f"{option} is not supported: durable pauses one activity by id, as Temporal's CLI does since it "
            "dropped by-type targeting; `durable workflow describe` lists the pending activities' ids"
        )


def _targets(parser: argparse.ArgumentParser, refused: Sequence[str]) -> None:
    add_workflow_id(parser)
    add_run_id(parser)
    parser.add_argument("--activity-id", "-a", required=True, help="the activity's id")
    for flag in refused:
        parser.add_argument(flag, action=_Refused, nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--identity", help="who does it (shown with the pause)")


def add_activity_commands(subparsers: Any) -> None:
    """``durable activity ...`` and its commands."""
    group = subparsers.add_parser("activity", help="pause and unpause a workflow's pending activity")
    commands = group.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = add_command(
        commands,
        "pause",
        _pause,
        "pause an activity: no retry is scheduled until it is unpaused; a running attempt learns at its "
        "next heartbeat, and a completion still completes it",
    )
    _targets(p, ["--activity-type"])
    p.add_argument("--reason", help="why (shown by describe and the UI)")

    p = add_command(
        commands,
        "unpause",
        _unpause,
        "unpause an activity: its next attempt is dispatched at once",
    )
    _targets(p, ["--activity-type", "--match-all"])
    p.add_argument("--reset-attempts", action="store_true", help="the next attempt is attempt 1 again")
    p.add_argument("--reset-heartbeats", action="store_true", help="the next attempt gets no heartbeat details")
    p.add_argument(
        "--jitter",
        type=duration,
        metavar="DURATION",
        help="start the next attempt at a random time within this duration (e.g. 30s, 5m)",
    )
