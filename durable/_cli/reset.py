"""``durable workflow reset``: ``temporal workflow reset``'s flags, through the client's ``WorkflowHandle.reset``.

The point is an event id of the run's history (a ``WorkflowTaskCompleted`` or
``WorkflowTaskFailed`` event, as ``durable workflow show`` lists them) or a type; an event id
that is not a workflow task is refused with the ids that are (exit code 1).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from durable._cli.arguments import add_command, add_run_id, add_workflow_id
from durable._cli.output import print_json

if TYPE_CHECKING:
    from durable._cli.session import Session

__all__ = ["add_reset_command"]

RESET_TYPES = ("FirstWorkflowTask", "LastWorkflowTask")
REAPPLY_TYPES = ("All", "Signal", "None")


async def _reset(args: argparse.Namespace, s: Session) -> int:
    handle = s.client.get_workflow_handle(args.workflow_id, run_id=args.run_id)
    new = await handle.reset(**s.reset_options(args.event_id, args.type, args.reason, args.reapply_type))
    if s.json:
        print_json({"run_id": new.run_id}, s.out)
    else:
        s.out.write(f"Reset {args.workflow_id}: new run {new.run_id}\n")
    return 0


def add_reset_command(commands: Any) -> None:
    """``durable workflow reset`` (``commands``: the workflow group's subparsers)."""
    p = add_command(
        commands,
        "reset",
        _reset,
        "start a new run from a workflow task of a run's history; the run, if running, is terminated",
    )
    add_workflow_id(p)
    add_run_id(p)
    point = p.add_mutually_exclusive_group(required=True)
    point.add_argument(
        "--event-id",
        "-e",
        type=int,
        help="the id of a WorkflowTaskCompleted (or WorkflowTaskFailed) event to reset to (`durable workflow show`)",
    )
    point.add_argument(
        "--type", "-t", choices=RESET_TYPES, help="reset to the first or the last workflow task instead of an event id"
    )
    p.add_argument("--reason", required=True, help="why: kept on the old run's termination and the new run's history")
    p.add_argument(
        "--reapply-type",
        default="All",
        choices=REAPPLY_TYPES,
        help="what the run received after the point that the new run gets again: All or Signal (signals), "
        "None (default: All)",
    )
