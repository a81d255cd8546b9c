"""``durable dlq list|redrive``: the dead letters of the inbox, timer and activity queues.

A message is dead-lettered after its queue's maximum receive count: a fault outlasted the
retries. ``list`` shows what is there and what each message is about; once the cause is
fixed, ``redrive`` sends the messages back to their queue (the HTTP API's
``/dead-letters`` routes).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from durable._cli.commands import common_options
from durable._cli.output import compact, print_json, table

if TYPE_CHECKING:
    from durable._cli.session import Session

__all__ = ["add_dlq_commands"]

QUEUE_HELP = "one queue: inbox, timers (deployed stacks) or activities-<task queue> (default: all)"


def _plural(n: int) -> str:
    return f"{n} dead letter{'' if n == 1 else 's'}"


async def _list(args: argparse.Namespace, s: Session) -> int:
    body = await s.get("/dead-letters", queue=args.queue, limit=args.limit)
    if s.json:
        print_json(body, s.out)
        return 0
    queues: list[dict[str, Any]] = body["queues"]
    if not queues:
        s.out.write("No queue with a dead-letter queue here\n")
        return 0
    if not any(q["count"] for q in queues):
        s.out.write(f"No dead letters (queues: {', '.join(q['queue'] for q in queues)})\n")
        return 0
    table(["QUEUE", "DEAD LETTERS"], [(q["queue"], q["count"]) for q in queues], s.out)
    rows = [
        (
            q["queue"],
            d["message_id"],
            d["kind"],
            d["workflow_id"],
            d["run_id"],
            d["receive_count"],
            compact(d["body"].replace("\n", " "), 200),
        )
        for q in queues
        for d in q["messages"]
    ]
    if rows:
        s.out.write("\n")
        table(["QUEUE", "MESSAGE ID", "KIND", "WORKFLOW ID", "RUN ID", "RECEIVES", "BODY"], rows, s.out)
    shown, held = len(rows), sum(q["count"] for q in queues)
    if shown < held:
        s.out.write(
            f"\n{shown} of {held} shown: --limit shows more per queue; a FIFO queue shows at most ten per workflow\n"
        )
    return 0


async def _redrive(args: argparse.Namespace, s: Session) -> int:
    if not args.yes:
        listed = await s.get("/dead-letters", queue=args.queue, limit=1)
        waiting = {q["queue"]: q["count"] for q in listed["queues"] if q["count"]}
        if not waiting:
            return _report(s, {"queues": []})
        where = ", ".join(f"{name}: {n}" for name, n in waiting.items())
        s.out.write(f"Move {_plural(sum(waiting.values()))} ({where}) back to their queues? [y/N] ")
        s.out.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            s.out.write("Nothing redriven\n")
            return 1
    _, body = await s.transport.call("POST", "/dead-letters/redrive", {"queue": args.queue})
    return _report(s, body)


def _report(s: Session, body: dict[str, Any]) -> int:
    if s.json:
        print_json(body, s.out)
        return 0
    moved = [q for q in body["queues"] if q["moved"]]
    if not moved:
        s.out.write("No dead letters to redrive\n")
    for q in moved:
        s.out.write(f"Redrove {_plural(q['moved'])} to {q['queue']}\n")
    return 0


def add_dlq_commands(subparsers: Any) -> None:
    """``durable dlq ...`` and its commands."""
    dlq = subparsers.add_parser("dlq", help="list and redrive the dead letters of the inbox, timer and activity queues")
    commands = dlq.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "list",
        help="show each queue's dead letters",
        description="Show each queue's dead letters: "
        "their count and, per message, its id, kind, workflow and run, receives and body (its start).",
    )
    common_options(p)
    p.add_argument("--queue", "-q", help=QUEUE_HELP)
    p.add_argument("--limit", type=int, default=100, help="messages shown per queue (default 100, at most 1000)")
    p.set_defaults(run=_list)

    p = commands.add_parser(
        "redrive",
        help="move dead letters back to their queue, once their cause is fixed",
        description="Move dead letters back to their queue (same body and message group), "
        "where they run as if just sent. Fix what made them fail first.",
    )
    common_options(p)
    p.add_argument("--queue", "-q", help=QUEUE_HELP)
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(run=_redrive)
