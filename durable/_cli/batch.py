"""``durable batch signal|cancel|terminate|list|describe|stop``: batch jobs, as ``temporal``'s.

``durable batch terminate --query Q`` is ``temporal workflow terminate --query Q``: a job that
terminates every run the filter matches now, at most ``--rps`` a second. Before it starts,
the command shows how many runs match and asks (``--yes`` skips the question; without a
terminal to ask on, it refuses). ``list``, ``describe --job-id`` and ``stop --job-id``
(``terminate --job-id``, as ``temporal batch terminate``) follow the job. Each is a call of the
HTTP API's ``/batch-operations`` routes.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from durable._cli.arguments import add_command, add_inputs
from durable._cli.output import compact, print_json, table, when

if TYPE_CHECKING:
    from durable._cli.session import Session

__all__ = ["add_batch_commands", "add_batch_options", "start_batch"]

_PATH = "/batch-operations"
_DEFAULT_RPS = 50.0  # durable._batch.job.DEFAULT_RPS, not imported: the parser stays light


def _job_path(job_id: str) -> str:
    return f"{_PATH}/{quote(job_id, safe='')}"


async def _start(args: argparse.Namespace, s: Session) -> int:
    if getattr(args, "job_id", None) and not args.query:
        return await _stop(args, s)  # `batch terminate --job-id`: temporal's spelling of stop
    if not args.query:
        raise ValueError("pass --query (the runs to act on) or --job-id (a batch job to stop)")
    if not args.yes and not await _confirmed(args, s):
        return 1
    body: dict[str, Any] = {"operation": args.operation, "query": args.query, "reason": args.reason, "rps": args.rps}
    if args.operation == "signal":
        body.update(signal_name=args.name, input=args.input or [])
    _, started = await s.transport.call("POST", _PATH, body)
    if s.json:
        print_json(started, s.out)
    else:
        s.out.write(f"Started batch for job ID: {started['job_id']}\n")
    return 0


async def _confirmed(args: argparse.Namespace, s: Session) -> bool:
    """Whether the user agrees, shown how many runs the query matches now."""
    counted = await s.get("/workflow-counts", query=args.query)
    matching = f"{counted['count']} workflow execution{'' if counted['count'] == 1 else 's'}"
    if not sys.stdin.isatty():
        s.out.write(
            f"The query matches {matching}; not starting a batch {args.operation} without confirmation: "
            "pass --yes (no terminal to ask on)\n"
        )
        return False
    s.out.write(f"Start batch {args.operation} against {matching}? [y/N] ")
    s.out.flush()
    if sys.stdin.readline().strip().lower() in ("y", "yes"):
        return True
    s.out.write("Batch not started\n")
    return False


async def _list(args: argparse.Namespace, s: Session) -> int:
    body = await s.get(_PATH, limit=args.limit)
    if s.json:
        print_json(body, s.out)
        return 0
    jobs = body["jobs"]
    if not jobs:
        s.out.write("No batch jobs\n")
        return 0
    rows = [
        (
            j["job_id"],
            j["operation_type"],
            j["state"],
            f"{j['complete_operation_count']}/{j['total_operation_count']}",
            j["failure_operation_count"],
            when(j["start_time"]),
            compact(j["query"], 50),
        )
        for j in jobs
    ]
    table(["JOB ID", "OPERATION", "STATE", "DONE", "FAILED", "STARTED", "QUERY"], rows, s.out)
    return 0


async def _describe(args: argparse.Namespace, s: Session) -> int:
    job = await s.get(_job_path(args.job_id))
    if s.json:
        print_json(job, s.out)
        return 0
    _print_job(job, s)
    return 0


def _print_job(job: dict[str, Any], s: Session) -> None:
    rows = [
        ("JobId", job["job_id"]),
        ("Operation", job["operation_type"]),
        ("State", job["state"]),
        ("Query", job["query"]),
        ("Reason", job["reason"]),
        ("StartTime", when(job["start_time"])),
        ("CloseTime", when(job["close_time"])),
        ("TotalOperationCount", job["total_operation_count"]),
        ("CompleteOperationCount", job["complete_operation_count"]),
        ("FailureOperationCount", job["failure_operation_count"]),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        s.out.write(f"  {name:<{width}}  {value}\n")
    for error in job["errors"]:
        s.out.write(f"  error: {error}\n")


async def _stop(args: argparse.Namespace, s: Session) -> int:
    _, job = await s.transport.call("POST", f"{_job_path(args.job_id)}/stop", {"reason": args.reason})
    if s.json:
        print_json(job, s.out)
    else:
        s.out.write(f"Stopping batch job {args.job_id} ({job['complete_operation_count']} done so far)\n")
    return 0


async def start_batch(args: argparse.Namespace, s: Session) -> int:
    """Start the batch job ``args.operation`` over ``args.query`` (``durable workflow signal|cancel|
    terminate --query``, temporal's other spelling of ``durable batch ...``)."""
    args.reason = getattr(args, "reason", None) or ""
    return await _start(args, s)


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """``--rps`` and ``--yes``, for a command that may start a batch job."""
    parser.add_argument(
        "--rps", type=float, default=_DEFAULT_RPS, help=f"operations per second at most (default {_DEFAULT_RPS:g})"
    )
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def _operation_options(parser: argparse.ArgumentParser, operation: str) -> None:
    parser.add_argument(
        "--query",
        "-q",
        required=operation != "terminate",  # terminate takes --job-id instead, as temporal's
        help="the list filter of the runs to act on (`WorkflowType = 'Order'`)",
    )
    parser.add_argument("--reason", default="", help="why (recorded with each run's cancellation or termination)")
    add_batch_options(parser)
    parser.set_defaults(operation=operation)


def add_batch_commands(subparsers: Any) -> None:
    """``durable batch ...`` and its commands."""
    group = subparsers.add_parser(
        "batch", help="signal, cancel or terminate the runs a query matches, and follow those jobs"
    )
    commands = group.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = add_command(commands, "signal", _start, "signal every run the query matches")
    _operation_options(p, "signal")
    p.add_argument("--name", required=True, help="the signal's name")
    add_inputs(p, "the signal's argument")

    p = add_command(commands, "cancel", _start, "request cancellation of every run the query matches")
    _operation_options(p, "cancel")

    p = add_command(
        commands,
        "terminate",
        _start,
        "terminate every run the query matches (with --job-id instead: stop that batch job)",
    )
    _operation_options(p, "terminate")
    p.add_argument("--job-id", help="a batch job to stop (as `durable batch stop`)")

    p = add_command(commands, "list", _list, "list batch jobs, newest first")
    p.add_argument("--limit", type=int, default=100, help="most jobs listed (default 100)")

    p = add_command(commands, "describe", _describe, "show a batch job's state and counts")
    p.add_argument("--job-id", required=True, help="the batch job")

    p = add_command(commands, "stop", _stop, "stop a batch job where it is")
    p.add_argument("--job-id", required=True, help="the batch job")
    p.add_argument("--reason", default="", help="why")
