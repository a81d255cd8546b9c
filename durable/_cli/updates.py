"""``durable workflow update execute|start|result|describe``: ``temporal workflow update``'s
commands and flags.

``execute`` and ``result`` go through the client's workflow and update handles (a validator's
rejection or a handler's failure is the SDK's ``WorkflowUpdateFailedError``, one line on
stderr and exit code 1). ``start`` waits for the ACCEPTED stage and ``describe`` reads where
an update stands without waiting; both print the API's answer, whose stage and outcome the
client's handle does not show.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from durable._cli.arguments import Command, add_command, add_inputs, add_run_id, add_workflow_id
from durable._cli.output import failure_line, print_json

if TYPE_CHECKING:
    from durable._cli.session import Session

__all__ = ["add_update_commands", "add_update_with_start_command"]


def _updates(workflow_id: str) -> str:
    return f"/workflows/{quote(workflow_id, safe='')}/updates"


def _print_value(s: Session, update_id: str, result: Any) -> int:
    if s.json:
        print_json({"update_id": update_id, "result": result}, s.out)
    else:
        s.out.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


async def _execute(args: argparse.Namespace, s: Session) -> int:
    update_id = args.update_id or str(uuid.uuid4())
    handle = s.client.get_workflow_handle(
        args.workflow_id, run_id=args.run_id, first_execution_run_id=args.first_execution_run_id
    )
    result = await handle.execute_update(args.name, args=args.input or [], id=update_id)
    return _print_value(s, update_id, result)


async def _result(args: argparse.Namespace, s: Session) -> int:
    handle = s.client.get_workflow_handle(args.workflow_id, run_id=args.run_id).get_update_handle(args.update_id)
    return _print_value(s, args.update_id, await handle.result())


def _print_status(s: Session, status: dict[str, Any]) -> int:
    """An update's status as the API answers it; exit code 1 when it was rejected or failed."""
    outcome = status.get("outcome") or {}
    if s.json:
        print_json(status, s.out)
    elif "failure" in outcome:
        s.out.write(f"Update {status['update_id']} FAILED: {failure_line(outcome['failure'])}\n")
    else:
        s.out.write(
            f"Update {status['update_id']} of {status['workflow_id']} (run {status['run_id']}): {status['stage']}\n"
        )
        if "result" in outcome:
            s.out.write(json.dumps(outcome["result"], indent=2, ensure_ascii=False) + "\n")
    return 1 if "failure" in outcome else 0


async def _start(args: argparse.Namespace, s: Session) -> int:
    body = {
        "run_id": args.run_id,
        "update_id": args.update_id or str(uuid.uuid4()),
        "args": args.input or [],
        "wait_for_stage": "ACCEPTED",
    }
    path = f"{_updates(args.workflow_id)}/{quote(args.name, safe='')}"
    while True:  # each request waits a bounded time; ADMITTED: not taken yet, ask again (same update id)
        _, status = await s.transport.call("POST", path, body)
        if status["stage"] != "ADMITTED":
            return _print_status(s, status)


async def _describe(args: argparse.Namespace, s: Session) -> int:
    path = f"{_updates(args.workflow_id)}/{quote(args.update_id, safe='')}"
    return _print_status(s, await s.get(path, run_id=args.run_id, wait_seconds=0))


async def _execute_with_start(args: argparse.Namespace, s: Session) -> int:
    update_id = args.update_id or str(uuid.uuid4())
    operation = s.start_operation(
        args.type,
        args=args.input or [],
        id=args.workflow_id,
        task_queue=args.task_queue,
        id_conflict_policy=args.id_conflict_policy,
        id_reuse_policy=args.id_reuse_policy,
    )
    try:
        result = await s.client.execute_update_with_start_workflow(
            args.update_name, args=args.update_input or [], id=update_id, start_workflow_operation=operation
        )
    except Exception:
        # The operation's handle holds the start's failure too: take it (at once, or within a
        # second at most), so that asyncio does not report it as never retrieved.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(operation.workflow_handle(), timeout=1)
        raise
    handle = await operation.workflow_handle()
    if s.json:
        body = {"workflow_id": handle.id, "run_id": handle.result_run_id, "update_id": update_id, "result": result}
        print_json(body, s.out)
    else:
        s.out.write(f"Update {update_id} of {args.type} {handle.id} (run {handle.result_run_id}): COMPLETED\n")
        s.out.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


def add_update_with_start_command(commands: Any, starting: Callable[[argparse.ArgumentParser], None]) -> None:
    """``durable workflow execute-update-with-start`` (``commands``: the workflow group's
    subparsers; ``starting``: adds the start's flags, as ``workflow start`` takes them)."""
    p = add_command(
        commands,
        "execute-update-with-start",
        _execute_with_start,
        "send an update, starting the workflow first when the id does not run, and wait for its result",
    )
    starting(p)
    p.add_argument("--update-name", "--update-type", dest="update_name", required=True, help="the update name")
    add_inputs(p, "an argument of the update handler", "--update-input", dest="update_input")
    p.add_argument("--update-id", help="the update's id (default: a new UUID)")


def add_update_commands(commands: Any) -> None:
    """``durable workflow update ...`` (``commands``: the workflow group's subparsers)."""
    group = commands.add_parser("update", help="send updates and read their outcome")
    updates = group.add_subparsers(dest="update_command", required=True, metavar="COMMAND")

    def starting(name: str, run: Command, help: str) -> argparse.ArgumentParser:
        parser = add_command(updates, name, run, help)
        add_workflow_id(parser)
        parser.add_argument("--name", "--type", dest="name", required=True, help="the update name (its handler)")
        add_inputs(parser, "an argument of the update handler")
        parser.add_argument("--update-id", help="the update's id (default: a new UUID); a known id answers its outcome")
        add_run_id(parser)
        return parser

    def targeting(name: str, run: Command, help: str) -> argparse.ArgumentParser:
        parser = add_command(updates, name, run, help)
        add_workflow_id(parser)
        parser.add_argument("--update-id", required=True, help="the update's id")
        add_run_id(parser)
        return parser

    p = starting("execute", _execute, "send an update and wait for its result")
    p.add_argument(
        "--first-execution-run-id", help="the update goes to the latest run of the chain that began with this run"
    )
    p = starting("start", _start, "send an update and wait until it is accepted (or rejected)")
    p.add_argument(
        "--wait-for-stage",
        required=True,
        type=str.lower,
        choices=["accepted"],
        help="the stage to wait for: accepted (required, as temporal's)",
    )
    targeting("result", _result, "wait for an update's result")
    targeting("describe", _describe, "show where an update stands (no waiting)")
